package learn_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/s3crypt/s3crypt/actions"
	"github.com/s3crypt/s3crypt/awsclient"
	s3c "github.com/s3crypt/s3crypt/crypto"
	"github.com/s3crypt/s3crypt/learn"
)

// background does what the TUI does on its own while a lesson is open: it
// lists the bucket and HEADs every object (keyless: an SSE-C object is
// refused), as the Objects view does, and polls the lesson's checks (whose
// own reads HEAD and inspect objects too).
func background(t *testing.T, b *awsclient.Backend, l learn.Lesson, bucket string) {
	t.Helper()
	ctx := context.Background()
	env := &actions.Env{Backend: b}
	for range 2 {
		res, err := actions.RunRead(ctx, env, &actions.ListObjects{Bucket: bucket}, nil)
		if err != nil {
			t.Fatal(err)
		}
		var keys []string
		for _, o := range res.(actions.ListObjectsResult).Objects {
			keys = append(keys, o.Key)
		}
		if len(keys) == 0 {
			t.Fatalf("background: nothing listed in %s", bucket)
		}
		if _, err := actions.RunRead(ctx, env, &actions.HeadObjects{Bucket: bucket, Keys: keys}, nil); err != nil {
			t.Fatal(err)
		}
		check(t, b, l)
	}
}

// stepPassed checks the lesson and says whether step n (1-based) passed.
func stepPassed(t *testing.T, b *awsclient.Backend, l learn.Lesson, n int) (bool, string) {
	t.Helper()
	r := check(t, b, l)[n-1]
	return r.Passed, r.Why
}

func wantStep(t *testing.T, b *awsclient.Backend, l learn.Lesson, n int, want bool, when string) {
	t.Helper()
	if got, why := stepPassed(t, b, l, n); got != want {
		t.Errorf("%s: step %d (%s) passed=%v, want %v (why: %q)", when, n, l.Steps[n-1].Goal, got, want, why)
	}
}

func run(t *testing.T, b *awsclient.Backend, a actions.Action) error {
	t.Helper()
	_, err := actions.RunRead(context.Background(), &actions.Env{Backend: b}, a, nil)
	return err
}

func mustMakeBucket(t *testing.T, b *awsclient.Backend, bucket string) {
	t.Helper()
	if _, err := b.S3.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatal(err)
	}
}

