package actions_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/s3crypt/s3crypt/actions"
	"github.com/s3crypt/s3crypt/awsclient"
	"github.com/s3crypt/s3crypt/sandbox"
)

// Recorded error answers of endpoints that are not AWS (and the shapes of
// their bodies): SeaweedFS 4.53 to a KMS call, MinIO to an SSE-KMS PUT
// with an unknown key (S3's XML) and its admin API's JSON, an HTML error
// page from a proxy, and a 500 to an SSE-KMS PUT.
const (
	seaweedKMS  = "An unsupported API call for method: POST at '/'"
	minioXML    = `<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<Error><Code>kms:KeyNotFound</Code><Message>key with given key ID does not exist</Message><Key>otherkey.bin</Key><BucketName>b</BucketName><Resource>/b/otherkey.bin</Resource><RequestId>187F0C5A2C8E3C58</RequestId><HostId>dd9025bab4ad464b049177c95eb6ebf374d3b3fd1af9251148b658df7ac2e3e8</HostId></Error>`
	minioJSON   = `{"Code":"kms:KeyNotFound","Message":"key with given key ID does not exist","Resource":"/minio/kms/v1/key/status","RequestId":"187F0C5A2C8E3C58","HostId":""}`
	htmlPage    = "<!DOCTYPE html>\n<html><head><title>404 Not Found</title><style>body{margin:0}</style></head><body><h1>Not Found</h1><p>The requested URL was not found on this server.</p></body></html>"
	internalXML = `<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<Error><Code>InternalError</Code><Message>We encountered an internal error, please try again.</Message><Resource>/b/doc</Resource><RequestId>1</RequestId></Error>`
)

