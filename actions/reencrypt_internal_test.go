package actions

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// TestChoosePath covers every branch of the path decision, Object Lock
// included (the sandbox has no Object Lock, so HEAD answers are built
// here as AWS sends them).
func TestChoosePath(t *testing.T) {
	const k1, k2 = "arn:aws:kms:us-east-1:111122223333:key/one", "arn:aws:kms:us-east-1:111122223333:key/two"
	kms := func(k string, bk bool) sourceObject {
		return sourceOf(&s3.HeadObjectOutput{ServerSideEncryption: "aws:kms", SSEKMSKeyId: aws.String(k), BucketKeyEnabled: aws.Bool(bk)})
	}
	sses3 := sourceOf(&s3.HeadObjectOutput{ServerSideEncryption: "AES256"})
	locked := sourceOf(&s3.HeadObjectOutput{ServerSideEncryption: "AES256", ObjectLockMode: s3types.ObjectLockModeGovernance,
		ObjectLockRetainUntilDate: aws.Time(time.Date(2030, 1, 2, 0, 0, 0, 0, time.UTC))})
	held := sourceOf(&s3.HeadObjectOutput{ServerSideEncryption: "AES256", ObjectLockLegalHoldStatus: s3types.ObjectLockLegalHoldStatusOn})
	cse := sourceOf(&s3.HeadObjectOutput{ServerSideEncryption: "AES256", Metadata: map[string]string{"x-amz-c": "115", "x-amz-3": "a", "x-amz-w": "12", "x-amz-d": "b", "x-amz-i": "c"}})
	ssec := sourceObject{enc: ObjectEncryption{SSECKeyMD5: "abc"}}
	dsse := sourceOf(&s3.HeadObjectOutput{ServerSideEncryption: "aws:kms:dsse", SSEKMSKeyId: aws.String(k1)})
	none := sourceOf(&s3.HeadObjectOutput{})
	toKMS := ReencryptTarget{SSE: SSEKMS, KMSKey: k2}
	for _, c := range []struct {
		name      string
		src       sourceObject
		t         ReencryptTarget
		copy      bool
		size      int64
		path, why string
	}{
		{"retention", locked, toKMS, false, 1, PathCannot, "Object Lock GOVERNANCE retention until 2030-01-02"},
		{"legal hold", held, toKMS, false, 1, PathCannot, "legal hold"},
		{"client-side", cse, toKMS, false, 1, PathCannot, "client-side"},
		{"ssec without key", sourceObject{ssecNoKey: true}, toKMS, false, 1, PathCannot, "SSE-C without its key"},
		{"same", kms(k2, false), toKMS, false, 1, PathNone, "already"},
		{"sse-s3 to kms", sses3, toKMS, false, 1, PathUpdate, "SSE-S3 to SSE-KMS"},
		{"another key", kms(k1, false), toKMS, false, 1, PathUpdate, "another KMS key"},
		{"add bucket key", kms(k2, false), ReencryptTarget{SSE: SSEKMS, KMSKey: k2, BucketKey: true}, false, 1, PathUpdate, "adding a bucket key"},
		{"forced copy", sses3, toKMS, true, 1, PathCopy, "--copy"},
		{"ssec", ssec, toKMS, false, 1, PathCopy, "SSE-C objects"},
		{"dsse", dsse, toKMS, false, 1, PathCopy, "DSSE-KMS objects"},
		{"unencrypted", none, toKMS, false, 1, PathCopy, "unencrypted"},
		{"back to sse-s3", kms(k1, false), ReencryptTarget{SSE: SSES3}, false, 1, PathCopy, "cannot go back to SSE-S3"},
		{"to dsse", sses3, ReencryptTarget{SSE: DSSEKMS, KMSKey: k1}, false, 1, PathCopy, "cannot make DSSE-KMS"},
		{"over 5 GiB", ssec, toKMS, false, MaxCopyObject + 1, PathPartCopy, "UploadPartCopy"},
	} {
		path, why := choosePath(c.src, c.t, c.copy, c.size, 0)
		if path != c.path || !strings.Contains(why, c.why) {
			t.Errorf("%s: %s (%s), want %s (%s)", c.name, path, why, c.path, c.why)
		}
	}
}