// TestLesson8BackgroundPassesNothing: the refusals a listing's HEADs (and
// the checks' own reads) draw from an SSE-C object never pass the steps
// about downloading it, nor does anything pass "look at it at rest"; the
// learner's own downloads and look do, one step each.
func TestLesson8BackgroundPassesNothing(t *testing.T) {
	lessonEnv(t)
	l, _ := learn.Find("08-sse-c")
	b := openLesson(t, l.ID)
	ctx := context.Background()
	mustMakeBucket(t, b, "lesson")
	if _, err := b.S3.PutBucketEncryption(ctx, &s3.PutBucketEncryptionInput{Bucket: aws.String("lesson"),
		ServerSideEncryptionConfiguration: &s3types.ServerSideEncryptionConfiguration{Rules: []s3types.ServerSideEncryptionRule{{
			ApplyServerSideEncryptionByDefault: &s3types.ServerSideEncryptionByDefault{SSEAlgorithm: s3types.ServerSideEncryptionAes256},
			BlockedEncryptionTypes:             &s3types.BlockedEncryptionTypes{EncryptionType: []s3types.EncryptionType{"NONE"}},
		}}}}); err != nil {
		t.Fatal(err)
	}
	key, err := s3c.RandomKey(32)
	if err != nil {
		t.Fatal(err)
	}
	wrong, err := s3c.RandomKey(32)
	if err != nil {
		t.Fatal(err)
	}
	upload := func() {
		t.Helper()
		alg, k, md5 := s3c.SSECHeaders(key)
		if _, err := b.S3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("lesson"), Key: aws.String("KGF.sh"),
			Body: strings.NewReader("echo KGF\n"), SSECustomerAlgorithm: &alg, SSECustomerKey: &k, SSECustomerKeyMD5: &md5}); err != nil {
			t.Fatal(err)
		}
	}
	upload()
	wantStep(t, b, l, 5, true, "after the SSE-C upload")

	background(t, b, l, "lesson")
	// A HEAD with a wrong key is refused as a GET is, but it downloads nothing.
	alg, k, md5 := s3c.SSECHeaders(wrong)
	if _, err := b.S3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("lesson"), Key: aws.String("KGF.sh"),
		SSECustomerAlgorithm: &alg, SSECustomerKey: &k, SSECustomerKeyMD5: &md5}); err == nil {
		t.Fatal("HEAD with a wrong key succeeded")
	}
	for n := 6; n <= 9; n++ {
		wantStep(t, b, l, n, false, "after listing, HEADs and checks only")
	}

	out := filepath.Join(t.TempDir(), "KGF.out")
	if err := run(t, b, &actions.Get{Bucket: "lesson", Key: "KGF.sh", File: out}); err == nil {
		t.Fatal("download without the key succeeded")
	}
	wantStep(t, b, l, 6, true, "after a download without the key")
	wantStep(t, b, l, 7, false, "after a download without the key")

	if err := run(t, b, &actions.Get{Bucket: "lesson", Key: "KGF.sh", File: out, SSEC: &actions.SSECKey{Key: wrong}}); err == nil {
		t.Fatal("download with a wrong key succeeded")
	}
	wantStep(t, b, l, 7, true, "after a download with a wrong key")
	wantStep(t, b, l, 8, false, "after a download with a wrong key")

	if err := run(t, b, &actions.Get{Bucket: "lesson", Key: "KGF.sh", File: out, SSEC: &actions.SSECKey{Key: key}}); err != nil {
		t.Fatal(err)
	}
	wantStep(t, b, l, 8, true, "after a download with the key")
	wantStep(t, b, l, 9, false, "before looking at it at rest")

	if err := run(t, b, &actions.Head{Bucket: "lesson", Key: "KGF.sh", SSEC: &actions.SSECKey{Key: key}}); err != nil {
		t.Fatal(err)
	}
	wantStep(t, b, l, 9, true, "after s3crypt head (the at-rest view shown)")

	upload()
	wantStep(t, b, l, 9, false, "after a new upload (the view looked at was the old object's)")
}

// TestLesson1BackgroundPassesNothing: listing and HEADing hello.txt is not
// downloading it, and the checks' own inspection is not the learner's look.
func TestLesson1BackgroundPassesNothing(t *testing.T) {
	lessonEnv(t)
	l, _ := learn.Find("01-why-encrypt")
	b := openLesson(t, l.ID)
	ctx := context.Background()
	mustMakeBucket(t, b, "lesson")
	if _, err := b.S3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("lesson"), Key: aws.String("hello.txt"),
		Body: strings.NewReader("hello\n")}); err != nil {
		t.Fatal(err)
	}
	background(t, b, l, "lesson")
	wantStep(t, b, l, 3, false, "after listing, HEADs and checks only")
	wantStep(t, b, l, 4, false, "after listing, HEADs and checks only")

	if err := run(t, b, &actions.Get{Bucket: "lesson", Key: "hello.txt", File: filepath.Join(t.TempDir(), "hello.out")}); err != nil {
		t.Fatal(err)
	}
	wantStep(t, b, l, 3, true, "after the download")
	wantStep(t, b, l, 4, false, "before looking at it at rest")
	if err := run(t, b, &actions.Head{Bucket: "lesson", Key: "hello.txt"}); err != nil {
		t.Fatal(err)
	}
	wantStep(t, b, l, 4, true, "after s3crypt head")
}

