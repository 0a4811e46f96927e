package actions_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/s3crypt/s3crypt/actions"
	"github.com/s3crypt/s3crypt/awsclient"
)

// usageFixture is a sandbox where one key is the default of two buckets
// and encrypts 137 object versions across two of them.
type usageFixture struct {
	b              *awsclient.Backend
	keyID, keyARN  string
	otherID        string
	bytesA, bytesB int64
}

// mustFn returns a check that fails t on a call's error.
func mustFn(t *testing.T) func(any, error) {
	return func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
}

func createKey(t *testing.T, b *awsclient.Backend, alias string) (id, arn string) {
	t.Helper()
	ctx := context.Background()
	out, err := b.KMS.CreateKey(ctx, &kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	id, arn = aws.ToString(out.KeyMetadata.KeyId), aws.ToString(out.KeyMetadata.Arn)
	if alias != "" {
		mustFn(t)(b.KMS.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: &alias, TargetKeyId: &id}))
	}
	return id, arn
}

func createBucket(t *testing.T, b *awsclient.Backend, name, sse, key string, versioned bool) {
	t.Helper()
	ctx := context.Background()
	mustFn(t)(b.S3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &name}))
	if sse != "" {
		def := &s3types.ServerSideEncryptionByDefault{SSEAlgorithm: s3types.ServerSideEncryption(sse)}
		if key != "" {
			def.KMSMasterKeyID = &key
		}
		mustFn(t)(b.S3.PutBucketEncryption(ctx, &s3.PutBucketEncryptionInput{Bucket: &name,
			ServerSideEncryptionConfiguration: &s3types.ServerSideEncryptionConfiguration{Rules: []s3types.ServerSideEncryptionRule{{ApplyServerSideEncryptionByDefault: def}}}}))
	}
	if versioned {
		mustFn(t)(b.S3.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: &name,
			VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled}}))
	}
}

// put uploads body to bucket/key; in sets its encryption.
func put(t *testing.T, b *awsclient.Backend, bucket, key string, body []byte, in s3.PutObjectInput) {
	t.Helper()
	in.Bucket, in.Key, in.Body = &bucket, &key, bytes.NewReader(body)
	mustFn(t)(b.S3.PutObject(context.Background(), &in))
}

func newUsageFixture(t *testing.T) usageFixture {
	t.Helper()
	f := usageFixture{b: bkEnv(t).Backend}
	f.keyID, f.keyARN = createKey(t, f.b, "alias/usage")
	f.otherID, _ = createKey(t, f.b, "alias/other")
	body := func(i int) []byte { return bytes.Repeat([]byte{'x'}, 100+i) }
	// ua: versioned, default SSE-KMS by alias. 60 objects under the key,
	// 20 of them overwritten under it again (20 noncurrent), 5 others
	// overwritten with SSE-S3 (5 noncurrent under the key, current not):
	// 55 current + 25 noncurrent = 80.
	createBucket(t, f.b, "use-a", "aws:kms", "alias/usage", true)
	for i := range 60 {
		put(t, f.b, "use-a", fmt.Sprintf("o%03d", i), body(i), s3.PutObjectInput{})
		f.bytesA += int64(100 + i)
	}
	for i := range 20 {
		put(t, f.b, "use-a", fmt.Sprintf("o%03d", i), body(i), s3.PutObjectInput{})
		f.bytesA += int64(100 + i)
	}
	for i := 20; i < 25; i++ {
		put(t, f.b, "use-a", fmt.Sprintf("o%03d", i), body(i), s3.PutObjectInput{ServerSideEncryption: s3types.ServerSideEncryptionAes256})
	}
	// ub: unversioned, default SSE-S3. 40 DSSE-KMS by ARN, 17 SSE-KMS with
	// a bucket key by id = 57 under the key; 10 under the other key and 3
	// SSE-S3 that must not count.
	createBucket(t, f.b, "use-b", "", "", false)
	for i := range 40 {
		put(t, f.b, "use-b", fmt.Sprintf("d%03d", i), body(i), s3.PutObjectInput{ServerSideEncryption: s3types.ServerSideEncryptionAwsKmsDsse, SSEKMSKeyId: &f.keyARN})
		f.bytesB += int64(100 + i)
	}
	for i := range 17 {
		put(t, f.b, "use-b", fmt.Sprintf("k%03d", i), body(i), s3.PutObjectInput{ServerSideEncryption: s3types.ServerSideEncryptionAwsKms, SSEKMSKeyId: &f.keyID, BucketKeyEnabled: aws.Bool(true)})
		f.bytesB += int64(100 + i)
	}
	for i := range 10 {
		put(t, f.b, "use-b", fmt.Sprintf("x%03d", i), body(i), s3.PutObjectInput{ServerSideEncryption: s3types.ServerSideEncryptionAwsKms, SSEKMSKeyId: &f.otherID})
	}
	for i := range 3 {
		put(t, f.b, "use-b", fmt.Sprintf("s%03d", i), body(i), s3.PutObjectInput{ServerSideEncryption: s3types.ServerSideEncryptionAes256})
	}
	// uc: empty, its default names the key by ARN; ud: default names the
	// other key.
	createBucket(t, f.b, "use-c", "aws:kms", f.keyARN, false)
	createBucket(t, f.b, "use-d", "aws:kms", f.otherID, false)
	return f
}

