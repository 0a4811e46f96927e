package crypto

import (
	"bytes"
	"crypto/aes"
	crand "crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// legacyVectors are objects as the v1 S3 Encryption Clients wrote them
// with a key of your own, made by testdata/legacy/gen.py with Python's
// cryptography (OpenSSL), not by this package.
type legacyVectors struct {
	WrappingKey string `json:"wrappingKey"`
	RSAKey      string `json:"rsaKey"`
	Plaintext   string `json:"plaintext"`
	Vectors     []struct {
		Name     string            `json:"name"`
		Metadata map[string]string `json:"metadata"`
		Body     string            `json:"body"`
	} `json:"vectors"`
}

func loadLegacyVectors(t *testing.T) legacyVectors {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "legacy", "legacy_vectors.json"))
	if err != nil {
		t.Fatal(err)
	}
	var v legacyVectors
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func b64d(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestLegacyOwnKeyVectors: each legacy own-key object (V1 AES/ECB and
// RSA/PKCS1 with CBC content, V2 AESWrap and RSA-OAEP-SHA-256 with GCM
// content) is refused by ParseEnvelope, and with ParseEnvelopeLegacy names
// its wrapping, unwraps with the right key only and decrypts to the
// plaintext; a wrong key is ErrUnwrap.
func TestLegacyOwnKeyVectors(t *testing.T) {
	v := loadLegacyVectors(t)
	wrapKey := NewKey(b64d(t, v.WrappingKey))
	pem, err := os.ReadFile(filepath.Join("testdata", "legacy", v.RSAKey))
	if err != nil {
		t.Fatal(err)
	}
	priv, _, err := ParseRSAKeyPEM(pem)
	if err != nil {
		t.Fatal(err)
	}
	other, err := rsa.GenerateKey(crand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	want := b64d(t, v.Plaintext)
	wantAlg := map[string]string{"v1-aes": WrapAlgAESLegacy, "v1-rsa": WrapAlgRSALegacy, "v2-aeswrap": WrapAlgAESWrap, "v2-rsaoaep": WrapAlgRSAOAEPSHA256V1}
	if len(v.Vectors) != len(wantAlg) {
		t.Fatalf("%d vectors", len(v.Vectors))
	}
	for _, vec := range v.Vectors {
		if _, err := ParseEnvelope(vec.Metadata); err == nil {
			t.Fatalf("%s: parsed without legacy", vec.Name)
		}
		k := DetectFormat(vec.Metadata)
		if k.Legacy == "" {
			t.Fatalf("%s: not detected as legacy: %+v", vec.Name, k)
		}
		e, err := ParseEnvelopeLegacy(vec.Metadata)
		if err != nil || e.WrapAlg != wantAlg[vec.Name] {
			t.Fatalf("%s: %+v %v", vec.Name, e, err)
		}
		var key, wrong *Key
		var werr error
		if IsAESWrap(e.WrapAlg) {
			key, err = UnwrapLegacyAES(wrapKey, e.WrappedKey, e.WrapAlg)
			wrong, werr = UnwrapLegacyAES(NewKey(make([]byte, 32)), e.WrappedKey, e.WrapAlg)
		} else {
			key, err = UnwrapLegacyRSA(priv, e.WrappedKey, e.WrapAlg)
			wrong, werr = UnwrapLegacyRSA(other, e.WrappedKey, e.WrapAlg)
		}
		if err != nil {
			t.Fatalf("%s: unwrap: %v", vec.Name, err)
		}
		if !errors.Is(werr, ErrUnwrap) || wrong != nil {
			t.Fatalf("%s: a wrong key unwrapped: %v", vec.Name, werr)
		}
		var out bytes.Buffer
		if n, err := DecryptTo(&out, bytes.NewReader(b64d(t, vec.Body)), key, e); err != nil || n != int64(len(want)) || !bytes.Equal(out.Bytes(), want) {
			t.Fatalf("%s: decrypt: %d %v", vec.Name, n, err)
		}
	}
}

// TestRFC3394Unwrap is RFC 3394 §4.6 (256-bit key data, 256-bit KEK), and
// a flipped bit fails the integrity check.
func TestRFC3394Unwrap(t *testing.T) {
	kek, _ := hex.DecodeString("000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F")
	wrapped, _ := hex.DecodeString("28C9F404C4B810F4CBCCB35CFB87F8263F5786E2D80ED326CBC7F0E71A99F43BFB988B9B7A02DD21")
	want, _ := hex.DecodeString("00112233445566778899AABBCCDDEEFF000102030405060708090A0B0C0D0E0F")
	block, _ := aes.NewCipher(kek)
	got, err := unwrapRFC3394(block, wrapped)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("%x %v", got, err)
	}
	wrapped[20] ^= 1
	if _, err := unwrapRFC3394(block, wrapped); !errors.Is(err, ErrUnwrap) {
		t.Fatalf("altered: %v", err)
	}
}
