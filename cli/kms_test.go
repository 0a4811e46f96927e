package cli_test

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/s3crypt/s3crypt/internal/sandboxtest"
)

// kmsCLI runs `s3crypt --data dir args…` and checks the exit code.
func kmsCLI(t *testing.T, dir string, code int, args ...string) sandboxtest.Result {
	t.Helper()
	r := sandboxtest.CLI(t, append([]string{"--data", dir}, args...)...)
	if r.Code != code {
		t.Fatalf("s3crypt %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.Code, code, r.Stdout, r.Stderr)
	}
	return r
}

func contains(t *testing.T, what, text string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(text, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, text)
		}
	}
}

func kmsFile(t *testing.T, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestKMSKeyVerbs runs the key management verbs and checks their output
// and exit codes.
func TestKMSKeyVerbs(t *testing.T) {
	dir := t.TempDir()
	r := kmsCLI(t, dir, 0, "--show-aws", "kms", "create-key", "--alias", "alias/cli", "--description", "cli key")
	contains(t, "create-key", r.Stdout, "created KMS key ", "alias/cli", "SYMMETRIC_DEFAULT", "Enabled", "CUSTOMER (customer managed)")
	contains(t, "create-key stderr", r.Stderr, "$ aws kms create-key --description 'cli key'", "$ aws kms create-alias --alias-name alias/cli --target-key-id ")
	r = kmsCLI(t, dir, 0, "kms", "create-key", "--key-spec", "RSA_2048")
	contains(t, "RSA create-key", r.Stdout, "RSA_2048", "warning: an RSA key cannot be used for SSE-KMS")
	r = kmsCLI(t, dir, 0, "kms", "list-keys")
	contains(t, "list-keys", r.Stdout, "KEY ID", "ALIASES", "ROTATION", "alias/cli", "RSA_2048", "n/a", "off",
		"alias/aws/s3 → no key yet", "AWS owned key (used by S3 for SSE-S3; not visible in KMS)")
	r = kmsCLI(t, dir, 0, "--json", "kms", "list-keys")
	var list struct {
		Keys []struct {
			KeyID       string `json:"KeyId"`
			KeyMetadata struct{ KeySpec, KeyState, KeyManager string }
			KeyRotation string
		}
	}
	if err := json.Unmarshal([]byte(r.Stdout), &list); err != nil || len(list.Keys) != 2 || list.Keys[0].KeyID == "" || list.Keys[0].KeyMetadata.KeyState != "Enabled" {
		t.Fatalf("--json list-keys: %v\n%s", err, r.Stdout)
	}
	r = kmsCLI(t, dir, 0, "kms", "describe-key", "--key-id", "alias/cli")
	contains(t, "describe-key", r.Stdout, "aliases      alias/cli", "description  cli key", "rotation     disabled")

	r = kmsCLI(t, dir, 0, "kms", "disable-key", "--key-id", "alias/cli")
	contains(t, "disable-key", r.Stdout, "is now Disabled", "s3crypt kms enable-key --key-id alias/cli")
	in := kmsFile(t, []byte("hi"))
	r = kmsCLI(t, dir, 1, "kms", "encrypt", "--key-id", "alias/cli", "--in", in, "--out", filepath.Join(t.TempDir(), "c"))
	contains(t, "encrypt with a disabled key", r.Stderr, "is disabled", "s3crypt kms enable-key --key-id alias/cli")
	kmsCLI(t, dir, 0, "kms", "enable-key", "--key-id", "alias/cli")

	r = kmsCLI(t, dir, 0, "kms", "schedule-key-deletion", "--key-id", "alias/cli", "--days", "7")
	contains(t, "schedule-key-deletion", r.Stdout, "PendingDeletion", "(in 7 days)", "permanently unreadable", "cancel-key-deletion --key-id alias/cli")
	r = kmsCLI(t, dir, 1, "kms", "generate-data-key", "--key-id", "alias/cli")
	contains(t, "generate-data-key pending deletion", r.Stderr, "pending deletion", "s3crypt kms cancel-key-deletion --key-id alias/cli")
	r = kmsCLI(t, dir, 0, "kms", "cancel-key-deletion", "--key-id", "alias/cli")
	contains(t, "cancel-key-deletion", r.Stdout, "is now Disabled", "s3crypt kms enable-key --key-id alias/cli")

	r = kmsCLI(t, dir, 1, "kms", "create-alias", "--alias-name", "alias/other", "--target-key-id", "alias/cli")
	contains(t, "create-alias through an alias", r.Stderr, "Aliases must refer to keys", "s3crypt kms describe-key --key-id alias/cli")
	r = kmsCLI(t, dir, 0, "--json", "kms", "describe-key", "--key-id", "alias/cli")
	var key struct {
		KeyMetadata struct {
			KeyID string `json:"KeyId"`
		}
	}
	if err := json.Unmarshal([]byte(r.Stdout), &key); err != nil || key.KeyMetadata.KeyID == "" {
		t.Fatalf("--json describe-key: %v %s", err, r.Stdout)
	}
	r = kmsCLI(t, dir, 0, "kms", "create-alias", "--alias-name", "alias/other", "--target-key-id", key.KeyMetadata.KeyID)
	contains(t, "create-alias", r.Stdout, "alias/other → key "+key.KeyMetadata.KeyID)
	r = kmsCLI(t, dir, 0, "kms", "delete-alias", "--alias-name", "alias/other")
	contains(t, "delete-alias", r.Stdout, "deleted alias alias/other", "is unchanged")
	r = kmsCLI(t, dir, 1, "kms", "describe-key", "--key-id", "alias/other")
	contains(t, "describe-key of a deleted alias", r.Stderr, "s3crypt kms list-keys")

	for _, args := range [][]string{
		{"kms", "schedule-key-deletion", "--key-id", "alias/cli", "--days", "3"},
		{"kms", "create-key", "--key-spec", "ECC_NIST_P999"},
		{"kms", "describe-key"},
		{"kms", "create-alias", "--alias-name", "demo", "--target-key-id", "alias/cli"},
		{"kms", "generate-data-key", "--key-id", "alias/cli", "--key-spec", "AES_512"},
	} {
		kmsCLI(t, dir, 2, args...)
	}
}

// TestKMSGenerateDataKeyKeepsTheKeySecret checks that with --out the key
// appears nowhere in the output, --trace or --show-aws; and that without
// it the key is printed with a warning, on standard output only.
func TestKMSGenerateDataKeyKeepsTheKeySecret(t *testing.T) {
	dir := t.TempDir()
	kmsCLI(t, dir, 0, "kms", "create-key", "--alias", "alias/dk")
	tmp := t.TempDir()
	keyFile, encFile := filepath.Join(tmp, "data.key"), filepath.Join(tmp, "data.key.enc")
	r := kmsCLI(t, dir, 0, "--trace", "--show-aws", "kms", "generate-data-key", "--key-id", "alias/dk", "--out", keyFile,
		"--encrypted-out", encFile, "--context", "purpose=demo")
	key, err := os.ReadFile(keyFile)
	if err != nil || len(key) != 32 {
		t.Fatalf("key file: %v, %d bytes", err, len(key))
	}
	if st, _ := os.Stat(keyFile); st.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v", st.Mode())
	}
	noKey(t, key, r.Stdout+r.Stderr)
	contains(t, "generate-data-key --out", r.Stdout, "written to "+keyFile+" (raw 32 bytes, mode 0600); not printed")
	contains(t, "--trace/--show-aws", r.Stderr, "GenerateDataKey", "plaintext key saved", "plaintext key wiped",
		"$ aws kms generate-data-key --key-id alias/dk --key-spec AES_256", `| { read -r key blob; printf %s "$key" | base64 -d > `+keyFile)

	r = kmsCLI(t, dir, 0, "--json", "--trace", "--show-aws", "kms", "generate-data-key", "--key-id", "alias/dk", "--out", filepath.Join(tmp, "k2"))
	k2, _ := os.ReadFile(filepath.Join(tmp, "k2"))
	noKey(t, k2, r.Stdout+r.Stderr)
	var j map[string]any
	if err := json.Unmarshal([]byte(r.Stdout), &j); err != nil || j["Plaintext"] != nil || j["CiphertextBlob"] == nil || j["PlaintextFile"] == nil {
		t.Fatalf("--json: %v %s", err, r.Stdout)
	}

	// Overwriting is refused and leaves the file alone.
	r = kmsCLI(t, dir, 1, "kms", "generate-data-key", "--key-id", "alias/dk", "--out", keyFile)
	contains(t, "overwrite", r.Stderr, "already exists")
	if again, _ := os.ReadFile(keyFile); !bytes.Equal(again, key) {
		t.Fatal("the key file changed")
	}
	// The encrypted key decrypts (with its context) to the key file's bytes.
	out := filepath.Join(tmp, "decrypted.key")
	kmsCLI(t, dir, 0, "kms", "decrypt", "--in", encFile, "--out", out, "--context", "purpose=demo")
	if got, _ := os.ReadFile(out); !bytes.Equal(got, key) {
		t.Fatal("the encrypted data key does not decrypt to the key file")
	}

	// Without --out the key is printed (stdout) with a warning, and stays
	// out of the trace and commands.
	r = kmsCLI(t, dir, 0, "--trace", "--show-aws", "kms", "generate-data-key", "--key-id", "alias/dk")
	var printed string
	for _, line := range strings.Split(r.Stdout, "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "plaintext" {
			printed = f[1]
		}
	}
	pk, err := base64.StdEncoding.DecodeString(printed)
	if err != nil || len(pk) != 32 {
		t.Fatalf("no printed key in\n%s", r.Stdout)
	}
	noKey(t, pk, r.Stderr)
	contains(t, "warning", r.Stderr, "warning: printing a plaintext data key defeats envelope encryption")
	r = kmsCLI(t, dir, 0, "--json", "kms", "generate-data-key", "--key-id", "alias/dk", "--key-spec", "AES_128")
	var jk struct {
		Plaintext, KeySpec string `json:",omitempty"`
	}
	if err := json.Unmarshal([]byte(r.Stdout), &jk); err != nil || jk.KeySpec != "AES_128" {
		t.Fatalf("--json: %v %s", err, r.Stdout)
	}
	if b, _ := base64.StdEncoding.DecodeString(jk.Plaintext); len(b) != 16 {
		t.Fatalf("--json plaintext %q", jk.Plaintext)
	}
}

