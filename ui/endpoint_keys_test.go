package ui

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/s3crypt/s3crypt/awsclient"
)

// TestKeysViewOnEngineWithoutKMS: the Keys view of an endpoint that
// answers KMS calls with an HTML page says the endpoint does not serve the
// AWS KMS API and how to point KMS elsewhere, not the JSON decoder's
// "invalid character '<'".
func TestKeysViewOnEngineWithoutKMS(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte("<html><head><title>404 Not Found</title></head><body><h1>Not Found</h1></body></html>"))
	}))
	defer srv.Close()
	for _, k := range []string{"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL_KMS", "AWS_PROFILE", "AWS_CA_BUNDLE"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_CONFIG_FILE", "/dev/null")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
	b, err := awsclient.Open(context.Background(), awsclient.Options{EndpointURL: srv.URL, DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	_, err = NewData(b).ListKeys(context.Background())
	if err == nil {
		t.Fatal("ListKeys succeeded against an endpoint with no KMS API")
	}
	what, why, fix := explainError(err)
	text := what + "\n" + why + "\n" + fix
	for _, want := range []string{"does not serve the AWS KMS API", "404: 404 Not Found Not Found", "--kms-endpoint-url"} {
		if !strings.Contains(text, want) {
			t.Fatalf("Keys view error lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "invalid character") {
		t.Fatalf("raw decoder error shown:\n%s", text)
	}
}

// TestHeaderNamesBothEndpoints: with KMS at another endpoint than S3, the
// header says which serves which.
func TestHeaderNamesBothEndpoints(t *testing.T) {
	for _, k := range []string{"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL_KMS", "AWS_PROFILE", "AWS_CA_BUNDLE"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	t.Setenv("AWS_CONFIG_FILE", "/dev/null")
	b, err := awsclient.Open(context.Background(), awsclient.Options{S3EndpointURL: "http://127.0.0.1:8333", KMSEndpointURL: "http://127.0.0.1:8600", Region: "us-east-1", DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	dark := true
	m := New(Options{Data: newFakeData(0), Worker: newFakeWorker(), IsDark: &dark, Backend: BackendInfoOf(b)})
	m.Update(tea.WindowSizeMsg{Width: 160, Height: 30})
	if h := stripWidth(m.header()); !strings.Contains(h, "S3 endpoint http://127.0.0.1:8333 · KMS http://127.0.0.1:8600 · us-east-1") {
		t.Fatalf("header: %q", h)
	}
}
