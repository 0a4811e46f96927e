package sandbox_test

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

func put(e *env, bucket, key string, body []byte, f func(*s3.PutObjectInput)) (*s3.PutObjectOutput, error) {
	in := &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(body)}
	if f != nil {
		f(in)
	}
	return e.s3.PutObject(ctx(), in)
}

func withSSEC(key, md5 string) func(*s3.PutObjectInput) {
	return func(p *s3.PutObjectInput) {
		p.SSECustomerAlgorithm, p.SSECustomerKey, p.SSECustomerKeyMD5 = aws.String("AES256"), aws.String(key), aws.String(md5)
	}
}

func errMessage(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorMessage()
	}
	return err.Error()
}

// TestSSECErrors covers SSE-C's failure modes with AWS's codes.
func TestSSECErrors(t *testing.T) {
	e := newEnv(t)
	e.mkBucket("ssec")
	k, m := ssecKey()
	// New buckets block SSE-C (since April 2026).
	_, err := put(e, "ssec", "blocked", []byte("x"), withSSEC(k, m))
	wantErr(t, err, "AccessDenied", 403)

	e.allowSSEC("ssec")
	if _, err := put(e, "ssec", "obj", []byte("secret"), withSSEC(k, m)); err != nil {
		t.Fatal(err)
	}
	// GET without the key: 400 InvalidRequest.
	_, _, err = e.get(&s3.GetObjectInput{Bucket: aws.String("ssec"), Key: aws.String("obj")})
	wantErr(t, err, "InvalidRequest", 400)
	if !strings.Contains(errMessage(err), "The correct parameters must be provided to retrieve the object.") {
		t.Fatalf("message: %s", errMessage(err))
	}
	// GET with another valid key: 403 AccessDenied.
	k2, m2 := ssecKey()
	_, _, err = e.get(&s3.GetObjectInput{Bucket: aws.String("ssec"), Key: aws.String("obj"),
		SSECustomerAlgorithm: aws.String("AES256"), SSECustomerKey: aws.String(k2), SSECustomerKeyMD5: aws.String(m2)})
	wantErr(t, err, "AccessDenied", 403)
	// HEAD with the wrong key: 403, no body.
	_, err = e.s3.HeadObject(ctx(), &s3.HeadObjectInput{Bucket: aws.String("ssec"), Key: aws.String("obj"),
		SSECustomerAlgorithm: aws.String("AES256"), SSECustomerKey: aws.String(k2), SSECustomerKeyMD5: aws.String(m2)})
	if _, status := apiCode(err); status != 403 {
		t.Fatalf("HEAD wrong key: %v", err)
	}
	// HEAD with the right key echoes the MD5.
	h, err := e.s3.HeadObject(ctx(), &s3.HeadObjectInput{Bucket: aws.String("ssec"), Key: aws.String("obj"),
		SSECustomerAlgorithm: aws.String("AES256"), SSECustomerKey: aws.String(k), SSECustomerKeyMD5: aws.String(m)})
	if err != nil || aws.ToString(h.SSECustomerKeyMD5) != m || h.ServerSideEncryption != "" {
		t.Fatalf("HEAD right key: %v %+v", err, h)
	}
	// SSE-C together with x-amz-server-side-encryption.
	_, err = put(e, "ssec", "both", []byte("x"), func(p *s3.PutObjectInput) {
		withSSEC(k, m)(p)
		p.ServerSideEncryption = "AES256"
	})
	wantErr(t, err, "InvalidArgument", 400)
	// Wrong MD5.
	_, err = put(e, "ssec", "md5", []byte("x"), withSSEC(k, m2))
	wantErr(t, err, "InvalidArgument", 400)
	if !strings.Contains(errMessage(err), "did not match the hash that was provided") {
		t.Fatalf("message: %s", errMessage(err))
	}
	// The blog's trap: the base64 text of a key sent as the key (44 bytes).
	text := []byte(base64.StdEncoding.EncodeToString(randomBytes(32)))
	sum := md5.Sum(text)
	_, err = put(e, "ssec", "long", []byte("x"), withSSEC(base64.StdEncoding.EncodeToString(text), base64.StdEncoding.EncodeToString(sum[:])))
	wantErr(t, err, "InvalidArgument", 400)
	if !strings.Contains(errMessage(err), "The secret key was invalid for the specified algorithm.") {
		t.Fatalf("message: %s", errMessage(err))
	}
	// Wrong algorithm.
	_, err = put(e, "ssec", "alg", []byte("x"), func(p *s3.PutObjectInput) {
		withSSEC(k, m)(p)
		p.SSECustomerAlgorithm = aws.String("AES128")
	})
	wantErr(t, err, "InvalidEncryptionAlgorithmError", 400)
	// SSE-C over plain HTTP is refused by the server.
	_, err = e.httpS3().PutObject(ctx(), &s3.PutObjectInput{Bucket: aws.String("ssec"), Key: aws.String("http"), Body: bytes.NewReader([]byte("x")),
		SSECustomerAlgorithm: aws.String("AES256"), SSECustomerKey: aws.String(k), SSECustomerKeyMD5: aws.String(m)})
	wantErr(t, err, "InvalidRequest", 400)
	// Reads must not carry a customer key in the clear either.
	_, err = e.httpS3().GetObject(ctx(), &s3.GetObjectInput{Bucket: aws.String("ssec"), Key: aws.String("obj"),
		SSECustomerAlgorithm: aws.String("AES256"), SSECustomerKey: aws.String(k), SSECustomerKeyMD5: aws.String(m)})
	wantErr(t, err, "InvalidRequest", 400)
	_, err = e.httpS3().CopyObject(ctx(), &s3.CopyObjectInput{Bucket: aws.String("ssec"), Key: aws.String("copy"), CopySource: aws.String("ssec/obj"),
		CopySourceSSECustomerAlgorithm: aws.String("AES256"), CopySourceSSECustomerKey: aws.String(k), CopySourceSSECustomerKeyMD5: aws.String(m)})
	wantErr(t, err, "InvalidRequest", 400)
	// SSE-C headers on a non-SSE-C object.
	if _, err := put(e, "ssec", "plain", []byte("x"), nil); err != nil {
		t.Fatal(err)
	}
	_, _, err = e.get(&s3.GetObjectInput{Bucket: aws.String("ssec"), Key: aws.String("plain"),
		SSECustomerAlgorithm: aws.String("AES256"), SSECustomerKey: aws.String(k), SSECustomerKeyMD5: aws.String(m)})
	wantErr(t, err, "InvalidRequest", 400)
}