// TestKeyUsageReportsEveryVersionExactly: a key that is the default of two
// buckets and encrypts 137 object versions (current and noncurrent,
// SSE-KMS with and without a bucket key, DSSE-KMS) in two buckets is
// reported exactly, whichever way the key is named.
func TestKeyUsageReportsEveryVersionExactly(t *testing.T) {
	f := newUsageFixture(t)
	env := &actions.Env{Backend: f.b}
	cache := actions.NewKeyUsageCache()
	for _, ref := range []string{"alias/usage", f.keyID, f.keyARN} {
		res, _ := mustRun(t, env, &actions.KeyUsage{KeyID: ref, Concurrency: 4, Cache: cache, Refresh: true})
		u := res.(actions.KeyUsageResult)
		if u.Objects+u.Versions != 137 || u.Objects != 112 || u.Versions != 25 || u.Bytes != f.bytesA+f.bytesB {
			t.Errorf("%s: %d current + %d noncurrent, %d bytes; want 112 + 25 = 137, %d bytes", ref, u.Objects, u.Versions, u.Bytes, f.bytesA+f.bytesB)
		}
		if fmt.Sprint(u.DefaultBuckets) != "[use-a use-c]" {
			t.Errorf("%s: default of %v, want [use-a use-c]", ref, u.DefaultBuckets)
		}
		by := map[string]actions.BucketKeyUsage{}
		for _, b := range u.Buckets {
			by[b.Bucket] = b
		}
		if a := by["use-a"]; a.Objects != 55 || a.Versions != 25 || a.SSEKMS != 80 || a.Bytes != f.bytesA || !a.DefaultRule {
			t.Errorf("%s: ua %+v", ref, a)
		}
		if b := by["use-b"]; b.Objects != 57 || b.Versions != 0 || b.DSSEKMS != 40 || b.BucketKey != 17 || b.SSEKMS != 0 || b.DefaultRule {
			t.Errorf("%s: ub %+v", ref, b)
		}
		if d := by["use-d"]; d.Objects != 0 || d.DefaultRule {
			t.Errorf("%s: ud %+v", ref, d)
		}
		if u.Scanned != 80+5+70 {
			t.Errorf("%s: scanned %d versions, want 155", ref, u.Scanned)
		}
	}
	// The other key: 10 objects in ub, default of ud.
	res, _ := mustRun(t, env, &actions.KeyUsage{KeyID: "alias/other"})
	if u := res.(actions.KeyUsageResult); u.Objects != 10 || fmt.Sprint(u.DefaultBuckets) != "[use-d]" {
		t.Errorf("other key: %d objects, default of %v", u.Objects, u.DefaultBuckets)
	}
	// Cached: the second question is answered without listing.
	res, _ = mustRun(t, env, &actions.KeyUsage{KeyID: "alias/usage", Cache: cache})
	if u := res.(actions.KeyUsageResult); !u.Cached || u.Objects+u.Versions != 137 {
		t.Errorf("cached: %+v", u)
	}
	// Limited to one bucket.
	res, _ = mustRun(t, env, &actions.KeyUsage{KeyID: "alias/usage", Buckets: []string{"use-b"}})
	if u := res.(actions.KeyUsageResult); u.Objects != 57 || len(u.Buckets) != 1 {
		t.Errorf("--bucket ub: %+v", u)
	}
	// Cancelled: the job stops with the context's error.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := actions.RunSync(ctx, env, &actions.KeyUsage{KeyID: f.keyID}, nil); err == nil {
		t.Error("a cancelled search answered")
	}
}
