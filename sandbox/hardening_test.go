package sandbox_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// rawResp is a response read whole.
type rawResp struct {
	status int
	body   string
}

// signedDo signs req for service with payloadHash (the hex SHA-256 of the
// body when empty) and sends it.
func (e *env) signedDo(req *http.Request, body []byte, service, payloadHash string) rawResp {
	e.t.Helper()
	if payloadHash == "" {
		sum := sha256.Sum256(body)
		payloadHash = hex.EncodeToString(sum[:])
	}
	req.Body = io.NopCloser(bytes.NewReader(body))
	req.ContentLength = int64(len(body))
	c := e.sb.Credentials()
	creds := aws.Credentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, payloadHash, service, e.sb.Region(), time.Now()); err != nil {
		e.t.Fatal(err)
	}
	resp, err := e.sb.HTTPClient().Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return rawResp{resp.StatusCode, string(b)}
}

// kmsRequest is a KMS JSON request to the sandbox.
func (e *env) kmsRequest(op string) *http.Request {
	req, _ := http.NewRequest(http.MethodPost, e.sb.Endpoint()+"/", nil)
	req.Header.Set("X-Amz-Target", "TrentService."+op)
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	return req
}

// kmsErr decodes a KMS error body.
func kmsErr(t *testing.T, r rawResp) (typ, msg string) {
	t.Helper()
	var b struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}
	if err := json.Unmarshal([]byte(r.body), &b); err != nil {
		t.Fatalf("KMS error body %q: %v", r.body, err)
	}
	return b.Type, b.Message
}

// TestCredentialScopeService: each endpoint accepts only a signature scoped
// to its own service, as AWS does (S3: AuthorizationHeaderMalformed;
// KMS: InvalidSignatureException "Credential should be scoped to correct
// service").
func TestCredentialScopeService(t *testing.T) {
	e := newEnv(t)
	e.mkBucket("scope")
	for _, svc := range []string{"kms", "foo"} {
		req, _ := http.NewRequest(http.MethodGet, e.sb.Endpoint()+"/scope", nil)
		req.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
		r := e.signedDo(req, nil, svc, "UNSIGNED-PAYLOAD")
		want := `incorrect service "` + svc + `". This endpoint belongs to "s3".`
		if r.status != http.StatusBadRequest || !strings.Contains(r.body, "<Code>AuthorizationHeaderMalformed</Code>") || !strings.Contains(html.UnescapeString(r.body), want) {
			t.Fatalf("S3 with a %s scope: %d %s", svc, r.status, r.body)
		}
		// Presigned: the same refusal in the query-parameter form.
		preq, _ := http.NewRequest(http.MethodGet, e.sb.Endpoint()+"/scope?X-Amz-Expires=300", nil)
		c := e.sb.Credentials()
		u, _, err := v4.NewSigner().PresignHTTP(context.Background(), aws.Credentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey},
			preq, "UNSIGNED-PAYLOAD", svc, e.sb.Region(), time.Now())
		if err != nil {
			t.Fatal(err)
		}
		resp, err := e.sb.HTTPClient().Get(u)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(b), "AuthorizationQueryParametersError") || !strings.Contains(html.UnescapeString(string(b)), want) {
			t.Fatalf("presigned S3 with a %s scope: %d %s", svc, resp.StatusCode, b)
		}
	}
	for _, svc := range []string{"s3", "foo"} {
		r := e.signedDo(e.kmsRequest("ListKeys"), []byte("{}"), svc, "")
		typ, msg := kmsErr(t, r)
		if r.status != http.StatusBadRequest || typ != "InvalidSignatureException" || msg != "Credential should be scoped to correct service: 'kms'. " {
			t.Fatalf("KMS with a %s scope: %d %s", svc, r.status, r.body)
		}
	}
	// The right scopes still work.
	if r := e.signedDo(e.kmsRequest("ListKeys"), []byte("{}"), "kms", ""); r.status != http.StatusOK {
		t.Fatalf("KMS with its own scope: %d %s", r.status, r.body)
	}
	req, _ := http.NewRequest(http.MethodGet, e.sb.Endpoint()+"/scope", nil)
	req.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
	if r := e.signedDo(req, nil, "s3", "UNSIGNED-PAYLOAD"); r.status != http.StatusOK {
		t.Fatalf("S3 with its own scope: %d %s", r.status, r.body)
	}
}

