package engines

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/s3crypt/s3crypt/internal/testtool"
)

// checkJSON is `endpoint check --json`.
type checkJSON struct {
	Endpoint, Bucket, KMSKey string
	Scratch                  bool
	Rows                     []struct{ Capability, Mode, Support, AWS, Detail string }
	Leftovers                []string
}

// table is the check's rows as "capability: endpoint (aws)" lines.
func (c checkJSON) table() string {
	var b strings.Builder
	for _, r := range c.Rows {
		b.WriteString(r.Capability + ": " + r.Support + " (AWS " + r.AWS + ")\n")
	}
	return b.String()
}

// detail is the row's detail, or "".
func (c checkJSON) detail(capability string) string {
	for _, r := range c.Rows {
		if r.Capability == capability {
			return r.Detail
		}
	}
	return ""
}

// expectTable fails unless the check's table is want (lines as table()
// writes them; leading tabs ignored).
func expectTable(t *testing.T, got checkJSON, want string) {
	t.Helper()
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(want), "\n") {
		lines = append(lines, strings.TrimSpace(l))
	}
	if g := strings.TrimSpace(got.table()); g != strings.Join(lines, "\n") {
		t.Errorf("endpoint check's table:\n%s\nwant:\n%s\ndetails:", g, strings.Join(lines, "\n"))
		for _, r := range got.Rows {
			t.Logf("  %s: %s", r.Capability, r.Detail)
		}
	}
	if len(got.Leftovers) > 0 {
		t.Errorf("endpoint check left things behind: %q", got.Leftovers)
	}
}

// sandboxTable is what the sandbox does: everything AWS does, and it
// refuses SSE-C over plain HTTP as AWS does.
const sandboxTable = `
	KMS API: supported (AWS supported)
	SSE-S3: supported (AWS supported)
	SSE-KMS, default key: supported (AWS supported)
	SSE-KMS, given key: supported (AWS supported)
	SSE-KMS + bucket key: supported (AWS supported)
	DSSE-KMS: supported (AWS supported)
	SSE-C over TLS: supported (AWS supported)
	SSE-C over plain HTTP: refused (AWS refused)
	default encryption: supported (AWS supported)
	SSE-C blocking: supported (AWS supported)
	UpdateObjectEncryption: supported (AWS supported)
	versioning: supported (AWS supported)`

// TestEndpointCheckSandbox runs `endpoint check` through --endpoint-url
// against `s3crypt serve` (HTTPS, and plain HTTP for the SSE-C row): the
// sandbox supports every mode and setting, and refuses SSE-C over HTTP.
// With --bucket it leaves the bucket's settings alone and its objects
// gone.
func TestEndpointCheckSandbox(t *testing.T) {
	bin := testtool.BuildBinary(t)
	httpPort := freePort(t)
	srv := testtool.StartServe(t, bin, t.TempDir(), "--http-addr", "127.0.0.1:"+strconv.Itoa(httpPort))
	c := cliForServe(t, srv)
	var key struct{ KeyMetadata struct{ Arn string } }
	jsonField(t, c.must("kms", "create-key", "--json"), &key)
	var got checkJSON
	jsonField(t, c.must("endpoint", "check", "--json", "--kms-key", key.KeyMetadata.Arn,
		"--plain-http-endpoint", "http://127.0.0.1:"+strconv.Itoa(httpPort)), &got)
	expectTable(t, got, sandboxTable)
	if !got.Scratch || !strings.HasPrefix(got.Bucket, "s3crypt-check-") {
		t.Errorf("the check ran in %q (scratch %v), not a scratch bucket", got.Bucket, got.Scratch)
	}
	if d := got.detail("SSE-C over plain HTTP"); !strings.Contains(d, "InvalidRequest") {
		t.Errorf("SSE-C over plain HTTP: the detail is not the endpoint's own words: %q", d)
	}
	if ls := c.must("ls"); strings.Contains(ls, "s3crypt-check-") {
		t.Errorf("the scratch bucket is still there:\n%s", ls)
	}

	// In a bucket of yours: objects only, cleaned up.
	c.must("mb", "s3://mine")
	c.must("bucket-encryption", "put", "s3://mine", "--sse", "AES256")
	got = checkJSON{}
	jsonField(t, c.must("endpoint", "check", "--json", "--bucket", "mine", "--kms-key", key.KeyMetadata.Arn), &got)
	expectTable(t, got, `
		KMS API: supported (AWS supported)
		SSE-S3: supported (AWS supported)
		SSE-KMS, default key: supported (AWS supported)
		SSE-KMS, given key: supported (AWS supported)
		SSE-KMS + bucket key: supported (AWS supported)
		DSSE-KMS: supported (AWS supported)
		SSE-C over TLS: refused (AWS supported)
		SSE-C over plain HTTP: not tried (AWS refused)
		default encryption: not tried (AWS supported)
		SSE-C blocking: not tried (AWS supported)
		UpdateObjectEncryption: supported (AWS supported)
		versioning: not tried (AWS supported)`)
	// The bucket blocks SSE-C, as new buckets do: the row says so in S3's words.
	if d := got.detail("SSE-C over TLS"); !strings.Contains(d, "403 AccessDenied") {
		t.Errorf("SSE-C in a bucket that blocks it: %q", d)
	}
	if ls := c.must("ls", "s3://mine/", "--recursive"); strings.TrimSpace(ls) != "" && strings.Contains(ls, "endpoint-check") {
		t.Errorf("the check left objects in s3://mine:\n%s", ls)
	}
}

