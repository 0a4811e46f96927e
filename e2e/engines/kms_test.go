package engines

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/s3crypt/s3crypt/internal/testtool"
)

// withSandboxKMS is SeaweedFS whose SSE-KMS goes to `s3crypt serve`
// (SeaweedFS's aws KMS provider at serve's plain-HTTP endpoint), and the
// CLI pointed at SeaweedFS for S3 (AWS_ENDPOINT_URL) and at serve for KMS
// (AWS_ENDPOINT_URL_KMS, with --data naming serve's directory, so the KMS
// client signs with serve's credentials and trusts its CA).
func withSandboxKMS(t *testing.T) (*seaweed, *s3cryptCLI) {
	t.Helper()
	testtool.RequireWeed(t) // before serve: skip early
	bin := testtool.BuildBinary(t)
	httpPort := freePort(t)
	srv := testtool.StartServe(t, bin, t.TempDir(), "--http-addr", "127.0.0.1:"+strconv.Itoa(httpPort))
	sw := startSeaweed(t, awsKMS("http://127.0.0.1:"+strconv.Itoa(httpPort), srv.Region, srv.AccessKeyID, srv.Secret))
	c := cliFor(t, sw, "AWS_ENDPOINT_URL="+sw.HTTPS, "AWS_ENDPOINT_URL_KMS="+srv.Endpoint)
	c.args = []string{"--data", srv.Dir}
	return sw, c
}

// TestSeaweedFSWithSandboxKMS: with AWS_ENDPOINT_URL_KMS at `s3crypt
// serve`, `kms create-key`, `put --client-side` and `get` work against
// SeaweedFS, byte for byte; and SeaweedFS, given serve as its KMS, encrypts
// SSE-KMS objects under a key that only serve holds (a key serve does not
// know is refused).
func TestSeaweedFSWithSandboxKMS(t *testing.T) {
	sw, c := withSandboxKMS(t)
	var key struct{ KeyMetadata struct{ Arn string } }
	jsonField(t, c.must("kms", "create-key", "--alias", "alias/engine-cse", "--json"), &key)
	if !strings.HasPrefix(key.KeyMetadata.Arn, "arn:aws:kms:") {
		t.Fatalf("kms create-key through AWS_ENDPOINT_URL_KMS: %+v", key)
	}
	c.must("mb", "s3://cse")
	data := randomBytes(700 << 10)
	c.must("put", c.file("cse.bin", data), "s3://cse/cse.bin", "--client-side", "--kms-key", "alias/engine-cse")
	out := filepath.Join(c.home, "cse.out")
	c.must("get", "s3://cse/cse.bin", out)
	sameFile(t, out, data)
	if sw.atRestContains(t, data[4000:4064]) {
		t.Errorf("the client-side object's plaintext lies in weed's data directory")
	}

	// SeaweedFS's SSE-KMS, its data keys from serve.
	kmsData := randomBytes(300 << 10)
	src := c.file("kms.bin", kmsData)
	c.must("put", src, "s3://cse/kms.bin", "--sse", "aws:kms", "--kms-key", key.KeyMetadata.Arn)
	var h headJSON
	jsonField(t, c.must("head", "s3://cse/kms.bin", "--json"), &h)
	if h.ServerSideEncryption != "aws:kms" || !strings.Contains(h.SSEKMSKeyId, strings.TrimPrefix(key.KeyMetadata.Arn, "arn:aws:kms:")) &&
		!strings.HasSuffix(key.KeyMetadata.Arn, h.SSEKMSKeyId) {
		t.Errorf("SSE-KMS with serve's key: head says %+v, want key %s", h, key.KeyMetadata.Arn)
	}
	out = filepath.Join(c.home, "kms.out")
	c.must("get", "s3://cse/kms.bin", out)
	sameFile(t, out, kmsData)
	if sw.atRestContains(t, kmsData[4000:4064]) {
		t.Errorf("the SSE-KMS object's plaintext lies in weed's data directory")
	}
	c.fails("put", src, "s3://cse/nokey.bin", "--sse", "aws:kms", "--kms-key", "arn:aws:kms:us-east-1:000000000000:key/00000000-0000-0000-0000-000000000000")
}
