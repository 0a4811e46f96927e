package actions_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/s3crypt/s3crypt/actions"
	"github.com/s3crypt/s3crypt/internal/sandboxtest"
)

// awsRun runs a command s3crypt reported, as shown, through /bin/sh with
// Debian's aws CLI.
func awsRun(t *testing.T, env *actions.Env, c actions.Command) string {
	t.Helper()
	stdout, stderr, err := sandboxtest.Shell(t, env.Backend, t.TempDir(), c.String())
	if err != nil {
		t.Fatalf("%s: %v\n%s%s", c.String(), err, stdout, stderr)
	}
	return stdout
}

// awsBase64 decodes the base64 text an `--output text --query X` command
// prints.
func awsBase64(t *testing.T, out string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(out))
	if err != nil {
		t.Fatalf("not base64: %q", out)
	}
	return b
}

// TestKMSCommandsRunInAWSCLI runs the aws commands that create-key,
// generate-data-key, encrypt and decrypt report through Debian's aws CLI
// and checks they do what s3crypt did.
func TestKMSCommandsRunInAWSCLI(t *testing.T) {
	sandboxtest.DebianAWS(t)
	env := newKMSEnv(t)
	for _, spec := range []string{"", "RSA_2048"} {
		_, evs := mustRun(t, env, &actions.CreateKey{KeySpec: spec, Description: "via aws"})
		var out struct {
			KeyMetadata struct{ KeySpec, KeyUsage, Description, KeyState string }
		}
		if err := json.Unmarshal([]byte(awsRun(t, env, kmsCommands(evs)[0])), &out); err != nil {
			t.Fatal(err)
		}
		want := map[string]string{"": "SYMMETRIC_DEFAULT", "RSA_2048": "RSA_2048"}[spec]
		if m := out.KeyMetadata; m.KeySpec != want || m.KeyUsage != "ENCRYPT_DECRYPT" || m.Description != "via aws" || m.KeyState != "Enabled" {
			t.Fatalf("aws create-key made %+v", m)
		}
	}
	sym := newKey(t, env, "", "alias/cli")
	rsa := newKey(t, env, "RSA_2048", "")
	ctx := map[string]string{"app": "s3crypt", "Team": "a b"}

	// generate-data-key: the raw key the aws CLI writes to --out's file is
	// what its encrypted key (printed) decrypts to.
	out := filepath.Join(t.TempDir(), "k")
	_, evs := mustRun(t, env, &actions.GenerateDataKey{KeyID: "alias/cli", Context: ctx, Out: out})
	os.Remove(out)
	blob := awsBase64(t, awsRun(t, env, kmsCommands(evs)[0]))
	plainKey, _ := os.ReadFile(out)
	if len(plainKey) != 32 {
		t.Fatalf("aws generate-data-key wrote %d bytes to %s", len(plainKey), out)
	}
	if got := decryptFile(t, env, blob, "", ctx); !bytes.Equal(got, plainKey) {
		t.Fatal("s3crypt does not decrypt the aws CLI's data key to its plaintext")
	}
	_ = sym

	for _, c := range []struct {
		key string
		n   int
	}{{"alias/cli", 3000}, {rsa, 150}} {
		plain := randomBytes(c.n)
		in := writeFile(t, plain)
		dir := t.TempDir()
		// encrypt: the aws CLI's ciphertext file decrypts with s3crypt.
		_, evs := mustRun(t, env, &actions.KMSEncrypt{KeyID: c.key, In: in, Out: filepath.Join(dir, "mine"), Context: ctx})
		if err := os.Rename(filepath.Join(dir, "mine"), filepath.Join(dir, "mine.s3crypt")); err != nil {
			t.Fatal(err)
		}
		awsRun(t, env, kmsCommands(evs)[0])
		theirs, _ := os.ReadFile(filepath.Join(dir, "mine"))
		rsaKey := map[bool]string{true: rsa}[c.key == rsa]
		if got := decryptFile(t, env, theirs, rsaKey, ctx); !bytes.Equal(got, plain) {
			t.Fatalf("%s: the aws CLI's ciphertext does not decrypt to the plaintext", c.key)
		}
		// decrypt: the aws CLI decrypts s3crypt's ciphertext file to the same plaintext.
		_, evs = mustRun(t, env, &actions.KMSDecrypt{KeyID: rsaKey, In: filepath.Join(dir, "mine.s3crypt"), Out: filepath.Join(dir, "plain"), Context: ctx})
		if err := os.Rename(filepath.Join(dir, "plain"), filepath.Join(dir, "plain.s3crypt")); err != nil {
			t.Fatal(err)
		}
		awsRun(t, env, kmsCommands(evs)[0])
		if got, _ := os.ReadFile(filepath.Join(dir, "plain")); !bytes.Equal(got, plain) {
			t.Fatalf("%s: aws kms decrypt of s3crypt's file differs", c.key)
		}
		mine, _ := os.ReadFile(filepath.Join(dir, "plain.s3crypt"))
		if !bytes.Equal(mine, plain) {
			t.Fatalf("%s: s3crypt's decrypt differs", c.key)
		}
	}
}
