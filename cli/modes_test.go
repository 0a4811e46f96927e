package cli_test

import (
	"os"
	"strings"
	"testing"

	"github.com/s3crypt/s3crypt/internal/sandboxtest"
	"github.com/s3crypt/s3crypt/keyflow"
	"github.com/s3crypt/s3crypt/modes"
)

// A mode registered in the table, and nothing else, is offered by put.
func TestPutOffersTheTablesModes(t *testing.T) {
	defer modes.Register(modes.Mode{ID: "FAKE-SEAL", Name: "fake seal", Short: "FAKE", API: "fake:seal", Offered: true,
		Upload: []modes.Step{{Actor: keyflow.S3, Op: "FakeSeal"}}})()
	r := sandboxtest.CLI(t, "put", "--help")
	help := strings.Join(strings.Fields(r.Stdout+r.Stderr), " ")
	for _, want := range []string{"AES256 (SSE-S3)", "aws:kms (SSE-KMS, SSE-KMS + bucket key)", "aws:kms:dsse (DSSE-KMS)", "fake:seal (fake seal)"} {
		if !strings.Contains(help, want) {
			t.Errorf("put --help does not offer %q:\n%s", want, r.Stdout)
		}
	}
	// The flag accepts it: the request is made (and the sandbox, which does
	// not serve this mode, refuses it with S3's error for a bad value).
	dir := t.TempDir()
	sandboxtest.CLI(t, "--data", dir, "mb", "s3://fake-mode")
	f := t.TempDir() + "/f.txt"
	writeFile(t, f, "x")
	r = sandboxtest.CLI(t, "--data", dir, "put", f, "s3://fake-mode/f.txt", "--sse", "fake:seal")
	if r.Code != 1 || !strings.Contains(r.Stderr, "with fake seal: this endpoint does not support") ||
		!strings.Contains(r.Stderr, "The encryption method specified is not supported") {
		t.Fatalf("put --sse fake:seal: exit %d\n%s", r.Code, r.Stderr)
	}
}

func writeFile(t *testing.T, path, data string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
}
