package sandbox_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/s3crypt/s3crypt/sandbox"
	"github.com/s3crypt/s3crypt/sandbox/store"
)

// TestCopyChangesEncryption re-encrypts by copy, as AWS does: destination
// encryption comes from the request, not the source.
func TestCopyChangesEncryption(t *testing.T) {
	e := newEnv(t)
	e.mkBucket("copy")
	e.allowSSEC("copy")
	keyID := e.createKey("")
	data := randomBytes(200000)
	if _, err := put(e, "copy", "src", data, nil); err != nil {
		t.Fatal(err)
	}
	out, err := e.s3.CopyObject(ctx(), &s3.CopyObjectInput{Bucket: aws.String("copy"), Key: aws.String("src"), CopySource: aws.String("copy/src"),
		ServerSideEncryption: "aws:kms", SSEKMSKeyId: aws.String(keyID)})
	if err != nil || out.ServerSideEncryption != "aws:kms" || !strings.HasSuffix(aws.ToString(out.SSEKMSKeyId), keyID) {
		t.Fatalf("copy in place to SSE-KMS: %v %+v", err, out)
	}
	got, o, err := e.get(&s3.GetObjectInput{Bucket: aws.String("copy"), Key: aws.String("src")})
	if err != nil || o.ServerSideEncryption != "aws:kms" {
		t.Fatal(err)
	}
	mustEqual(t, "after copy", got, data)
	// Copying again with no SSE header gives the bucket default (SSE-S3).
	_, err = e.s3.CopyObject(ctx(), &s3.CopyObjectInput{Bucket: aws.String("copy"), Key: aws.String("dst"), CopySource: aws.String("copy/src")})
	if err != nil {
		t.Fatal(err)
	}
	if h, _ := e.s3.HeadObject(ctx(), &s3.HeadObjectInput{Bucket: aws.String("copy"), Key: aws.String("dst")}); h.ServerSideEncryption != "AES256" {
		t.Fatalf("copy without SSE header: %q", h.ServerSideEncryption)
	}
	// An unchanged in-place copy is refused.
	_, err = e.s3.CopyObject(ctx(), &s3.CopyObjectInput{Bucket: aws.String("copy"), Key: aws.String("dst"), CopySource: aws.String("copy/dst")})
	wantErr(t, err, "InvalidRequest", 400)
	// SSE-C source needs the copy-source key.
	k, m := ssecKey()
	if _, err := put(e, "copy", "ssec", data, withSSEC(k, m)); err != nil {
		t.Fatal(err)
	}
	_, err = e.s3.CopyObject(ctx(), &s3.CopyObjectInput{Bucket: aws.String("copy"), Key: aws.String("from-ssec"), CopySource: aws.String("copy/ssec")})
	wantErr(t, err, "InvalidRequest", 400)
	_, err = e.s3.CopyObject(ctx(), &s3.CopyObjectInput{Bucket: aws.String("copy"), Key: aws.String("from-ssec"), CopySource: aws.String("copy/ssec"),
		CopySourceSSECustomerAlgorithm: aws.String("AES256"), CopySourceSSECustomerKey: aws.String(k), CopySourceSSECustomerKeyMD5: aws.String(m)})
	if err != nil {
		t.Fatal(err)
	}
	got, o, err = e.get(&s3.GetObjectInput{Bucket: aws.String("copy"), Key: aws.String("from-ssec")})
	if err != nil || o.ServerSideEncryption != "AES256" {
		t.Fatalf("SSE-C source to plain destination: %v", err)
	}
	mustEqual(t, "from SSE-C", got, data)
}