// replay is an endpoint that answers every request with one recorded
// answer.
func replay(t *testing.T, status int, contentType, body string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// replayEnv is an Env whose S3 and KMS both go to url.
func replayEnv(t *testing.T, url string) *actions.Env {
	t.Helper()
	for _, k := range []string{"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL_KMS", "AWS_PROFILE", "AWS_CA_BUNDLE"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_CONFIG_FILE", "/dev/null")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
	t.Setenv("AWS_MAX_ATTEMPTS", "1")
	b, err := awsclient.Open(context.Background(), awsclient.Options{EndpointURL: url, DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return &actions.Env{Backend: b}
}

func runErr(t *testing.T, env *actions.Env, a actions.Action) *actions.Error {
	t.Helper()
	_, err := actions.RunSync(context.Background(), env, a, nil)
	var e *actions.Error
	if !errors.As(err, &e) {
		t.Fatalf("want an *actions.Error, got %T %v", err, err)
	}
	return e
}

func wantIn(t *testing.T, what, text string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(text, w) {
			t.Fatalf("%s lacks %q:\n%s", what, w, text)
		}
	}
}

func wantNotIn(t *testing.T, what, text string, bad ...string) {
	t.Helper()
	for _, w := range bad {
		if strings.Contains(text, w) {
			t.Fatalf("%s has %q:\n%s", what, w, text)
		}
	}
}

// TestKMSCallToAnEngineWithoutKMS: SeaweedFS answers a KMS call with a
// plain-text 403 (or 400), an HTML page does the same job elsewhere:
// s3crypt says the endpoint does not serve the AWS KMS API, keeps the
// endpoint's words and says how to point KMS elsewhere.
func TestKMSCallToAnEngineWithoutKMS(t *testing.T) {
	for _, c := range []struct {
		status      int
		ct, body    string
		wantSaid    string
		actionsUsed actions.Action
	}{
		{403, "text/plain", seaweedKMS, "403: " + seaweedKMS, &actions.ListKeys{}},
		{400, "text/plain; charset=utf-8", seaweedKMS, "400: " + seaweedKMS, &actions.CreateKey{}},
		{404, "text/html", htmlPage, "404: 404 Not Found Not Found The requested URL was not found on this server.", &actions.ListKeys{}},
		{403, "application/xml", `<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied.</Message></Error>`, "403 AccessDenied", &actions.ListKeys{}},
	} {
		url := replay(t, c.status, c.ct, c.body)
		e := runErr(t, replayEnv(t, url), c.actionsUsed)
		if e.Kind != actions.KindNoKMSAPI || e.Status != c.status {
			t.Fatalf("%d %s: kind %v status %d: %v", c.status, c.ct, e.Kind, e.Status, e)
		}
		wantIn(t, "error", e.Error(), "this endpoint ("+url+") does not serve the AWS KMS API", c.wantSaid, "--kms-endpoint-url", "AWS_ENDPOINT_URL_KMS")
		wantNotIn(t, "error", e.Error(), "invalid character", "answered 403 .")
	}
}

// TestEngineWordsKept: an S3 call answered in plain text keeps the
// endpoint's words instead of "the server answered 403 ".
func TestEngineWordsKept(t *testing.T) {
	url := replay(t, 403, "text/plain", seaweedKMS)
	e := runErr(t, replayEnv(t, url), &actions.ListBuckets{})
	if e.Kind != actions.KindAccessDenied || e.What != "the server answered 403: "+seaweedKMS {
		t.Fatalf("kind %v, what %q", e.Kind, e.What)
	}
}

// TestMinIOKeyNotFoundOnAWrite: MinIO answers an SSE-KMS PUT under an
// unknown key with 404 kms:KeyNotFound (XML from S3, JSON from its admin
// API): that is a missing KMS key, not a missing object.
func TestMinIOKeyNotFoundOnAWrite(t *testing.T) {
	src := filepath.Join(t.TempDir(), "otherkey.bin")
	if err := os.WriteFile(src, []byte("data"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ ct, body string }{{"application/xml", minioXML}, {"application/json", minioJSON}} {
		env := replayEnv(t, replay(t, 404, c.ct, c.body))
		e := runErr(t, env, &actions.Put{File: src, Bucket: "b", Key: "otherkey.bin", SSE: actions.SSEKMS, KMSKey: "otherkey"})
		if e.Kind != actions.KindKMSKeyNotFound || e.Code != "kms:KeyNotFound" || e.Status != 404 {
			t.Fatalf("%s: kind %v code %q: %v", c.ct, e.Kind, e.Code, e)
		}
		wantIn(t, c.ct+" error", e.Error(), "key with given key ID does not exist", "the endpoint's KMS has no key otherkey (kms:KeyNotFound)", "--kms-key")
		wantNotIn(t, c.ct+" error", e.Error(), "does not exist. List the bucket", "s3://b/otherkey.bin does not exist")
	}
}

// TestServerErrorOnSSEKMS: a 500 to an SSE-KMS PUT (SeaweedFS with no
// default KMS key) says the endpoint's KMS may have refused and suggests
// --kms-key.
func TestServerErrorOnSSEKMS(t *testing.T) {
	src := filepath.Join(t.TempDir(), "doc")
	if err := os.WriteFile(src, []byte("data"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := replayEnv(t, replay(t, 500, "application/xml", internalXML))
	e := runErr(t, env, &actions.Put{File: src, Bucket: "b", Key: "doc", SSE: actions.SSEKMS})
	if e.Kind != actions.KindKMSRefused || e.Status != 500 {
		t.Fatalf("kind %v: %v", e.Kind, e)
	}
	wantIn(t, "error", e.Error(), "We encountered an internal error", "its KMS may have refused", "--kms-key KEY")
	// Without SSE-KMS a 500 is just the endpoint's 500.
	e = runErr(t, env, &actions.Put{File: src, Bucket: "b", Key: "doc", SSE: actions.SSES3})
	if e.Kind == actions.KindKMSRefused || strings.Contains(e.Error(), "--kms-key") {
		t.Fatalf("SSE-S3 500 explained as KMS: %v", e)
	}
}

// TestUntrustedCertificate: an endpoint whose CA is not trusted gets a
// hint at AWS_CA_BUNDLE.
func TestUntrustedCertificate(t *testing.T) {
	sb, err := sandbox.Start(context.Background(), sandbox.Options{Dir: t.TempDir(), NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	env := replayEnv(t, sb.Endpoint())
	t.Setenv("AWS_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")
	if _, err := os.Stat("/etc/ssl/certs/ca-certificates.crt"); err != nil {
		t.Setenv("AWS_CA_BUNDLE", "")
	}
	e := runErr(t, env, &actions.ListBuckets{})
	if e.Kind != actions.KindTLS {
		t.Fatalf("kind %v: %v", e.Kind, e)
	}
	wantIn(t, "error", e.Error(), "TLS certificate is not trusted (x509: certificate signed by unknown authority)", "AWS_CA_BUNDLE", "ca.pem")
}

// engine is an S3 endpoint with no KMS API (SeaweedFS-like): one bucket
// "b" holding "doc", encrypted with SSE-KMS under a key whose id is not an
// ARN, and a plain-text 403 to any KMS call.
func engine(t *testing.T, keyID string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Header.Get("X-Amz-Target") != "":
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(http.StatusForbidden)
			_, _ = w.Write([]byte(seaweedKMS))
		case r.Method == http.MethodGet && r.URL.Path == "/b" || r.URL.Path == "/b/":
			w.Header().Set("Content-Type", "application/xml")
			_, _ = w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><Name>b</Name><Prefix></Prefix><KeyCount>1</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated>` +
				`<Contents><Key>doc</Key><LastModified>2026-12-08T03:00:00.000Z</LastModified><ETag>"x"</ETag><Size>4</Size><StorageClass>STANDARD</StorageClass></Contents></ListBucketResult>`))
		case r.Method == http.MethodHead && r.URL.Path == "/b/doc":
			w.Header().Set("Content-Length", "4")
			w.Header().Set("ETag", `"x"`)
			w.Header().Set("Last-Modified", "Tue, 08 Dec 2026 03:00:00 GMT")
			w.Header().Set("X-Amz-Server-Side-Encryption", "aws:kms")
			w.Header().Set("X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id", keyID)
		default:
			w.WriteHeader(http.StatusNotImplemented)
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestEngineKeyIDsAndLookups: ls and head show a key id that is not an
// ARN whole, and say why KMS could not name it instead of an empty "()"
// or nothing.
func TestEngineKeyIDsAndLookups(t *testing.T) {
	for _, c := range []struct{ id, shown string }{
		{"eng-key-20261208", "SSE-KMS eng-key-20261208"},
		{"arn:aws:kms:eng-key-20261208", "SSE-KMS eng-key-20261208"}, // MinIO's form
	} {
		env := replayEnv(t, engine(t, c.id))
		res, err := actions.RunSync(context.Background(), env, &actions.ListObjects{Bucket: "b"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		l := res.(actions.ListObjectsResult)
		if len(l.Objects) != 1 || l.Objects[0].Label != c.shown {
			t.Fatalf("%s: objects %+v", c.id, l.Objects)
		}
		notes := strings.Join(l.Notes, "\n")
		wantIn(t, "ls notes", notes, "KMS aliases could not be listed (this endpoint (", "does not serve the AWS KMS API (it answered 403: "+seaweedKMS+")", "--kms-endpoint-url")
		wantNotIn(t, "ls notes", notes, "()")
		hres, err := actions.RunSync(context.Background(), env, &actions.Head{Bucket: "b", Key: "doc"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		h := hres.(actions.HeadResult)
		if h.KMS == nil || h.KMS.ARN != c.id {
			t.Fatalf("head KMS: %+v", h.KMS)
		}
		wantIn(t, "head kms error", h.KMS.Error, "DescribeKey: this endpoint (", "does not serve the AWS KMS API")
	}
	if got := actions.KeyIDLabel("arn:aws:kms:us-east-1:000000000000:key/1f2e3d4c-5b6a-4789-8abc-def012345678"); got != "1f2e3d4c…" {
		t.Fatalf("AWS key ARN: %q", got)
	}
}
