package sandbox_test

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// presignPost signs a POST policy for bucket/key with the SDK, with
// extra conditions, and returns the form's URL and fields.
func (e *env) presignPost(bucket, key string, expires time.Duration, conds ...any) (string, map[string]string) {
	e.t.Helper()
	ps := s3.NewPresignClient(e.s3)
	req, err := ps.PresignPostObject(ctx(), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)}, func(o *s3.PresignPostOptions) {
		o.Expires, o.Conditions = expires, conds
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return req.URL, req.Values
}

// postForm sends a multipart form: fields (in order: the signed ones,
// then extra), then the file.
func (e *env) postForm(url string, fields map[string]string, extra [][2]string, file []byte) rawResp {
	e.t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, v := range fields {
		_ = w.WriteField(k, v)
	}
	for _, kv := range extra {
		_ = w.WriteField(kv[0], kv[1])
	}
	fw, _ := w.CreateFormFile("file", "upload.txt")
	_, _ = fw.Write(file)
	_ = w.Close()
	req, _ := http.NewRequest(http.MethodPost, url, &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	resp, err := e.sb.HTTPClient().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return rawResp{resp.StatusCode, string(b)}
}

func wantRaw(t *testing.T, r rawResp, status int, code string) {
	t.Helper()
	if r.status != status || !strings.Contains(r.body, "<Code>"+code+"</Code>") {
		t.Fatalf("want %d %s, got %d %s", status, code, r.status, r.body)
	}
}

// TestPostObjectWithSSE: a browser-form upload signed with a SigV4 POST
// policy (the SDK's PresignPostObject) stores the object encrypted as its
// SSE fields say; tampering, expiry, unsigned fields and a broken
// condition are refused as S3 refuses them.
func TestPostObjectWithSSE(t *testing.T) {
	e := newEnv(t)
	e.mkBucket("form")
	keyID := e.createKey("alias/form")
	sse := map[string]string{"x-amz-server-side-encryption": "aws:kms", "x-amz-server-side-encryption-aws-kms-key-id": keyID}
	url, fields := e.presignPost("form", "up/${filename}", time.Minute, sse, []any{"starts-with", "$key", "up/"},
		map[string]string{"success_action_status": "201"}, []any{"content-length-range", 1, 100})
	extra := [][2]string{{"x-amz-server-side-encryption", "aws:kms"}, {"x-amz-server-side-encryption-aws-kms-key-id", keyID}, {"success_action_status", "201"}}
	body := []byte("posted through a form")
	r := e.postForm(url, fields, extra, body)
	if r.status != http.StatusCreated || !strings.Contains(r.body, "<Key>up/upload.txt</Key>") {
		t.Fatalf("POST: %d %s", r.status, r.body)
	}
	data, out, err := e.get(&s3.GetObjectInput{Bucket: aws.String("form"), Key: aws.String("up/upload.txt")})
	if err != nil {
		t.Fatal(err)
	}
	mustEqual(t, "posted object", data, body)
	if out.ServerSideEncryption != s3types.ServerSideEncryptionAwsKms || !strings.HasSuffix(aws.ToString(out.SSEKMSKeyId), keyID) {
		t.Fatalf("posted object's encryption: %s %s", out.ServerSideEncryption, aws.ToString(out.SSEKMSKeyId))
	}

	// A field the policy does not name.
	wantRaw(t, e.postForm(url, fields, append(extra, [2]string{"x-amz-meta-x", "1"}), body), 403, "AccessDenied")
	// A field changed from what the policy says.
	bad := append([][2]string{}, extra...)
	bad[0][1] = "AES256"
	wantRaw(t, e.postForm(url, fields, bad, body), 403, "AccessDenied")
	// Too large for content-length-range.
	wantRaw(t, e.postForm(url, fields, extra, bytes.Repeat([]byte("x"), 101)), 400, "EntityTooLarge")
	// A tampered signature.
	tampered := map[string]string{}
	for k, v := range fields {
		tampered[k] = v
	}
	tampered["X-Amz-Signature"] = strings.Repeat("0", 64)
	wantRaw(t, e.postForm(url, tampered, extra, body), 403, "SignatureDoesNotMatch")
	// Expired.
	url2, old := e.presignPost("form", "late", time.Second)
	time.Sleep(1100 * time.Millisecond)
	wantRaw(t, e.postForm(url2, old, nil, body), 403, "AccessDenied")
	// No key field at all: the form is malformed.
	noKey := map[string]string{}
	for k, v := range fields {
		if k != "key" {
			noKey[k] = v
		}
	}
	wantRaw(t, e.postForm(url, noKey, extra, body), 400, "InvalidArgument")
}

// TestPostObjectUnderBucketPolicy: a POST is s3:PutObject with
// s3:authType POST and its SSE fields as condition keys; an unsigned form
// is anonymous and needs an Allow for everyone.
func TestPostObjectUnderBucketPolicy(t *testing.T) {
	e := newEnv(t)
	e.mkBucket("formpol")
	if err := e.putPolicy("formpol", requireKMS("formpol")); err != nil {
		t.Fatal(err)
	}
	url, fields := e.presignPost("formpol", "a", time.Minute, map[string]string{"x-amz-server-side-encryption": "AES256"})
	wantRaw(t, e.postForm(url, fields, [][2]string{{"x-amz-server-side-encryption", "AES256"}}, []byte("x")), 403, "AccessDenied")
	url, fields = e.presignPost("formpol", "b", time.Minute, map[string]string{"x-amz-server-side-encryption": "aws:kms"})
	if r := e.postForm(url, fields, [][2]string{{"x-amz-server-side-encryption", "aws:kms"}}, []byte("x")); r.status != http.StatusNoContent {
		t.Fatalf("SSE-KMS POST under the policy: %d %s", r.status, r.body)
	}
	// Unsigned: anonymous.
	anon := map[string]string{"key": "anon"}
	wantRaw(t, e.postForm(url, anon, nil, []byte("x")), 403, "AccessDenied")
	open := `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::formpol/public/*","Condition":{"StringEquals":{"s3:authType":"POST"}}}]}`
	if err := e.putPolicy("formpol", open); err != nil {
		t.Fatal(err)
	}
	wantRaw(t, e.postForm(url, anon, nil, []byte("x")), 403, "AccessDenied")
	if r := e.postForm(url, map[string]string{"key": "public/anon"}, nil, []byte("x")); r.status != http.StatusNoContent {
		t.Fatalf("anonymous POST allowed by the bucket policy: %d %s", r.status, r.body)
	}
}