// TestUpdateObjectEncryption re-wraps the data key without rewriting the
// ciphertext: the blob on disk stays the same file with the same bytes.
func TestUpdateObjectEncryption(t *testing.T) {
	e := newEnv(t)
	e.mkBucket("uoe")
	keyID := e.createKey("")
	meta, _ := e.kms.DescribeKey(ctx(), &kms.DescribeKeyInput{KeyId: aws.String(keyID)})
	data := randomBytes(100000)
	if _, err := put(e, "uoe", "o", data, nil); err != nil {
		t.Fatal(err)
	}
	before, _ := e.sb.Inspect(ctx(), "uoe", "o", "")
	for _, bk := range []bool{false, true} {
		_, err := e.s3.UpdateObjectEncryption(ctx(), &s3.UpdateObjectEncryptionInput{Bucket: aws.String("uoe"), Key: aws.String("o"),
			ObjectEncryption: &s3types.ObjectEncryptionMemberSSEKMS{Value: s3types.SSEKMSEncryption{KMSKeyArn: meta.KeyMetadata.Arn, BucketKeyEnabled: aws.Bool(bk)}}})
		if err != nil {
			t.Fatalf("UpdateObjectEncryption (bucket key %v): %v", bk, err)
		}
		after, _ := e.sb.Inspect(ctx(), "uoe", "o", "")
		if after.Mode != "aws:kms" || after.BucketKey != bk || after.Parts[0].Path != before.Parts[0].Path || after.Parts[0].FirstBytes != before.Parts[0].FirstBytes {
			t.Fatalf("after update: %+v", after)
		}
		got, o, err := e.get(&s3.GetObjectInput{Bucket: aws.String("uoe"), Key: aws.String("o")})
		if err != nil || o.ServerSideEncryption != "aws:kms" || aws.ToString(o.SSEKMSKeyId) != *meta.KeyMetadata.Arn {
			t.Fatalf("get after update: %v", err)
		}
		mustEqual(t, "after update", got, data)
	}
}

// TestVersioning keeps versions, each with its own SSE-C key.
func TestVersioning(t *testing.T) {
	e := newEnv(t)
	e.mkBucket("ver")
	e.allowSSEC("ver")
	if _, err := e.s3.PutBucketVersioning(ctx(), &s3.PutBucketVersioningInput{Bucket: aws.String("ver"),
		VersioningConfiguration: &s3types.VersioningConfiguration{Status: "Enabled"}}); err != nil {
		t.Fatal(err)
	}
	k1, m1 := ssecKey()
	k2, m2 := ssecKey()
	o1, err := put(e, "ver", "doc", []byte("one"), withSSEC(k1, m1))
	if err != nil {
		t.Fatal(err)
	}
	o2, err := put(e, "ver", "doc", []byte("two"), withSSEC(k2, m2))
	if err != nil || aws.ToString(o1.VersionId) == aws.ToString(o2.VersionId) {
		t.Fatalf("versions: %v", err)
	}
	read := func(v *string, k, m string) (string, error) {
		got, _, err := e.get(&s3.GetObjectInput{Bucket: aws.String("ver"), Key: aws.String("doc"), VersionId: v,
			SSECustomerAlgorithm: aws.String("AES256"), SSECustomerKey: aws.String(k), SSECustomerKeyMD5: aws.String(m)})
		return string(got), err
	}
	if s, err := read(o1.VersionId, k1, m1); err != nil || s != "one" {
		t.Fatalf("version 1: %q %v", s, err)
	}
	if s, err := read(nil, k2, m2); err != nil || s != "two" {
		t.Fatalf("latest: %q %v", s, err)
	}
	_, err = read(o1.VersionId, k2, m2)
	wantErr(t, err, "AccessDenied", 403)
	if _, err := e.s3.DeleteObject(ctx(), &s3.DeleteObjectInput{Bucket: aws.String("ver"), Key: aws.String("doc")}); err != nil {
		t.Fatal(err)
	}
	_, err = read(nil, k2, m2)
	wantErr(t, err, "NoSuchKey", 404)
	lv, err := e.s3.ListObjectVersions(ctx(), &s3.ListObjectVersionsInput{Bucket: aws.String("ver")})
	if err != nil || len(lv.Versions) != 2 || len(lv.DeleteMarkers) != 1 || !aws.ToBool(lv.DeleteMarkers[0].IsLatest) {
		t.Fatalf("list versions: %v %+v", err, lv)
	}
	_, err = e.s3.DeleteBucket(ctx(), &s3.DeleteBucketInput{Bucket: aws.String("ver")})
	wantErr(t, err, "BucketNotEmpty", 409)
}