// noKey fails if key appears in text raw, in base64 or in hex.
func noKey(t *testing.T, key []byte, text string) {
	t.Helper()
	for _, form := range []string{string(key), base64.StdEncoding.EncodeToString(key), base64.RawStdEncoding.EncodeToString(key),
		hex.EncodeToString(key), strings.ToUpper(hex.EncodeToString(key))} {
		if strings.Contains(text, form) {
			t.Fatalf("the plaintext data key (%d-char form) appears in the output", len(form))
		}
	}
}

// TestKMSEncryptDecryptVerbs round-trips a file and checks the errors the
// seed blog's commands run into.
func TestKMSEncryptDecryptVerbs(t *testing.T) {
	dir := t.TempDir()
	kmsCLI(t, dir, 0, "kms", "create-key", "--alias", "alias/enc")
	plain := make([]byte, 1000)
	_, _ = rand.Read(plain)
	in, tmp := kmsFile(t, plain), t.TempDir()
	enc, out := filepath.Join(tmp, "c.bin"), filepath.Join(tmp, "p.bin")
	r := kmsCLI(t, dir, 0, "--show-aws", "kms", "encrypt", "--key-id", "alias/enc", "--in", in, "--out", enc, "--context", "k=v")
	contains(t, "encrypt", r.Stdout, "(1000 bytes) → "+enc, "binary ciphertext, mode 0600", "SYMMETRIC_DEFAULT", "k=v")
	contains(t, "encrypt command", r.Stderr, "$ aws kms encrypt --key-id alias/enc --plaintext fileb://"+in,
		"--output text --query CiphertextBlob", "| base64 -d > "+enc)
	r = kmsCLI(t, dir, 0, "--json", "kms", "decrypt", "--in", enc, "--out", out, "--context", "k=v")
	var j struct {
		PlaintextBytes int
		KeyID          string `json:"KeyId"`
	}
	if err := json.Unmarshal([]byte(r.Stdout), &j); err != nil || j.PlaintextBytes != 1000 || !strings.Contains(j.KeyID, ":key/") {
		t.Fatalf("--json decrypt: %v %s", err, r.Stdout)
	}
	if got, _ := os.ReadFile(out); !bytes.Equal(got, plain) {
		t.Fatal("round trip differs")
	}
	r = kmsCLI(t, dir, 1, "kms", "decrypt", "--in", enc, "--out", out, "--context", "k=v")
	contains(t, "no clobber", r.Stderr, "already exists", "--force")
	kmsCLI(t, dir, 0, "kms", "decrypt", "--in", enc, "--out", out, "--context", "k=v", "--force")

	b64 := kmsFile(t, []byte(base64.StdEncoding.EncodeToString(mustRead(t, enc))))
	r = kmsCLI(t, dir, 1, "kms", "decrypt", "--in", b64, "--out", filepath.Join(tmp, "x"), "--context", "k=v")
	contains(t, "base64 ciphertext", r.Stderr, "holds base64 text, not a KMS ciphertext", "base64 -d "+b64)

	big := kmsFile(t, make([]byte, 5000))
	r = kmsCLI(t, dir, 1, "kms", "encrypt", "--key-id", "alias/enc", "--in", big, "--out", filepath.Join(tmp, "big"))
	contains(t, "over 4096", r.Stderr, "5000 bytes, more than the 4096 bytes KMS Encrypt accepts", "envelope encryption")

	r = kmsCLI(t, dir, 0, "--json", "kms", "create-key", "--key-spec", "RSA_2048")
	var ck struct {
		KeyMetadata struct {
			KeyID string `json:"KeyId"`
		}
	}
	if err := json.Unmarshal([]byte(r.Stdout), &ck); err != nil || ck.KeyMetadata.KeyID == "" {
		t.Fatalf("--json create-key: %v %s", err, r.Stdout)
	}
	r = kmsCLI(t, dir, 1, "kms", "generate-data-key", "--key-id", ck.KeyMetadata.KeyID)
	contains(t, "RSA data key", r.Stderr, "not a symmetric encryption key", "s3crypt kms create-key")
	r = kmsCLI(t, dir, 1, "kms", "encrypt", "--key-id", ck.KeyMetadata.KeyID, "--in", in, "--out", filepath.Join(tmp, "r"))
	contains(t, "RSA limit", r.Stderr, "1000 bytes, too much for one RSA-OAEP block", "at most 190 bytes")
	small := kmsFile(t, plain[:100])
	r = kmsCLI(t, dir, 0, "kms", "encrypt", "--key-id", ck.KeyMetadata.KeyID, "--in", small, "--out", filepath.Join(tmp, "r"))
	contains(t, "RSA encrypt", r.Stdout, "RSAES_OAEP_SHA_256", "note: ")
	kmsCLI(t, dir, 0, "kms", "decrypt", "--key-id", ck.KeyMetadata.KeyID, "--in", filepath.Join(tmp, "r"), "--out", filepath.Join(tmp, "r.out"))
	if got := mustRead(t, filepath.Join(tmp, "r.out")); !bytes.Equal(got, plain[:100]) {
		t.Fatal("RSA round trip differs")
	}
}

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestKMSCreateKeySpecs creates ECC, HMAC and ML-KEM keys through the CLI
// (the usage defaults to the spec's own, and the printed aws command says
// so), and shows why an ECC key cannot make a data key.
func TestKMSCreateKeySpecs(t *testing.T) {
	dir := t.TempDir()
	var r sandboxtest.Result
	r = kmsCLI(t, dir, 0, "--show-aws", "kms", "create-key", "--key-spec", "ECC_NIST_P256", "--alias", "alias/ecc")
	contains(t, "ECC create-key", r.Stdout, "ECC_NIST_P256", "SIGN_VERIFY", "ECDSA_SHA_256",
		"warning: this ECC_NIST_P256 SIGN_VERIFY key cannot be used for SSE-KMS")
	contains(t, "ECC create-key stderr", r.Stderr, "$ aws kms create-key --key-spec ECC_NIST_P256 --key-usage SIGN_VERIFY")
	r = kmsCLI(t, dir, 0, "kms", "create-key", "--key-spec", "HMAC_384")
	contains(t, "HMAC create-key", r.Stdout, "HMAC_384", "GENERATE_VERIFY_MAC", "HMAC_SHA_384")
	r = kmsCLI(t, dir, 0, "kms", "create-key", "--key-spec", "ML_KEM_768")
	contains(t, "ML-KEM create-key", r.Stdout, "ML_KEM_768", "ENCAPSULATE_DECAPSULATE", "ML_KEM")
	r = kmsCLI(t, dir, 1, "kms", "create-key", "--key-spec", "ECC_NIST_EDWARDS25519", "--key-usage", "KEY_AGREEMENT")
	contains(t, "Ed25519 KEY_AGREEMENT", r.Stderr, "KeyUsage KEY_AGREEMENT is not compatible with KeySpec ECC_NIST_EDWARDS25519")
	r = kmsCLI(t, dir, 1, "kms", "generate-data-key", "--key-id", "alias/ecc")
	contains(t, "data key from an ECC key", r.Stderr, "key usage is SIGN_VERIFY which is not valid for GenerateDataKey.", "signing key (KeyUsage SIGN_VERIFY)", "s3crypt kms create-key")

}
