package e2e

import (
	"crypto/sha512"
	"encoding/base64"
	"encoding/binary"
	"testing"

	"github.com/cespare/xxhash/v2"
	"github.com/zeebo/xxh3"

	"github.com/s3crypt/s3crypt/internal/testtool"
)

// TestChecksums2026ThroughPipAWS sends the checksums S3 added in 2026
// through the pip AWS CLI (botocore knows --checksum-xxhash64 and friends;
// Debian's aws 2.9 predates them): put-object with a right value stores
// it, head-object --checksum-mode ENABLED returns it, a wrong value is
// refused with BadDigest. (A value of the wrong length is InvalidRequest
// "Value for x-amz-checksum-<alg> header is invalid.", as on AWS.)
func TestChecksums2026ThroughPipAWS(t *testing.T) {
	aws := pipAWS(t)
	srv := testtool.StartServe(t, testtool.BuildBinary(t), t.TempDir())
	s := newShell(t, srv, aws)
	data := []byte("checksums S3 added in 2026, sent by the pip AWS CLI\n")
	s.write("data.txt", data)
	b64 := base64.StdEncoding.EncodeToString
	of := func(d []byte) []string {
		sha := sha512.Sum512(d)
		x128 := xxh3.Hash128(d).Bytes()
		return []string{b64(binary.BigEndian.AppendUint64(nil, xxhash.Sum64(d))),
			b64(binary.BigEndian.AppendUint64(nil, xxh3.Hash(d))), b64(x128[:]), b64(sha[:])}
	}
	right, wrong := of(data), of([]byte("other bytes"))
	sums := []struct{ flag, field, value, wrong string }{
		{"--checksum-xxhash64", "ChecksumXXHASH64", right[0], wrong[0]},
		{"--checksum-xxhash3", "ChecksumXXHASH3", right[1], wrong[1]},
		{"--checksum-xxhash128", "ChecksumXXHASH128", right[2], wrong[2]},
		{"--checksum-sha512", "ChecksumSHA512", right[3], wrong[3]},
	}
	s.ok(`aws s3 mb s3://ck26`)
	for _, c := range sums {
		s.ok(`aws s3api put-object --bucket ck26 --key k` + c.field + ` --body data.txt ` + c.flag + ` ` + c.value)
		h := s.jsonOut(s.ok(`aws s3api head-object --bucket ck26 --key k` + c.field + ` --checksum-mode ENABLED`))
		want(t, c.field, str(h, c.field), c.value)
		want(t, c.field+" type", str(h, "ChecksumType"), "FULL_OBJECT")
		s.fails(`aws s3api put-object --bucket ck26 --key bad --body data.txt `+c.flag+` `+c.wrong, -1, "(BadDigest)")
	}
}