// TestKMSFailuresThroughS3 checks that KMS problems surface through S3 as
// AWS surfaces them: 400 with the KMS exception name prefixed by "KMS.".
func TestKMSFailuresThroughS3(t *testing.T) {
	e := newEnv(t)
	e.mkBucket("kmsfail")
	keyID := e.createKey("")
	kmsPut := func(id string) error {
		_, err := put(e, "kmsfail", "o-"+id, []byte("data"), func(p *s3.PutObjectInput) {
			p.ServerSideEncryption = "aws:kms"
			p.SSEKMSKeyId = aws.String(id)
		})
		return err
	}
	err := kmsPut("fake-key-id")
	wantErr(t, err, "KMS.NotFoundException", 400)
	if errMessage(err) != "Invalid keyId 'fake-key-id'" {
		t.Fatalf("message: %q", errMessage(err))
	}
	err = kmsPut("aws/s3")
	wantErr(t, err, "KMS.NotFoundException", 400)
	err = kmsPut("11111111-2222-3333-4444-555555555555")
	wantErr(t, err, "KMS.NotFoundException", 400)
	if !strings.HasSuffix(errMessage(err), "key/11111111-2222-3333-4444-555555555555' does not exist") {
		t.Fatalf("message: %q", errMessage(err))
	}

	if err := kmsPut(keyID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.kms.DisableKey(ctx(), &kms.DisableKeyInput{KeyId: aws.String(keyID)}); err != nil {
		t.Fatal(err)
	}
	err = kmsPut(keyID)
	wantErr(t, err, "KMS.DisabledException", 400)
	if !strings.HasSuffix(errMessage(err), "is disabled.") {
		t.Fatalf("message: %q", errMessage(err))
	}
	_, _, err = e.get(&s3.GetObjectInput{Bucket: aws.String("kmsfail"), Key: aws.String("o-" + keyID)})
	wantErr(t, err, "KMS.DisabledException", 400)

	if _, err := e.kms.ScheduleKeyDeletion(ctx(), &kms.ScheduleKeyDeletionInput{KeyId: aws.String(keyID), PendingWindowInDays: aws.Int32(7)}); err != nil {
		t.Fatal(err)
	}
	_, _, err = e.get(&s3.GetObjectInput{Bucket: aws.String("kmsfail"), Key: aws.String("o-" + keyID)})
	wantErr(t, err, "KMS.KMSInvalidStateException", 400)
	if !strings.HasSuffix(errMessage(err), "is pending deletion.") {
		t.Fatalf("message: %q", errMessage(err))
	}
	// Cancel → Disabled → Enable → readable again.
	if _, err := e.kms.CancelKeyDeletion(ctx(), &kms.CancelKeyDeletionInput{KeyId: aws.String(keyID)}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.kms.EnableKey(ctx(), &kms.EnableKeyInput{KeyId: aws.String(keyID)}); err != nil {
		t.Fatal(err)
	}
	got, _, err := e.get(&s3.GetObjectInput{Bucket: aws.String("kmsfail"), Key: aws.String("o-" + keyID)})
	if err != nil || string(got) != "data" {
		t.Fatalf("after re-enable: %q %v", got, err)
	}

	// An asymmetric key cannot back SSE-KMS.
	rsa, err := e.kms.CreateKey(ctx(), &kms.CreateKeyInput{KeySpec: "RSA_2048", KeyUsage: "ENCRYPT_DECRYPT"})
	if err != nil {
		t.Fatal(err)
	}
	err = kmsPut(*rsa.KeyMetadata.KeyId)
	if c, s := apiCode(err); s != 400 || !strings.HasPrefix(c, "KMS.") {
		t.Fatalf("RSA key for SSE-KMS: %v", err)
	}
}

// TestHeaderValidation covers SSE header mistakes.
func TestHeaderValidation(t *testing.T) {
	e := newEnv(t)
	e.mkBucket("hdr")
	_, err := put(e, "hdr", "a", []byte("x"), func(p *s3.PutObjectInput) { p.ServerSideEncryption = "aes:kms" })
	wantErr(t, err, "InvalidArgument", 400)
	_, err = put(e, "hdr", "b", []byte("x"), func(p *s3.PutObjectInput) {
		p.ServerSideEncryption = "AES256"
		p.SSEKMSKeyId = aws.String("alias/x")
	})
	wantErr(t, err, "InvalidArgument", 400)
	_, err = put(e, "hdr", "c", []byte("x"), func(p *s3.PutObjectInput) {
		p.ServerSideEncryption = "aws:kms"
		p.SSEKMSEncryptionContext = aws.String("bm90IGpzb24=")
	})
	wantErr(t, err, "InvalidArgument", 400)
	// A valid context is echoed on PUT and required by nobody on GET.
	ctxB64 := "eyJwcm9qZWN0IjoiczNjcnlwdCJ9" // {"project":"s3crypt"}
	out, err := put(e, "hdr", "d", []byte("x"), func(p *s3.PutObjectInput) {
		p.ServerSideEncryption = "aws:kms"
		p.SSEKMSEncryptionContext = aws.String(ctxB64)
	})
	if err != nil || aws.ToString(out.SSEKMSEncryptionContext) != ctxB64 {
		t.Fatalf("context echo: %v %v", err, out)
	}
	if got, _, err := e.get(&s3.GetObjectInput{Bucket: aws.String("hdr"), Key: aws.String("d")}); err != nil || string(got) != "x" {
		t.Fatalf("get with stored context: %v", err)
	}
	// Missing bucket and key.
	_, err = put(e, "nope", "a", []byte("x"), nil)
	wantErr(t, err, "NoSuchBucket", 404)
	_, _, err = e.get(&s3.GetObjectInput{Bucket: aws.String("hdr"), Key: aws.String("missing")})
	wantErr(t, err, "NoSuchKey", 404)
}

// TestBucketEncryptionDefaults covers Put/Get/DeleteBucketEncryption and how
// request headers override the default.
func TestBucketEncryptionDefaults(t *testing.T) {
	e := newEnv(t)
	e.mkBucket("defaults")
	got, err := e.s3.GetBucketEncryption(ctx(), &s3.GetBucketEncryptionInput{Bucket: aws.String("defaults")})
	if err != nil {
		t.Fatal(err)
	}
	r := got.ServerSideEncryptionConfiguration.Rules[0]
	if r.ApplyServerSideEncryptionByDefault.SSEAlgorithm != "AES256" || aws.ToBool(r.BucketKeyEnabled) ||
		r.BlockedEncryptionTypes == nil || r.BlockedEncryptionTypes.EncryptionType[0] != "SSE-C" {
		t.Fatalf("fresh bucket rule: %+v", r)
	}
	keyID := e.createKey("alias/bucket-default")
	setDefault := func(alg s3types.ServerSideEncryption, key string, bk bool) error {
		d := &s3types.ServerSideEncryptionByDefault{SSEAlgorithm: alg}
		if key != "" {
			d.KMSMasterKeyID = aws.String(key)
		}
		_, err := e.s3.PutBucketEncryption(ctx(), &s3.PutBucketEncryptionInput{Bucket: aws.String("defaults"),
			ServerSideEncryptionConfiguration: &s3types.ServerSideEncryptionConfiguration{Rules: []s3types.ServerSideEncryptionRule{{
				ApplyServerSideEncryptionByDefault: d, BucketKeyEnabled: aws.Bool(bk)}}}})
		return err
	}
	wantErr(t, setDefault("AES256", keyID, false), "InvalidArgument", 400)
	if err := setDefault("aws:kms", keyID, true); err != nil {
		t.Fatal(err)
	}
	got, _ = e.s3.GetBucketEncryption(ctx(), &s3.GetBucketEncryptionInput{Bucket: aws.String("defaults")})
	if r := got.ServerSideEncryptionConfiguration.Rules[0]; aws.ToString(r.ApplyServerSideEncryptionByDefault.KMSMasterKeyID) != keyID ||
		!aws.ToBool(r.BucketKeyEnabled) {
		t.Fatalf("rule after put: %+v", r)
	}
	out, err := put(e, "defaults", "by-default", []byte("x"), nil)
	if err != nil || out.ServerSideEncryption != "aws:kms" || !strings.HasSuffix(aws.ToString(out.SSEKMSKeyId), keyID) || !aws.ToBool(out.BucketKeyEnabled) {
		t.Fatalf("default SSE-KMS: %v %+v", err, out)
	}
	out, err = put(e, "defaults", "override", []byte("x"), func(p *s3.PutObjectInput) { p.ServerSideEncryption = "AES256" })
	if err != nil || out.ServerSideEncryption != "AES256" || out.SSEKMSKeyId != nil {
		t.Fatalf("override to SSE-S3: %v %+v", err, out)
	}
	out, err = put(e, "defaults", "no-bk", []byte("x"), func(p *s3.PutObjectInput) { p.BucketKeyEnabled = aws.Bool(false) })
	if err != nil || out.ServerSideEncryption != "aws:kms" || aws.ToBool(out.BucketKeyEnabled) {
		t.Fatalf("bucket key off by header: %v %+v", err, out)
	}
	if _, err := e.s3.DeleteBucketEncryption(ctx(), &s3.DeleteBucketEncryptionInput{Bucket: aws.String("defaults")}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s3.DeleteBucketEncryption(ctx(), &s3.DeleteBucketEncryptionInput{Bucket: aws.String("defaults")}); err != nil {
		t.Fatalf("second delete must also succeed: %v", err)
	}
	out, err = put(e, "defaults", "after-delete", []byte("x"), nil)
	if err != nil || out.ServerSideEncryption != "AES256" {
		t.Fatalf("after delete: %v %+v", err, out)
	}
	_, err = e.s3.GetBucketEncryption(ctx(), &s3.GetBucketEncryptionInput{Bucket: aws.String("missing")})
	wantErr(t, err, "NoSuchBucket", 404)
}