// TestLesson7BackgroundPassesNothing: HEADs of an SSE-KMS object make S3
// ask KMS nothing; only a download makes S3 ask KMS to decrypt.
func TestLesson7BackgroundPassesNothing(t *testing.T) {
	lessonEnv(t)
	l, _ := learn.Find("07-sse-kms-customer-key")
	b := openLesson(t, l.ID)
	ctx := context.Background()
	mustMakeBucket(t, b, "lesson")
	k, err := b.KMS.CreateKey(ctx, &kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.KMS.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/lesson"), TargetKeyId: k.KeyMetadata.KeyId}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.S3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("lesson"), Key: aws.String("KGF.txt"),
		Body: strings.NewReader("KGF\n"), ServerSideEncryption: s3types.ServerSideEncryptionAwsKms, SSEKMSKeyId: aws.String("alias/lesson")}); err != nil {
		t.Fatal(err)
	}
	background(t, b, l, "lesson")
	wantStep(t, b, l, 4, false, "after listing, HEADs and checks only")
	if err := run(t, b, &actions.Get{Bucket: "lesson", Key: "KGF.txt", File: filepath.Join(t.TempDir(), "KGF.out")}); err != nil {
		t.Fatal(err)
	}
	wantStep(t, b, l, 4, true, "after the download")
}

// TestWatchStepsNeedTheirOwnUpload: a step that asks to upload once more
// and watch does not pass on the first upload (done by the step before)
// nor on listings and HEADs; and "two data keys for one upload" is two in
// one request, not one in each of two SSE-KMS uploads.
func TestWatchStepsNeedTheirOwnUpload(t *testing.T) {
	lessonEnv(t)
	ctx := context.Background()
	put := func(b *awsclient.Backend, key string, sse s3types.ServerSideEncryption, kmsKey string) {
		t.Helper()
		in := &s3.PutObjectInput{Bucket: aws.String("lesson"), Key: aws.String(key), Body: strings.NewReader("KGF\n"), ServerSideEncryption: sse}
		if kmsKey != "" {
			in.SSEKMSKeyId = aws.String(kmsKey)
		}
		if _, err := b.S3.PutObject(ctx, in); err != nil {
			t.Fatal(err)
		}
	}

	l5, _ := learn.Find("05-sse-s3")
	b := openLesson(t, l5.ID)
	mustMakeBucket(t, b, "lesson")
	put(b, "KGF.txt", s3types.ServerSideEncryptionAes256, "")
	background(t, b, l5, "lesson")
	wantStep(t, b, l5, 3, false, "lesson 5 after the first upload, listings and HEADs")
	put(b, "KGF.txt", s3types.ServerSideEncryptionAes256, "")
	wantStep(t, b, l5, 3, true, "lesson 5 after the upload once more")
	put(b, "KGF.txt", s3types.ServerSideEncryptionAwsKms, "")
	wantStep(t, b, l5, 3, false, "lesson 5 after a last upload with SSE-KMS")

	l9, _ := learn.Find("09-dsse-kms")
	b = openLesson(t, l9.ID)
	mustMakeBucket(t, b, "lesson")
	put(b, "KGF.sh", s3types.ServerSideEncryptionAwsKms, "")
	put(b, "KGF.sh", s3types.ServerSideEncryptionAwsKms, "")
	put(b, "KGF.sh", s3types.ServerSideEncryptionAwsKmsDsse, "")
	background(t, b, l9, "lesson")
	wantStep(t, b, l9, 4, false, "lesson 9 after two SSE-KMS uploads and one DSSE upload")
	put(b, "KGF.sh", s3types.ServerSideEncryptionAwsKmsDsse, "")
	wantStep(t, b, l9, 4, true, "lesson 9 after a second DSSE upload")

	l6, _ := learn.Find("06-sse-kms-aws-managed")
	b = openLesson(t, l6.ID)
	mustMakeBucket(t, b, "lesson")
	put(b, "KGF.txt", s3types.ServerSideEncryptionAwsKms, "")
	background(t, b, l6, "lesson")
	wantStep(t, b, l6, 4, false, "lesson 6 after the first upload, listings and HEADs")
	put(b, "KGF.txt", s3types.ServerSideEncryptionAwsKms, "")
	wantStep(t, b, l6, 4, true, "lesson 6 after the upload once more")
}