// TestListing pages a bucket with prefixes and a delimiter.
func TestListing(t *testing.T) {
	e := newEnv(t)
	e.mkBucket("list")
	for i := range 25 {
		if _, err := put(e, "list", fmt.Sprintf("dir%d/file %02d+x.txt", i%3, i), []byte("x"), nil); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := put(e, "list", "top.txt", []byte("x"), nil); err != nil {
		t.Fatal(err)
	}
	out, err := e.s3.ListObjectsV2(ctx(), &s3.ListObjectsV2Input{Bucket: aws.String("list"), Delimiter: aws.String("/")})
	if err != nil || len(out.CommonPrefixes) != 3 || len(out.Contents) != 1 || aws.ToString(out.Contents[0].Key) != "top.txt" {
		t.Fatalf("delimiter listing: %v %+v", err, out)
	}
	var keys []string
	p := s3.NewListObjectsV2Paginator(e.s3, &s3.ListObjectsV2Input{Bucket: aws.String("list"), Prefix: aws.String("dir1/"), MaxKeys: aws.Int32(3)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx())
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range page.Contents {
			keys = append(keys, aws.ToString(o.Key))
		}
	}
	if len(keys) != 8 || keys[0] != "dir1/file 01+x.txt" {
		t.Fatalf("paged keys: %v", keys)
	}
	bl, err := e.s3.ListBuckets(ctx(), &s3.ListBucketsInput{})
	if err != nil || len(bl.Buckets) != 1 {
		t.Fatalf("list buckets: %v", err)
	}
	_, err = e.s3.HeadBucket(ctx(), &s3.HeadBucketInput{Bucket: aws.String("missing")})
	if _, status := apiCode(err); status != 404 {
		t.Fatalf("head missing bucket: %v", err)
	}
	_, err = e.s3.CreateBucket(ctx(), &s3.CreateBucketInput{Bucket: aws.String("Bad_Name")})
	wantErr(t, err, "InvalidBucketName", 400)
}

// TestAuthentication refuses unsigned and forged requests with AWS's codes.
func TestAuthentication(t *testing.T) {
	e := newEnv(t)
	e.mkBucket("auth")
	forged := s3.NewFromConfig(e.cfg, func(o *s3.Options) {
		o.UsePathStyle = true
		o.Credentials = credentials.NewStaticCredentialsProvider(e.sb.Credentials().AccessKeyID, "wrong-secret", "")
	})
	_, err := forged.ListObjectsV2(ctx(), &s3.ListObjectsV2Input{Bucket: aws.String("auth")})
	wantErr(t, err, "SignatureDoesNotMatch", 403)
	unknown := s3.NewFromConfig(e.cfg, func(o *s3.Options) {
		o.UsePathStyle = true
		o.Credentials = credentials.NewStaticCredentialsProvider("AKIAUNKNOWN000000000", "x", "")
	})
	_, err = unknown.ListObjectsV2(ctx(), &s3.ListObjectsV2Input{Bucket: aws.String("auth")})
	wantErr(t, err, "InvalidAccessKeyId", 403)
	resp, err := e.sb.HTTPClient().Get(e.sb.Endpoint() + "/auth")
	if err != nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("unsigned S3 request: %v %v", err, resp)
	}
	resp.Body.Close()
	req, _ := http.NewRequest(http.MethodPost, e.sb.Endpoint()+"/", strings.NewReader("{}"))
	req.Header.Set("X-Amz-Target", "TrentService.ListKeys")
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	resp, err = e.sb.HTTPClient().Do(req)
	if err != nil || resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("unsigned KMS request: %v %v", err, resp)
	}
	var body bytes.Buffer
	if _, err := body.ReadFrom(resp.Body); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if !strings.Contains(body.String(), "MissingAuthenticationTokenException") {
		t.Fatalf("unsigned KMS body: %s", body.String())
	}
}

