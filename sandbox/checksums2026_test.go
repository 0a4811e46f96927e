package sandbox_test

import (
	"bytes"
	"crypto/md5" //nolint:gosec // S3's MD5 checksum algorithm, not security
	"crypto/sha512"
	"encoding/base64"
	"encoding/binary"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/cespare/xxhash/v2"
	"github.com/zeebo/xxh3"
)

// sum2026 computes the 2026 checksums with the hash libraries directly (not
// the sandbox's code), as base64 of the big-endian digest.
func sum2026(alg string, data []byte) string {
	var raw []byte
	switch alg {
	case "MD5":
		s := md5.Sum(data) //nolint:gosec // checksum
		raw = s[:]
	case "SHA512":
		s := sha512.Sum512(data)
		raw = s[:]
	case "XXHASH64":
		raw = binary.BigEndian.AppendUint64(nil, xxhash.Sum64(data))
	case "XXHASH3":
		raw = binary.BigEndian.AppendUint64(nil, xxh3.Hash(data))
	case "XXHASH128":
		s := xxh3.Hash128(data).Bytes()
		raw = s[:]
	}
	return base64.StdEncoding.EncodeToString(raw)
}

// setChecksum sets alg's value field of a PutObject/UploadPart-like input.
func setChecksum(alg, v string, md5v, sha512v, x3, x64, x128 **string) {
	p := map[string]**string{"MD5": md5v, "SHA512": sha512v, "XXHASH3": x3, "XXHASH64": x64, "XXHASH128": x128}[alg]
	*p = aws.String(v)
}

func checksumOf(alg string, c *s3types.Checksum) string {
	if c == nil {
		return ""
	}
	return aws.ToString(map[string]*string{"MD5": c.ChecksumMD5, "SHA512": c.ChecksumSHA512, "XXHASH3": c.ChecksumXXHASH3,
		"XXHASH64": c.ChecksumXXHASH64, "XXHASH128": c.ChecksumXXHASH128}[alg])
}

var algs2026 = []string{"MD5", "SHA512", "XXHASH3", "XXHASH64", "XXHASH128"}

// TestChecksums2026PutGetHeadAttributes: a PUT carrying x-amz-checksum-<alg>
// for MD5, SHA512 and the XXHASH family is verified (a wrong value is 400
// BadDigest and stores nothing) and stored: GET and HEAD with ChecksumMode
// ENABLED and GetObjectAttributes return it as FULL_OBJECT.
func TestChecksums2026PutGetHeadAttributes(t *testing.T) {
	e := newEnv(t)
	e.mkBucket("ck26")
	body := bytes.Repeat([]byte("checksums of 2026 "), 4000)
	for _, alg := range algs2026 {
		t.Run(alg, func(t *testing.T) {
			want := sum2026(alg, body)
			key := "o-" + alg
			_, err := put(e, "ck26", key, body, func(p *s3.PutObjectInput) {
				setChecksum(alg, want, &p.ChecksumMD5, &p.ChecksumSHA512, &p.ChecksumXXHASH3, &p.ChecksumXXHASH64, &p.ChecksumXXHASH128)
			})
			if err != nil {
				t.Fatalf("PUT with %s: %v", alg, err)
			}
			_, err = put(e, "ck26", "bad-"+alg, body, func(p *s3.PutObjectInput) {
				setChecksum(alg, sum2026(alg, []byte("other")), &p.ChecksumMD5, &p.ChecksumSHA512, &p.ChecksumXXHASH3, &p.ChecksumXXHASH64, &p.ChecksumXXHASH128)
			})
			wantErr(t, err, "BadDigest", 400)
			if _, err := e.s3.HeadObject(ctx(), &s3.HeadObjectInput{Bucket: aws.String("ck26"), Key: aws.String("bad-" + alg)}); err == nil {
				t.Fatal("a PUT refused for its checksum stored an object")
			}

			got, g, err := e.get(&s3.GetObjectInput{Bucket: aws.String("ck26"), Key: aws.String(key), ChecksumMode: s3types.ChecksumModeEnabled})
			if err != nil {
				t.Fatal(err)
			}
			mustEqual(t, "GET body", got, body)
			gc := s3types.Checksum{ChecksumMD5: g.ChecksumMD5, ChecksumSHA512: g.ChecksumSHA512, ChecksumXXHASH3: g.ChecksumXXHASH3,
				ChecksumXXHASH64: g.ChecksumXXHASH64, ChecksumXXHASH128: g.ChecksumXXHASH128}
			if checksumOf(alg, &gc) != want || g.ChecksumType != s3types.ChecksumTypeFullObject {
				t.Fatalf("GET checksum %q type %q, want %q FULL_OBJECT", checksumOf(alg, &gc), g.ChecksumType, want)
			}
			h, err := e.s3.HeadObject(ctx(), &s3.HeadObjectInput{Bucket: aws.String("ck26"), Key: aws.String(key), ChecksumMode: s3types.ChecksumModeEnabled})
			if err != nil {
				t.Fatal(err)
			}
			hc := s3types.Checksum{ChecksumMD5: h.ChecksumMD5, ChecksumSHA512: h.ChecksumSHA512, ChecksumXXHASH3: h.ChecksumXXHASH3,
				ChecksumXXHASH64: h.ChecksumXXHASH64, ChecksumXXHASH128: h.ChecksumXXHASH128}
			if checksumOf(alg, &hc) != want {
				t.Fatalf("HEAD checksum %q, want %q", checksumOf(alg, &hc), want)
			}
			a, err := e.s3.GetObjectAttributes(ctx(), &s3.GetObjectAttributesInput{Bucket: aws.String("ck26"), Key: aws.String(key),
				ObjectAttributes: []s3types.ObjectAttributes{s3types.ObjectAttributesChecksum}})
			if err != nil {
				t.Fatal(err)
			}
			if checksumOf(alg, a.Checksum) != want || a.Checksum.ChecksumType != s3types.ChecksumTypeFullObject {
				t.Fatalf("GetObjectAttributes checksum %+v, want %s %q", a.Checksum, alg, want)
			}
		})
	}
}

