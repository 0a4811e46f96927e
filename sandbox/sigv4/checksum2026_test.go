package sigv4

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"
)

// TestNewChecksumTrailers: the checksums S3 added in 2026 (MD5, SHA512,
// XXHASH3, XXHASH64, XXHASH128) work as signed aws-chunked trailers like the
// CRCs: a right value is taken and reported, a wrong one is 400 BadDigest.
func TestNewChecksumTrailers(t *testing.T) {
	data := bytes.Repeat([]byte("s3crypt xxhash "), 6000) // 90000 bytes, 2 chunks
	for _, alg := range []string{MD5, SHA512, XXHASH3, XXHASH64, XXHASH128} {
		t.Run(alg, func(t *testing.T) {
			h, err := NewChecksum(alg)
			if err != nil {
				t.Fatal(err)
			}
			h.Write(data)
			name := "x-amz-checksum-" + strings.ToLower(alg)
			req, _ := streamingPut(t, data, 64<<10, name+":"+ChecksumValue(h))
			res, err := newVerifier(exampleTime).Verify(req)
			if err != nil {
				t.Fatal(err)
			}
			got, err := readBody(res)
			if err != nil || !bytes.Equal(got, data) {
				t.Fatalf("body %d bytes, err %v", len(got), err)
			}
			if a, sum := res.Checksum(); a != alg || sum != ChecksumValue(h) {
				t.Fatalf("checksum %s %s", a, sum)
			}
			wrong := make([]byte, h.Size())
			req, _ = streamingPut(t, data, 64<<10, name+":"+base64.StdEncoding.EncodeToString(wrong))
			res, _ = newVerifier(exampleTime).Verify(req)
			_, err = readBody(res)
			wantError(t, err, 400, "BadDigest", "The "+alg+" you specified did not match the calculated checksum.")
		})
	}
}
