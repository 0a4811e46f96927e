package cli_test

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestNewerVerbsKeepSecrets runs reencrypt, audit, bucket-policy,
// kms key-usage and the version verbs (ls --versions, versioning) on a
// sandbox holding SSE-C objects, with --trace and --show-aws, and again
// with --json (which puts the trace and commands on standard error as
// JSON), including failing runs (a wrong SSE-C key). No output, error,
// displayed command or trace event, no journal file and no file in the
// data directory (but credentials.json, which holds the secret by
// design) carries the SSE-C key (raw, base64, hex), an object's
// plaintext, or the sandbox's secret access key.
func TestNewerVerbsKeepSecrets(t *testing.T) {
	dir := objectsSandbox(t)
	tmp := t.TempDir()
	journal := filepath.Join(tmp, "journal")
	key, wrong := make([]byte, 32), make([]byte, 32)
	_, _ = rand.Read(key)
	_, _ = rand.Read(wrong)
	keyFile, wrongFile := filepath.Join(tmp, "c.key"), filepath.Join(tmp, "wrong.key")
	mustWrite(t, keyFile, key)
	mustWrite(t, wrongFile, []byte(base64.StdEncoding.EncodeToString(wrong)))
	marker := "plaintext-" + hex.EncodeToString(key[:6]) // not a form of the key
	plain := filepath.Join(tmp, "plain.txt")
	mustWrite(t, plain, []byte(strings.Repeat(marker+"\n", 50)))
	var creds struct {
		SecretAccessKey string `json:"secretAccessKey"`
	}
	if b, err := os.ReadFile(filepath.Join(dir, "credentials.json")); err != nil || json.Unmarshal(b, &creds) != nil || creds.SecretAccessKey == "" {
		t.Fatalf("sandbox credentials: %v", err)
	}

	var all strings.Builder
	run := func(code int, args ...string) {
		t.Helper()
		for _, mode := range [][]string{{"--trace", "--show-aws"}, {"--json", "--trace", "--show-aws"}} {
			r := kmsCLI(t, dir, code, append(mode, args...)...)
			all.WriteString(r.Stdout + r.Stderr)
		}
	}
	kmsCLI(t, dir, 0, "kms", "create-key", "--alias", "alias/leak")
	kmsCLI(t, dir, 0, "versioning", "put", "s3://files", "--enable")
	for _, k := range []string{"ssec/a", "ssec/a", "ssec/b", "ssec/c"} {
		kmsCLI(t, dir, 0, "put", plain, "s3://files/"+k, "--sse-c-key", keyFile)
	}
	kmsCLI(t, dir, 0, "put", plain, "s3://files/kms", "--sse", "aws:kms", "--kms-key", "alias/leak")

	run(0, "ls", "--versions", "s3://files/")
	run(0, "versioning", "get", "s3://files")
	run(0, "audit", "--objects", "s3://files")
	r := kmsCLI(t, dir, 0, "--trace", "--show-aws", "audit", "--objects", "--markdown", "s3://files")
	all.WriteString(r.Stdout + r.Stderr)
	run(0, "kms", "key-usage", "--key-id", "alias/leak")
	run(0, "bucket-policy", "put", "s3://files", "--require-tls")
	run(0, "bucket-policy", "get", "s3://files")
	run(0, "bucket-policy", "delete", "s3://files")
	// The wrong key is refused, and named by its file only.
	run(1, "reencrypt", "s3://files/ssec/b", "--sse", "AES256", "--source-sse-c-key", wrongFile)
	for obj, mode := range map[string]string{"ssec/b": "--trace", "ssec/c": "--json"} {
		r = kmsCLI(t, dir, 0, mode, "--trace", "--show-aws", "reencrypt", "s3://files/"+obj, "--sse", "aws:kms", "--kms-key", "alias/leak", "--source-sse-c-key", keyFile)
		all.WriteString(r.Stdout + r.Stderr)
	}
	r = kmsCLI(t, dir, 0, "--trace", "--show-aws", "reencrypt", "--recursive", "s3://files/", "--sse", "AES256",
		"--source-sse-c-key", wrongFile, "--source-sse-c-key", keyFile, "--journal-dir", journal, "--only-mode", "SSE-C")
	all.WriteString(r.Stdout + r.Stderr)
	contains(t, "reencrypt --recursive", r.Stdout+r.Stderr, "run: 1 CopyObject; 1 verified")
	run(0, "audit", "--objects", "s3://files")

	out := all.String()
	for _, want := range []string{"put-bucket-policy", "ListObjectVersions", "HeadObject", "copy-object"} {
		if !strings.Contains(out, want) {
			t.Errorf("the runs' output lacks %q: the verbs did not run as meant", want)
		}
	}
	secrets := map[string][]byte{"the SSE-C key": key, "the wrong SSE-C key": wrong}
	for what, k := range secrets {
		noSecret(t, what+" in the output", []byte(out), k)
	}
	texts := map[string]string{"an object's plaintext": marker, "the secret access key": creds.SecretAccessKey}
	for what, s := range texts {
		if strings.Contains(out, s) {
			t.Errorf("the output carries %s", what)
		}
	}
	for _, root := range []string{dir, journal} {
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || d.Name() == "credentials.json" {
				return err
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			for what, k := range secrets {
				noSecret(t, what+" in "+p, b, k)
			}
			for what, s := range texts {
				if bytes.Contains(b, []byte(s)) {
					t.Errorf("%s carries %s", p, what)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// noSecret fails if data holds key raw, in base64 (padded or not) or in
// hex.
func noSecret(t *testing.T, where string, data, key []byte) {
	t.Helper()
	for _, form := range [][]byte{key, []byte(base64.StdEncoding.EncodeToString(key)), []byte(base64.RawStdEncoding.EncodeToString(key)),
		[]byte(base64.URLEncoding.EncodeToString(key)), []byte(hex.EncodeToString(key)), []byte(strings.ToUpper(hex.EncodeToString(key)))} {
		if bytes.Contains(data, form) {
			t.Errorf("%s (a %d-byte form)", where, len(form))
		}
	}
}

func mustWrite(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}