// TestChecksums2026Multipart: a multipart upload created with a 2026
// algorithm verifies each part's checksum and completes with the COMPOSITE
// checksum (the algorithm over the parts' raw digests, "-N"); FULL_OBJECT
// with any of them is refused at CreateMultipartUpload with S3's text.
func TestChecksums2026Multipart(t *testing.T) {
	e := newEnv(t)
	e.mkBucket("ck26mp")
	chunks := [][]byte{bytes.Repeat([]byte("p1"), 5<<19), []byte("the last part")}
	for _, alg := range algs2026 {
		t.Run(alg, func(t *testing.T) {
			key := "mp-" + alg
			cu, err := e.s3.CreateMultipartUpload(ctx(), &s3.CreateMultipartUploadInput{Bucket: aws.String("ck26mp"), Key: aws.String(key),
				ChecksumAlgorithm: s3types.ChecksumAlgorithm(alg)})
			if err != nil {
				t.Fatal(err)
			}
			if string(cu.ChecksumAlgorithm) != alg {
				t.Fatalf("CreateMultipartUpload echoed %q", cu.ChecksumAlgorithm)
			}
			var parts []s3types.CompletedPart
			var digests []byte
			for i, chunk := range chunks {
				v := sum2026(alg, chunk)
				raw, _ := base64.StdEncoding.DecodeString(v)
				digests = append(digests, raw...)
				in := &s3.UploadPartInput{Bucket: aws.String("ck26mp"), Key: aws.String(key), UploadId: cu.UploadId,
					PartNumber: aws.Int32(int32(i + 1)), Body: bytes.NewReader(chunk)}
				setChecksum(alg, v, &in.ChecksumMD5, &in.ChecksumSHA512, &in.ChecksumXXHASH3, &in.ChecksumXXHASH64, &in.ChecksumXXHASH128)
				up, err := e.s3.UploadPart(ctx(), in)
				if err != nil {
					t.Fatalf("UploadPart %d: %v", i+1, err)
				}
				parts = append(parts, s3types.CompletedPart{ETag: up.ETag, PartNumber: aws.Int32(int32(i + 1))})
			}
			bad := &s3.UploadPartInput{Bucket: aws.String("ck26mp"), Key: aws.String(key), UploadId: cu.UploadId,
				PartNumber: aws.Int32(3), Body: bytes.NewReader([]byte("x"))}
			setChecksum(alg, sum2026(alg, []byte("y")), &bad.ChecksumMD5, &bad.ChecksumSHA512, &bad.ChecksumXXHASH3, &bad.ChecksumXXHASH64, &bad.ChecksumXXHASH128)
			_, err = e.s3.UploadPart(ctx(), bad)
			wantErr(t, err, "BadDigest", 400)
			if _, err := e.s3.CompleteMultipartUpload(ctx(), &s3.CompleteMultipartUploadInput{Bucket: aws.String("ck26mp"), Key: aws.String(key),
				UploadId: cu.UploadId, MultipartUpload: &s3types.CompletedMultipartUpload{Parts: parts}}); err != nil {
				t.Fatal(err)
			}
			a, err := e.s3.GetObjectAttributes(ctx(), &s3.GetObjectAttributesInput{Bucket: aws.String("ck26mp"), Key: aws.String(key),
				ObjectAttributes: []s3types.ObjectAttributes{s3types.ObjectAttributesChecksum}})
			if err != nil {
				t.Fatal(err)
			}
			want := sum2026(alg, digests) + "-2"
			if checksumOf(alg, a.Checksum) != want || a.Checksum.ChecksumType != s3types.ChecksumTypeComposite {
				t.Fatalf("composite checksum %+v, want %s %q COMPOSITE", a.Checksum, alg, want)
			}

			_, err = e.s3.CreateMultipartUpload(ctx(), &s3.CreateMultipartUploadInput{Bucket: aws.String("ck26mp"), Key: aws.String("full"),
				ChecksumAlgorithm: s3types.ChecksumAlgorithm(alg), ChecksumType: s3types.ChecksumTypeFullObject})
			wantErr(t, err, "InvalidRequest", 400)
			if m := errMessage(err); m != "The FULL_OBJECT checksum type cannot be used with the "+lower(alg)+" checksum algorithm." {
				t.Fatalf("FULL_OBJECT with %s: %q", alg, m)
			}
		})
	}
	_, err := e.s3.CreateMultipartUpload(ctx(), &s3.CreateMultipartUploadInput{Bucket: aws.String("ck26mp"), Key: aws.String("t"),
		ChecksumType: s3types.ChecksumTypeComposite})
	wantErr(t, err, "InvalidRequest", 400)
	if m := errMessage(err); m != "The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header." {
		t.Fatalf("type without algorithm: %q", m)
	}
}

func lower(s string) string { return string(bytes.ToLower([]byte(s))) }
