package cli_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/s3crypt/s3crypt/internal/sandboxtest"
)

// TestGetLegacyVerb: `get --legacy` with --wrapping-key or --rsa-key reads
// the v1 S3 Encryption Clients' own-key objects (crypto/testdata/legacy);
// without --legacy the same command fails (exit 1) and says to add it; ls
// labels them legacy.
func TestGetLegacyVerb(t *testing.T) {
	dir := cseSandbox(t)
	vdir := filepath.Join("..", "crypto", "testdata", "legacy")
	raw, err := os.ReadFile(filepath.Join(vdir, "legacy_vectors.json"))
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		WrappingKey, Plaintext string
		Vectors                []struct {
			Name     string
			Metadata map[string]string
			Body     string
		}
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	dec := func(s string) []byte { b, _ := base64.StdEncoding.DecodeString(s); return b }
	keys := t.TempDir()
	aesFile, rsaFile := filepath.Join(keys, "wrap.key"), filepath.Join(keys, "rsa.pem")
	pemBytes, _ := os.ReadFile(filepath.Join(vdir, "rsa.pem"))
	if err := os.WriteFile(aesFile, dec(v.WrappingKey), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(rsaFile, pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	b := sandboxtest.BackendIn(t, dir)
	for _, vec := range v.Vectors {
		if _, err := b.S3.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String("files"), Key: aws.String(vec.Name),
			Body: bytes.NewReader(dec(vec.Body)), Metadata: vec.Metadata}); err != nil {
			t.Fatal(err)
		}
	}
	b.Close()
	out := t.TempDir()
	for _, vec := range v.Vectors {
		keyFlag, keyFile := "--rsa-key", rsaFile
		if strings.Contains(vec.Name, "aes") {
			keyFlag, keyFile = "--wrapping-key", aesFile
		}
		dst := filepath.Join(out, vec.Name)
		r := sandboxtest.CLI(t, "--data", dir, "get", "s3://files/"+vec.Name, dst, keyFlag, keyFile)
		if r.Code != 1 || !strings.Contains(r.Stderr, "--legacy") {
			t.Fatalf("%s without --legacy: code %d\n%s", vec.Name, r.Code, r.Stderr)
		}
		r = sandboxtest.CLI(t, "--data", dir, "get", "s3://files/"+vec.Name, dst, keyFlag, keyFile, "--legacy")
		if r.Code != 0 {
			t.Fatalf("%s --legacy: code %d\n%s", vec.Name, r.Code, r.Stderr)
		}
		if got, _ := os.ReadFile(dst); !bytes.Equal(got, dec(v.Plaintext)) {
			t.Fatalf("%s: plaintext differs", vec.Name)
		}
	}
	r := sandboxtest.CLI(t, "--data", dir, "ls", "s3://files/")
	for _, want := range []string{"S3EC V1 legacy", "S3EC V2 legacy"} {
		if !strings.Contains(r.Stdout, want) {
			t.Fatalf("ls does not say %q:\n%s", want, r.Stdout)
		}
	}
}
