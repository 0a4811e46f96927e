package sandbox_test

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// TestPartETags checks UploadPart's ETags as AWS gives them: an SSE-S3
// part's ETag is the MD5 of its bytes; an SSE-KMS part's is not (the
// sandbox no longer computes that MD5), differs between two uploads of the
// same bytes, and still completes the upload. A Content-MD5 sent with an
// SSE-KMS part is still checked (400 BadDigest when wrong).
func TestPartETags(t *testing.T) {
	e := newEnv(t)
	e.mkBucket("etags")
	data := randomBytes(100 << 10)
	sum := md5.Sum(data)
	plainETag := `"` + hex.EncodeToString(sum[:]) + `"`

	upload := func(key string, sse s3types.ServerSideEncryption, contentMD5 string) (string, *string, error) {
		t.Helper()
		up, err := e.s3.CreateMultipartUpload(ctx(), &s3.CreateMultipartUploadInput{Bucket: aws.String("etags"), Key: aws.String(key),
			ServerSideEncryption: sse})
		if err != nil {
			t.Fatal(err)
		}
		in := &s3.UploadPartInput{Bucket: aws.String("etags"), Key: aws.String(key), UploadId: up.UploadId,
			PartNumber: aws.Int32(1), Body: bytes.NewReader(data)}
		if contentMD5 != "" {
			in.ContentMD5 = aws.String(contentMD5)
		}
		out, err := e.s3.UploadPart(ctx(), in)
		if err != nil {
			return "", up.UploadId, err
		}
		return aws.ToString(out.ETag), up.UploadId, nil
	}
	complete := func(key string, id *string, etag string) {
		t.Helper()
		_, err := e.s3.CompleteMultipartUpload(ctx(), &s3.CompleteMultipartUploadInput{Bucket: aws.String("etags"), Key: aws.String(key),
			UploadId: id, MultipartUpload: &s3types.CompletedMultipartUpload{Parts: []s3types.CompletedPart{{PartNumber: aws.Int32(1), ETag: aws.String(etag)}}}})
		if err != nil {
			t.Fatalf("complete %s: %v", key, err)
		}
		got, _, err := e.get(&s3.GetObjectInput{Bucket: aws.String("etags"), Key: aws.String(key)})
		if err != nil {
			t.Fatal(err)
		}
		mustEqual(t, key, got, data)
	}

	s3ETag, s3ID, err := upload("sse-s3", s3types.ServerSideEncryptionAes256, "")
	if err != nil {
		t.Fatal(err)
	}
	if s3ETag != plainETag {
		t.Errorf("SSE-S3 part ETag = %s, want the MD5 of the part %s", s3ETag, plainETag)
	}
	complete("sse-s3", s3ID, s3ETag)

	kmsETag, kmsID, err := upload("sse-kms", s3types.ServerSideEncryptionAwsKms, "")
	if err != nil {
		t.Fatal(err)
	}
	again, _, err := upload("sse-kms-2", s3types.ServerSideEncryptionAwsKms, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, tag := range []string{kmsETag, again} {
		hexPart := strings.Trim(tag, `"`)
		if _, err := hex.DecodeString(hexPart); err != nil || len(hexPart) != 32 || tag == plainETag {
			t.Errorf("SSE-KMS part ETag = %s, want 32 hex digits that are not the MD5 of the part", tag)
		}
	}
	if kmsETag == again {
		t.Errorf("two SSE-KMS parts of the same bytes got the same ETag %s", kmsETag)
	}
	complete("sse-kms", kmsID, kmsETag)

	// Content-MD5 is still verified on SSE-KMS parts.
	good := base64.StdEncoding.EncodeToString(sum[:])
	if _, _, err := upload("sse-kms-md5", s3types.ServerSideEncryptionAwsKms, good); err != nil {
		t.Fatalf("SSE-KMS part with the right Content-MD5: %v", err)
	}
	wrong := md5.Sum([]byte("other"))
	_, _, err = upload("sse-kms-bad-md5", s3types.ServerSideEncryptionAwsKms, base64.StdEncoding.EncodeToString(wrong[:]))
	wantErr(t, err, "BadDigest", 400)
}
