package actions_test

import (
	"bytes"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/s3crypt/s3crypt/actions"
	s3c "github.com/s3crypt/s3crypt/crypto"
)

// TestKeyringFiles: a raw keyring named by file (what the TUI's forms
// send) is read when the action runs and works as the key itself does:
// an AES key file (hex) and an RSA pair (public PEM to put, private PEM to
// get) round-trip V2 and V3 objects byte for byte; a public key cannot
// get, a missing file is refused, and nothing is written either way.
func TestKeyringFiles(t *testing.T) {
	env := xferEnv(t)
	xferBucket(t, env.Backend, "files", false)
	dir := t.TempDir()
	aesKey, rk := rawKeys(t)
	aesFile := filepath.Join(dir, "wrap.key")
	if err := os.WriteFile(aesFile, []byte(hex.EncodeToString(aesKey)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	privDER, _ := x509.MarshalPKCS8PrivateKey(rk)
	pubDER, _ := x509.MarshalPKIXPublicKey(&rk.PublicKey)
	privFile, pubFile := filepath.Join(dir, "key.pem"), filepath.Join(dir, "pub.pem")
	_ = os.WriteFile(privFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: privDER}), 0o600)
	_ = os.WriteFile(pubFile, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER}), 0o644)

	for name, c := range map[string]struct {
		put, get actions.KeyringFiles
		wrap     string
	}{
		"aes": {actions.KeyringFiles{WrappingKeyFile: aesFile}, actions.KeyringFiles{WrappingKeyFile: aesFile}, s3c.WrapAlgAESGCM},
		"rsa": {actions.KeyringFiles{RSAKeyFile: pubFile}, actions.KeyringFiles{RSAKeyFile: privFile}, s3c.WrapAlgRSAOAEP},
	} {
		for _, format := range []int{s3c.FormatV2, s3c.FormatV3} {
			src, data := xferFile(t, 3000)
			key := name + map[int]string{2: "-v2", 3: "-v3"}[format]
			cs := &actions.ClientSide{Format: format, KeyFiles: c.put}
			res, err, _ := collect(t, env, &actions.Put{File: src, Bucket: "files", Key: key, ClientSide: cs})
			if err != nil {
				t.Fatalf("put %s: %v", key, err)
			}
			if r := res.(actions.PutResult).ClientSide; r == nil || r.WrapAlg != c.wrap || r.Format != format {
				t.Fatalf("put %s: %+v", key, r)
			}
			if cs.AESWrappingKey != nil || cs.RSAPublicKey != nil {
				t.Fatalf("put %s kept the key it read in the action it was given", key)
			}
			out := filepath.Join(dir, key+".out")
			if _, err, _ := collect(t, env, &actions.Get{Bucket: "files", Key: key, File: out, KeyFiles: c.get}); err != nil {
				t.Fatalf("get %s: %v", key, err)
			}
			if got, _ := os.ReadFile(out); !bytes.Equal(got, data) {
				t.Fatalf("get %s: bytes differ", key)
			}
		}
	}
	for what, files := range map[string]actions.KeyringFiles{
		"holds only a public key": {RSAKeyFile: pubFile},
		"cannot use":              {WrappingKeyFile: filepath.Join(dir, "absent.key")},
	} {
		out := filepath.Join(dir, "refused")
		_, err, _ := collect(t, env, &actions.Get{Bucket: "files", Key: "rsa-v3", File: out, KeyFiles: files})
		if err == nil || !strings.Contains(err.Error(), what) {
			t.Fatalf("get with %+v: %v, want %q", files, err, what)
		}
		if _, serr := os.Stat(out); serr == nil {
			t.Fatal("a refused get wrote a file")
		}
	}
}
