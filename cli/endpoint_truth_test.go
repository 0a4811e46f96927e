package cli_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/s3crypt/s3crypt/internal/fakeendpoint"
	"github.com/s3crypt/s3crypt/internal/sandboxtest"
)

// epCLI runs s3crypt against the fake endpoint and checks the exit code.
func epCLI(t *testing.T, ep *fakeendpoint.Endpoint, code int, args ...string) sandboxtest.Result {
	t.Helper()
	r := sandboxtest.CLI(t, append([]string{"--endpoint-url", ep.URL}, args...)...)
	if r.Code != code {
		t.Fatalf("s3crypt %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.Code, code, r.Stdout, r.Stderr)
	}
	return r
}

func startEndpoint(t *testing.T, opt fakeendpoint.Options) *fakeendpoint.Endpoint {
	t.Helper()
	ep := fakeendpoint.Start(t, sandboxtest.Backend(t).Sandbox, opt)
	ep.SetEnv(t)
	return ep
}

// TestCLINoDefaultEncryptionEndpoint: against an endpoint that keeps no
// default rule (as MinIO without KMS), mb, ls and bucket-encryption get say
// "no default encryption", and an upload with the bucket default is
// labelled unencrypted, in text and --json.
func TestCLINoDefaultEncryptionEndpoint(t *testing.T) {
	ep := startEndpoint(t, fakeendpoint.Options{NoDefaultEncryption: true})
	r := epCLI(t, ep, 0, "mb", "s3://plain")
	if !strings.Contains(r.Stdout, "  default encryption: no default encryption: uploads that name no encryption are stored as sent, unencrypted\n") {
		t.Fatalf("mb:\n%s", r.Stdout)
	}
	r = epCLI(t, ep, 0, "ls")
	if !regexp.MustCompile(`plain\s+no default encryption\s`).MatchString(r.Stdout) || strings.Contains(r.Stdout, "SSE-S3") {
		t.Fatalf("ls:\n%s", r.Stdout)
	}
	r = epCLI(t, ep, 0, "bucket-encryption", "get", "s3://plain")
	if !strings.Contains(r.Stdout, "algorithm    no default encryption (no rule configured)\n") {
		t.Fatalf("get:\n%s", r.Stdout)
	}
	for _, line := range strings.Split(r.Stdout, "\n") {
		if strings.Contains(line, "SSE-S3") && !strings.Contains(line, "on AWS") {
			t.Fatalf("get says SSE-S3 of a bucket with no rule: %q", line)
		}
	}
	file := filepath.Join(t.TempDir(), "a.txt")
	if err := os.WriteFile(file, []byte("stored as sent"), 0o600); err != nil {
		t.Fatal(err)
	}
	r = epCLI(t, ep, 0, "put", file, "s3://plain/a.txt")
	if !strings.Contains(r.Stdout, "\n  no encryption, 14 B in ") || strings.Contains(r.Stdout, "SSE-S3") {
		t.Fatalf("put with the bucket default:\n%s", r.Stdout)
	}
	r = epCLI(t, ep, 0, "--json", "put", file, "s3://plain/b.txt")
	var res struct{ EncryptionMode string }
	if err := json.Unmarshal([]byte(r.Stdout), &res); err != nil || res.EncryptionMode != "none" {
		t.Fatalf("put --json (%v):\n%s", err, r.Stdout)
	}
	r = epCLI(t, ep, 0, "put", file, "s3://plain/c.txt", "--sse", "AES256")
	if !strings.Contains(r.Stdout, "\n  SSE-S3, 14 B in ") {
		t.Fatalf("put --sse AES256:\n%s", r.Stdout)
	}
}

// TestCLIReportsIgnoredBucketKeyAndSSECBlock: what the endpoint ignored
// is said, in the output and in --json.
func TestCLIReportsIgnoredBucketKeyAndSSECBlock(t *testing.T) {
	ep := startEndpoint(t, fakeendpoint.Options{IgnoreBucketKeys: true, IgnoreSSECBlock: true})
	epCLI(t, ep, 0, "mb", "s3://ign")
	file := filepath.Join(t.TempDir(), "a.txt")
	if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := epCLI(t, ep, 0, "put", file, "s3://ign/a.txt", "--sse", "aws:kms", "--bucket-key")
	if !strings.Contains(r.Stdout, "  ignored: asked for a bucket key, the endpoint ignored it: its answer has no x-amz-server-side-encryption-bucket-key-enabled: true\n") {
		t.Fatalf("put --bucket-key:\n%s", r.Stdout)
	}
	r = epCLI(t, ep, 0, "--json", "bucket-encryption", "put", "s3://ign", "--sse", "AES256", "--block-sse-c")
	var res struct {
		Ignored []string `json:"ignored"`
	}
	if err := json.Unmarshal([]byte(r.Stdout), &res); err != nil || len(res.Ignored) != 1 ||
		!strings.HasPrefix(res.Ignored[0], "asked to block SSE-C writes, the endpoint ignored it") {
		t.Fatalf("bucket-encryption put --json (%v):\n%s", err, r.Stdout)
	}
	r = epCLI(t, ep, 0, "bucket-encryption", "put", "s3://ign", "--block-sse-c")
	if !strings.Contains(r.Stdout, "ignored: asked to block SSE-C writes, the endpoint ignored it") {
		t.Fatalf("bucket-encryption put:\n%s", r.Stdout)
	}
}

// TestCLIRefusesSSECOverHTTP: put, get and head with an SSE-C key to an
// http:// endpoint fail with a clear message, no request carries the key,
// and a key generated for the refused upload is removed.
func TestCLIRefusesSSECOverHTTP(t *testing.T) {
	ep := startEndpoint(t, fakeendpoint.Options{})
	epCLI(t, ep, 0, "mb", "s3://ssec")
	dir := t.TempDir()
	file := filepath.Join(dir, "a.txt")
	if err := os.WriteFile(file, []byte("secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(dir, "new.key")
	r := epCLI(t, ep, 1, "put", file, "s3://ssec/a.txt", "--sse-c-generate", keyFile)
	if !strings.Contains(r.Stderr, "s3crypt does not send an SSE-C key over http://, so it sent nothing") || !strings.Contains(r.Stderr, "https://") {
		t.Fatalf("put over http:\n%s", r.Stderr)
	}
	// Refused before a key was made: there is no key file, and none is
	// announced.
	if _, err := os.Stat(keyFile); !os.IsNotExist(err) || strings.Contains(r.Stderr, "wrote a new") {
		t.Fatalf("a key was made for a request never sent (%v):\n%s", err, r.Stderr)
	}
	kf := filepath.Join(dir, "k.bin")
	if err := os.WriteFile(kf, []byte("0123456789abcdef0123456789abcdef"), 0o600); err != nil {
		t.Fatal(err)
	}
	epCLI(t, ep, 1, "get", "s3://ssec/a.txt", filepath.Join(dir, "out"), "--sse-c-key", kf)
	r = epCLI(t, ep, 1, "head", "s3://ssec/a.txt", "--sse-c-key", kf)
	if !strings.Contains(r.Stderr, "over http://") {
		t.Fatalf("head over http:\n%s", r.Stderr)
	}
	for _, q := range ep.Requests() {
		for name := range q.Header {
			if strings.Contains(strings.ToLower(name), "customer") {
				t.Fatalf("%s %s reached the endpoint with %s", q.Method, q.Path, name)
			}
		}
	}
}