// TestPlainHTTPAndAttach covers the plain-HTTP endpoint (signed payloads
// and header checksums) and a second process attaching to the data dir.
func TestPlainHTTPAndAttach(t *testing.T) {
	e := newEnv(t)
	e.mkBucket("plain")
	hc := e.httpS3()
	data := randomBytes(300000)
	if _, err := hc.PutObject(ctx(), &s3.PutObjectInput{Bucket: aws.String("plain"), Key: aws.String("o"), Body: bytes.NewReader(data),
		ServerSideEncryption: "aws:kms"}); err != nil {
		t.Fatal(err)
	}
	out, err := hc.GetObject(ctx(), &s3.GetObjectInput{Bucket: aws.String("plain"), Key: aws.String("o")})
	if err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	if _, err := got.ReadFrom(out.Body); err != nil {
		t.Fatal(err)
	}
	mustEqual(t, "over http", got.Bytes(), data)

	// A second Start on the same directory attaches.
	sb2, err := sandbox.Start(context.Background(), sandbox.Options{Dir: e.sb.Dir()})
	if err != nil {
		t.Fatal(err)
	}
	if !sb2.Attached() || sb2.Endpoint() != e.sb.Endpoint() || sb2.Credentials() != e.sb.Credentials() {
		t.Fatalf("attach: %v %s", sb2.Attached(), sb2.Endpoint())
	}
	view, err := sb2.Inspect(ctx(), "plain", "o", "")
	if err != nil || view.Mode != "aws:kms" {
		t.Fatalf("inspect through attach: %v %+v", err, view)
	}
	c, cancel := context.WithCancel(context.Background())
	defer cancel()
	events, err := sb2.Subscribe(c)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := put(e, "plain", "traced", []byte("x"), nil); err != nil {
		t.Fatal(err)
	}
	for ev := range events {
		if ev.Key == "traced" && ev.Op == "Stored" {
			break
		}
	}
	_, err = sandbox.Start(context.Background(), sandbox.Options{Dir: e.sb.Dir(), NoAttach: true})
	if !errors.Is(err, store.ErrLocked) {
		t.Fatalf("NoAttach on a busy dir: %v", err)
	}
	// Credentials never print their secret.
	if s := fmt.Sprintf("%v %+v %#v", e.sb.Credentials(), e.sb.Credentials(), e.sb.Credentials()); strings.Contains(s, e.sb.Credentials().SecretAccessKey) {
		t.Fatalf("secret printed: %s", s)
	}
}

// TestRestartKeepsEverything closes the sandbox and opens it again.
func TestRestartKeepsEverything(t *testing.T) {
	dir := t.TempDir()
	e := newEnv(t, func(o *sandbox.Options) { o.Dir = dir })
	e.mkBucket("keep")
	keyID := e.createKey("alias/keep")
	data := randomBytes(70000)
	if _, err := put(e, "keep", "o", data, func(p *s3.PutObjectInput) {
		p.ServerSideEncryption = "aws:kms"
		p.SSEKMSKeyId = aws.String("alias/keep")
	}); err != nil {
		t.Fatal(err)
	}
	creds := e.sb.Credentials()
	if err := e.sb.Close(); err != nil {
		t.Fatal(err)
	}
	e2 := newEnv(t, func(o *sandbox.Options) { o.Dir = dir })
	if e2.sb.Credentials() != creds {
		t.Fatal("credentials changed across restart")
	}
	got, o, err := e2.get(&s3.GetObjectInput{Bucket: aws.String("keep"), Key: aws.String("o")})
	if err != nil || !strings.HasSuffix(aws.ToString(o.SSEKMSKeyId), keyID) {
		t.Fatalf("after restart: %v", err)
	}
	mustEqual(t, "after restart", got, data)
}