// TestKMSSignsTheBody: KMS's signature covers the body whatever
// x-amz-content-sha256 claims; a body over 1 MiB is refused as too large,
// not as a malformed signature.
func TestKMSSignsTheBody(t *testing.T) {
	e := newEnv(t)
	req := e.kmsRequest("ListKeys")
	req.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
	r := e.signedDo(req, []byte("{}"), "kms", "UNSIGNED-PAYLOAD")
	if typ, _ := kmsErr(t, r); r.status != http.StatusBadRequest || typ != "InvalidSignatureException" {
		t.Fatalf("KMS with UNSIGNED-PAYLOAD: %d %s", r.status, r.body)
	}
	// A hash header that matches the body is fine.
	body := []byte(`{"Limit":5}`)
	sum := sha256.Sum256(body)
	req = e.kmsRequest("ListKeys")
	req.Header.Set("X-Amz-Content-Sha256", hex.EncodeToString(sum[:]))
	if r := e.signedDo(req, body, "kms", ""); r.status != http.StatusOK {
		t.Fatalf("KMS with a true payload hash: %d %s", r.status, r.body)
	}
	big := append([]byte(`{"Description":"`), bytes.Repeat([]byte("a"), 1<<20)...)
	big = append(big, `"}`...)
	r = e.signedDo(e.kmsRequest("CreateKey"), big, "kms", "")
	if typ, _ := kmsErr(t, r); r.status != http.StatusRequestEntityTooLarge || typ != "SerializationException" {
		t.Fatalf("KMS body over 1 MiB: %d %s", r.status, r.body)
	}
}

// TestUserMetadataLimit: more than 2 KB of user-defined metadata (the sum
// of each name's and value's UTF-8 bytes) is 400 MetadataTooLarge on PUT,
// CopyObject with REPLACE and CreateMultipartUpload; exactly 2 KB is
// stored and read back.
func TestUserMetadataLimit(t *testing.T) {
	e := newEnv(t)
	e.mkBucket("meta")
	// "k1" + 1022 bytes + "k2" + 1022 bytes = 2048: at the limit. The
	// value holds multi-byte runes, so bytes (not characters) are counted.
	val := strings.Repeat("é", 511) // 1022 bytes
	atLimit := map[string]string{"k1": val, "k2": val}
	over := map[string]string{"k1": val, "k2": val + "x"}
	if _, err := put(e, "meta", "ok", []byte("x"), func(in *s3.PutObjectInput) { in.Metadata = atLimit }); err != nil {
		t.Fatalf("PUT with 2048 bytes of metadata: %v", err)
	}
	head, err := e.s3.HeadObject(ctx(), &s3.HeadObjectInput{Bucket: aws.String("meta"), Key: aws.String("ok")})
	if err != nil || head.Metadata["k2"] != val {
		t.Fatalf("HEAD after PUT at the limit: %v %q", err, head.Metadata["k2"])
	}
	_, err = put(e, "meta", "big", []byte("x"), func(in *s3.PutObjectInput) { in.Metadata = over })
	wantErr(t, err, "MetadataTooLarge", 400)
	_, err = put(e, "meta", "huge", []byte("x"), func(in *s3.PutObjectInput) { in.Metadata = map[string]string{"a": strings.Repeat("v", 70000)} })
	wantErr(t, err, "MetadataTooLarge", 400)
	if _, err := e.s3.HeadObject(ctx(), &s3.HeadObjectInput{Bucket: aws.String("meta"), Key: aws.String("big")}); err == nil {
		t.Fatal("refused PUT stored an object")
	}
	_, err = e.s3.CopyObject(ctx(), &s3.CopyObjectInput{Bucket: aws.String("meta"), Key: aws.String("copy"), CopySource: aws.String("meta/ok"),
		MetadataDirective: s3types.MetadataDirectiveReplace, Metadata: over})
	wantErr(t, err, "MetadataTooLarge", 400)
	// COPY keeps the source's metadata (at the limit): accepted.
	if _, err := e.s3.CopyObject(ctx(), &s3.CopyObjectInput{Bucket: aws.String("meta"), Key: aws.String("copy"), CopySource: aws.String("meta/ok")}); err != nil {
		t.Fatalf("copy keeping 2 KB of metadata: %v", err)
	}
	_, err = e.s3.CreateMultipartUpload(ctx(), &s3.CreateMultipartUploadInput{Bucket: aws.String("meta"), Key: aws.String("mp"), Metadata: over})
	wantErr(t, err, "MetadataTooLarge", 400)
}
