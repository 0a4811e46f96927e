package actions

import (
	"crypto/rand"
	"crypto/rsa"
	"testing"

	s3c "github.com/s3crypt/s3crypt/crypto"
)

// TestRemoteKeepsKeyMaterialHere: a job holding a wrapping key in memory
// (a raw keyring) is never handed to the transfer helper, whose pipe
// would carry the key redacted; plain jobs are.
func TestRemoteKeepsKeyMaterialHere(t *testing.T) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	aes := func() *s3c.Key { return s3c.NewKey(make([]byte, 32)) }
	here := map[string]Action{
		"put, AES wrapping key":   &Put{ClientSide: &ClientSide{AESWrappingKey: aes()}},
		"put, RSA public key":     &Put{ClientSide: &ClientSide{RSAPublicKey: &rsaKey.PublicKey}},
		"get, AES wrapping key":   &Get{File: "out", AESWrappingKey: aes()},
		"get, RSA private key":    &Get{File: "out", RSAPrivateKey: s3c.NewRSAPrivateKey(rsaKey)},
		"get to standard output":  &Get{File: "-"},
		"SSE-C put, key in hand":  &Put{SSEC: &SSECKey{}},
		"get SSE-C, RSA key held": &GetSSEC{Get: Get{File: "out", RSAPrivateKey: s3c.NewRSAPrivateKey(rsaKey)}},
	}
	for name, a := range here {
		if req := remoteRequestFor(1, a); req != nil {
			t.Errorf("%s: handed to the helper", name)
		}
	}
	for name, a := range map[string]Action{
		"put, KMS client-side": &Put{ClientSide: &ClientSide{KMSKey: "alias/demo"}},
		"put, SSE-KMS":         &Put{},
		"get":                  &Get{File: "out"},
	} {
		if req := remoteRequestFor(1, a); req == nil {
			t.Errorf("%s: kept in the UI's process", name)
		}
	}
}
