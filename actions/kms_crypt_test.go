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
)

// decryptFile runs KMSDecrypt on blob and returns the plaintext.
func decryptFile(t *testing.T, env *actions.Env, blob []byte, keyID string, ctx map[string]string) []byte {
	t.Helper()
	out := filepath.Join(t.TempDir(), "plain")
	mustRun(t, env, &actions.KMSDecrypt{KeyID: keyID, In: writeFile(t, blob), Out: out, Context: ctx})
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// TestGenerateDataKey checks both ways of receiving a data key, that the
// encrypted copy decrypts to the plaintext, and that no step or command
// ever holds the plaintext.
func TestGenerateDataKey(t *testing.T) {
	env := newKMSEnv(t)
	newKey(t, env, "", "alias/dk")
	ctx := map[string]string{"purpose": "test"}
	res, evs := mustRun(t, env, &actions.GenerateDataKey{KeyID: "alias/dk", Context: ctx})
	r := res.(actions.GenerateDataKeyResult)
	if r.Plaintext == nil || r.Plaintext.Len() != 32 || r.Bytes != 32 || r.KeySpec != "AES_256" || !strings.Contains(r.KeyARN, ":key/") {
		t.Fatalf("result %+v", r)
	}
	key := append([]byte(nil), r.Plaintext.Bytes()...)
	if leaks := keyLeaks(key, evs, ""); len(leaks) > 0 {
		t.Fatalf("the data key is in the events (%d forms)", len(leaks))
	}
	if got := kmsOps(evs); got != "you:Request KMS:GenerateDataKey KMS:Response you:KeyShown" {
		t.Fatalf("steps %s", got)
	}
	if c := kmsCommands(evs)[0].Short(); c != `aws kms generate-data-key --key-id alias/dk --key-spec AES_256 --encryption-context '{"purpose":"test"}'` {
		t.Fatalf("command %s", c)
	}
	data, _ := json.Marshal(r)
	var j struct{ Plaintext, CiphertextBlob, KeyArn string }
	if err := json.Unmarshal(data, &j); err != nil || j.Plaintext != base64.StdEncoding.EncodeToString(key) ||
		j.CiphertextBlob != base64.StdEncoding.EncodeToString(r.CiphertextBlob) || j.KeyArn != r.KeyARN {
		t.Fatalf("json %s", data)
	}
	if got := decryptFile(t, env, r.CiphertextBlob, "", ctx); !bytes.Equal(got, key) {
		t.Fatal("the encrypted data key does not decrypt to the plaintext one")
	}
	e, _ := kmsErr(t, env, &actions.KMSDecrypt{In: writeFile(t, r.CiphertextBlob), Out: filepath.Join(t.TempDir(), "x")})
	wantErr(t, e, "InvalidCiphertextException", actions.KindInvalidCiphertext, map[string]string{"why": "encryption context", "fix": "--context"})
	r.Plaintext.Wipe()
	if data, _ := json.Marshal(r); strings.Contains(string(data), `"plaintext"`) {
		t.Fatalf("a wiped key still marshals: %s", data)
	}

	res, _ = mustRun(t, env, &actions.GenerateDataKey{KeyID: "alias/dk", KeySpec: "AES_128"})
	if r := res.(actions.GenerateDataKeyResult); r.Plaintext.Len() != 16 || r.Bytes != 16 {
		t.Fatalf("AES_128 %+v", r)
	}
}

// TestGenerateDataKeyToFile checks --out: a 0600 raw key file, nothing in
// the result or events, the key wiped, and no overwriting.
func TestGenerateDataKeyToFile(t *testing.T) {
	env := newKMSEnv(t)
	newKey(t, env, "", "alias/dk")
	dir := t.TempDir()
	keyFile, encFile := filepath.Join(dir, "data.key"), filepath.Join(dir, "data.key.enc")
	res, evs := mustRun(t, env, &actions.GenerateDataKey{KeyID: "alias/dk", Out: keyFile, EncryptedOut: encFile})
	r := res.(actions.GenerateDataKeyResult)
	key, err := os.ReadFile(keyFile)
	if err != nil || len(key) != 32 {
		t.Fatalf("key file: %v %d bytes", err, len(key))
	}
	if st, _ := os.Stat(keyFile); st.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v", st.Mode())
	}
	if st, _ := os.Stat(encFile); st.Mode().Perm() != 0o600 {
		t.Fatalf("encrypted key file mode %v", st.Mode())
	}
	enc, _ := os.ReadFile(encFile)
	if r.Plaintext != nil || r.PlaintextFile != keyFile || r.EncryptedFile != encFile || !bytes.Equal(enc, r.CiphertextBlob) {
		t.Fatalf("result %+v", r)
	}
	data, _ := json.Marshal(r)
	if leaks := keyLeaks(key, evs, string(data)); len(leaks) > 0 || strings.Contains(string(data), `"plaintext"`) {
		t.Fatalf("the data key leaked (%d forms) or JSON holds a plaintext field", len(leaks))
	}
	if got := kmsOps(evs); got != "you:Request KMS:GenerateDataKey KMS:Response you:FileSaved you:KeySaved you:LocalWipe" {
		t.Fatalf("steps %s", got)
	}
	if c := kmsCommands(evs)[0]; !strings.Contains(c.Pipe, "base64 -d > "+keyFile) || strings.Contains(c.Pipe, "echo") {
		t.Fatalf("pipe %q", c.Pipe)
	}
	if got := decryptFile(t, env, enc, "", nil); !bytes.Equal(got, key) {
		t.Fatal("the encrypted key file does not decrypt to the key file")
	}
	e, evs := kmsErr(t, env, &actions.GenerateDataKey{KeyID: "alias/dk", Out: keyFile})
	if len(kmsSteps(evs)) != 0 || !strings.Contains(e.What, "already exists") {
		t.Fatalf("overwrite: %v after %s", e, kmsOps(evs))
	}
	if again, _ := os.ReadFile(keyFile); !bytes.Equal(again, key) {
		t.Fatal("the key file changed")
	}
}