// cliForServe is the CLI pointed at `s3crypt serve` through --endpoint-url
// (an endpoint like any other, not attached as the sandbox).
func cliForServe(t *testing.T, srv *testtool.Serve) *s3cryptCLI {
	t.Helper()
	home := t.TempDir()
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + home, "LANG=C.UTF-8", "TMPDIR=" + os.TempDir(),
		"AWS_CA_BUNDLE=" + srv.CAFile, "AWS_ACCESS_KEY_ID=" + srv.AccessKeyID, "AWS_SECRET_ACCESS_KEY=" + srv.Secret,
		"AWS_REGION=" + srv.Region, "AWS_EC2_METADATA_DISABLED=true",
		"AWS_CONFIG_FILE=" + filepath.Join(home, "none"), "AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, "none")}
	return &s3cryptCLI{t: t, bin: testtool.BuildBinary(t), home: home, env: env,
		args: []string{"--endpoint-url", srv.Endpoint, "--data", filepath.Join(home, "sandbox")}}
}

// seaweedTable is what SeaweedFS 4.53 (the version build-weed.sh builds,
// with its local KMS) does with each request `endpoint check` makes: no
// KMS API; SSE-KMS without a key id fails (500: its KMS has no default
// key); a bucket key, an SSE-C block and UpdateObjectEncryption are
// answered 200 and not applied; SSE-C is taken over plain HTTP.
const seaweedTable = `
	KMS API: refused (AWS supported)
	SSE-S3: supported (AWS supported)
	SSE-KMS, default key: refused (AWS supported)
	SSE-KMS, given key: supported (AWS supported)
	SSE-KMS + bucket key: ignored (AWS supported)
	DSSE-KMS: refused (AWS supported)
	SSE-C over TLS: supported (AWS supported)
	SSE-C over plain HTTP: supported (AWS refused)
	default encryption: supported (AWS supported)
	SSE-C blocking: ignored (AWS supported)
	UpdateObjectEncryption: ignored (AWS supported)
	versioning: supported (AWS supported)`

// TestEndpointCheckSeaweedFS runs `endpoint check` against SeaweedFS over
// TLS (and its plain-HTTP port for the SSE-C row) and compares its table
// with SeaweedFS's expected one; with no KMS API to list keys, the
// given-key rows use a made-up key id, which SeaweedFS's local KMS makes
// on first use.
func TestEndpointCheckSeaweedFS(t *testing.T) {
	sw := sharedSeaweed(t)
	c := cliFor(t, sw)
	var got checkJSON
	jsonField(t, c.must("endpoint", "check", "--json", "--plain-http-endpoint", sw.HTTP), &got)
	expectTable(t, got, seaweedTable)
	if got.KMSKey != "s3crypt-endpoint-check" {
		t.Errorf("the given-key rows used %q, not the made-up key", got.KMSKey)
	}
	// The endpoint's own words where it refused.
	for capability, words := range map[string]string{
		"KMS API":                "does not serve the AWS KMS API",
		"SSE-KMS, default key":   "500 InternalError",
		"DSSE-KMS":               "400 InvalidArgument: The encryption method specified is not supported",
		"SSE-C blocking":         "an SSE-C upload was stored",
		"UpdateObjectEncryption": "HEAD says x-amz-server-side-encryption: AES256",
	} {
		if d := got.detail(capability); !strings.Contains(d, words) {
			t.Errorf("%s: %q does not say %q", capability, d, words)
		}
	}
	if ls := c.must("ls"); strings.Contains(ls, "s3crypt-check-") {
		t.Errorf("the scratch bucket is still there:\n%s", ls)
	}
}