// TestGenerateDataKeyNeedsSymmetricKey is the seed blog's RSA mistake.
func TestGenerateDataKeyNeedsSymmetricKey(t *testing.T) {
	env := newKMSEnv(t)
	id := newKey(t, env, "RSA_2048", "")
	e, _ := kmsErr(t, env, &actions.GenerateDataKey{KeyID: id})
	wantErr(t, e, "InvalidKeyUsageException", actions.KindInvalidKeyUsage, map[string]string{"what": "not a symmetric encryption key",
		"why": "only with symmetric", "fix": "s3crypt kms create-key"})
}

// TestKMSEncryptDecrypt round-trips files through symmetric and RSA keys
// and checks the limits and the messages that explain them.
func TestKMSEncryptDecrypt(t *testing.T) {
	env := newKMSEnv(t)
	newKey(t, env, "", "alias/enc")
	dir := t.TempDir()
	plain := randomBytes(4096)
	in, out := writeFile(t, plain), filepath.Join(dir, "c.bin")
	ctx := map[string]string{"file": "c"}
	res, evs := mustRun(t, env, &actions.KMSEncrypt{KeyID: "alias/enc", In: in, Out: out, Context: ctx})
	r := res.(actions.KMSCryptResult)
	blob, _ := os.ReadFile(out)
	if r.PlaintextBytes != 4096 || r.CiphertextBytes != len(blob) || r.Algorithm != "SYMMETRIC_DEFAULT" || r.Note != "" {
		t.Fatalf("result %+v", r)
	}
	if st, _ := os.Stat(out); st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", st.Mode())
	}
	if got := kmsOps(evs); got != "you:Request KMS:DescribeKey KMS:Response you:Request KMS:Encrypt KMS:Response you:FileSaved" {
		t.Fatalf("steps %s", got)
	}
	if got := decryptFile(t, env, blob, "", ctx); !bytes.Equal(got, plain) {
		t.Fatal("round trip differs")
	}
	e, _ := kmsErr(t, env, &actions.KMSEncrypt{KeyID: "alias/enc", In: in, Out: out})
	if !strings.Contains(e.What, "already exists") || !strings.Contains(e.Fix, "--force") {
		t.Fatalf("no clobber: %v", e)
	}
	mustRun(t, env, &actions.KMSEncrypt{KeyID: "alias/enc", In: in, Out: out, Force: true})

	e, _ = kmsErr(t, env, &actions.KMSEncrypt{KeyID: "alias/enc", In: writeFile(t, randomBytes(4097)), Out: filepath.Join(dir, "big")})
	wantErr(t, e, "ValidationException", actions.KindTooLarge, map[string]string{"what": "4097 bytes, more than the 4096 bytes KMS Encrypt accepts",
		"why": "at most 4096", "fix": "envelope encryption"})
	e, evs = kmsErr(t, env, &actions.KMSEncrypt{KeyID: "alias/enc", In: writeFile(t, randomBytes(70000)), Out: filepath.Join(dir, "huge")})
	if len(kmsSteps(evs)) != 0 || !strings.Contains(e.What, "did not send it") || !strings.Contains(e.Fix, "envelope encryption") {
		t.Fatalf("huge: %v after %s", e, kmsOps(evs))
	}

	// The seed blog's file of base64 text.
	b64 := writeFile(t, []byte(base64.StdEncoding.EncodeToString(blob)+"\n"))
	e, _ = kmsErr(t, env, &actions.KMSDecrypt{In: b64, Out: filepath.Join(dir, "p"), Context: ctx})
	wantErr(t, e, "InvalidCiphertextException", actions.KindInvalidCiphertext, map[string]string{"what": "holds base64 text, not a KMS ciphertext",
		"why": "--output text --query CiphertextBlob", "fix": "base64 -d " + b64})
}

// TestKMSEncryptRSA checks the default algorithm for RSA keys and the
// RSA-OAEP size limits.
func TestKMSEncryptRSA(t *testing.T) {
	env := newKMSEnv(t)
	id := newKey(t, env, "RSA_2048", "")
	dir := t.TempDir()
	plain := randomBytes(190)
	res, evs := mustRun(t, env, &actions.KMSEncrypt{KeyID: id, In: writeFile(t, plain), Out: filepath.Join(dir, "c")})
	r := res.(actions.KMSCryptResult)
	if r.Algorithm != "RSAES_OAEP_SHA_256" || r.CiphertextBytes != 256 || !strings.Contains(r.Note, "RSAES_OAEP_SHA_256") {
		t.Fatalf("result %+v", r)
	}
	if c := kmsCommands(evs)[0].Short(); !strings.Contains(c, "--encryption-algorithm RSAES_OAEP_SHA_256") {
		t.Fatalf("command %s", c)
	}
	blob, _ := os.ReadFile(filepath.Join(dir, "c"))
	if got := decryptFile(t, env, blob, id, nil); !bytes.Equal(got, plain) {
		t.Fatal("RSA round trip differs")
	}
	e, _ := kmsErr(t, env, &actions.KMSDecrypt{In: filepath.Join(dir, "c"), Out: filepath.Join(dir, "p")})
	wantErr(t, e, "InvalidCiphertextException", actions.KindInvalidCiphertext, map[string]string{"fix": "--key-id"})

	e, _ = kmsErr(t, env, &actions.KMSEncrypt{KeyID: id, In: writeFile(t, randomBytes(191)), Out: filepath.Join(dir, "c2")})
	wantErr(t, e, "ValidationException", actions.KindTooLarge, map[string]string{"what": "191 bytes, too much for one RSA-OAEP block",
		"why": "RSA_2048 with RSAES_OAEP_SHA_256 takes at most 190 bytes", "fix": "envelope encryption"})
	res, _ = mustRun(t, env, &actions.KMSEncrypt{KeyID: id, In: writeFile(t, randomBytes(214)), Out: filepath.Join(dir, "c3"),
		Algorithm: "RSAES_OAEP_SHA_1"})
	if r := res.(actions.KMSCryptResult); r.Algorithm != "RSAES_OAEP_SHA_1" || r.Note != "" {
		t.Fatalf("SHA-1 %+v", r)
	}
}
