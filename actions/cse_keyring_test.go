package actions_test

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/s3crypt/s3crypt/actions"
	s3c "github.com/s3crypt/s3crypt/crypto"
)

// rawKeys is a random 32-byte AES wrapping key and a 2048-bit RSA key
// pair, the keys of the raw keyrings.
func rawKeys(t *testing.T) ([]byte, *rsa.PrivateKey) {
	t.Helper()
	aesKey := make([]byte, 32)
	_, _ = rand.Read(aesKey)
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return aesKey, rsaKey
}

// TestClientSideRawKeyrings round-trips V2 and V3 objects (one PUT and
// multipart) whose data key a raw AES or RSA keyring wrapped: no KMS
// request, the envelope says AES/GCM (02) or RSA-OAEP-SHA1 (22) with the
// material description, a range reads back, and without the key, with
// another key, or with the wrapped key altered the download is refused
// and writes nothing.
func TestClientSideRawKeyrings(t *testing.T) {
	env := xferEnv(t)
	xferBucket(t, env.Backend, "raw", false)
	aesKey, rsaKey := rawKeys(t)
	otherRSA, _ := rsa.GenerateKey(rand.Reader, 2048)
	md := map[string]string{"key": "laptop-2026"}
	type ring struct {
		name    string
		put     func(*actions.ClientSide)
		get     func(*actions.Get)
		wrong   func(*actions.Get)
		wrapAlg string
		code    map[int]string
	}
	rings := []ring{
		{"aes", func(c *actions.ClientSide) { c.AESWrappingKey = s3c.NewKey(aesKey) }, func(g *actions.Get) { g.AESWrappingKey = s3c.NewKey(aesKey) },
			func(g *actions.Get) { g.AESWrappingKey = s3c.NewKey(make([]byte, 32)) }, s3c.WrapAlgAESGCM, map[int]string{2: "AES/GCM", 3: "02"}},
		{"rsa", func(c *actions.ClientSide) { c.RSAPublicKey = &rsaKey.PublicKey }, func(g *actions.Get) { g.RSAPrivateKey = s3c.NewRSAPrivateKey(rsaKey) },
			func(g *actions.Get) { g.RSAPrivateKey = s3c.NewRSAPrivateKey(otherRSA) }, s3c.WrapAlgRSAOAEP, map[int]string{2: "RSA-OAEP-SHA1", 3: "22"}},
	}
	dir := t.TempDir()
	for _, rg := range rings {
		for _, format := range []int{s3c.FormatV2, s3c.FormatV3} {
			for _, size := range []int{0, 1000, 11 << 20} {
				src, data := xferFile(t, size)
				key := fmt.Sprintf("%s-v%d-%d", rg.name, format, size)
				cs := &actions.ClientSide{Format: format, Context: md}
				rg.put(cs)
				res, err, evs := collect(t, env, &actions.Put{File: src, Bucket: "raw", Key: key, ClientSide: cs})
				if err != nil {
					t.Fatalf("put %s: %v", key, err)
				}
				if ops := stepOps(evs); strings.Contains(ops, "KMS:") {
					t.Fatalf("put %s asked KMS: %s", key, ops)
				}
				if pr := res.(actions.PutResult); pr.ClientSide.WrapAlg != rg.wrapAlg || pr.ClientSide.KMSKeyARN != "" {
					t.Fatalf("put %s: %+v", key, pr.ClientSide)
				}
				_, meta := rawObject(t, env, "raw", key)
				wrapKey, mdKey := "x-amz-wrap-alg", "x-amz-matdesc"
				if format == s3c.FormatV3 {
					wrapKey, mdKey = "x-amz-w", "x-amz-m"
				}
				if meta[wrapKey] != rg.code[format] || meta[mdKey] != `{"key":"laptop-2026"}` {
					t.Fatalf("%s envelope: %v", key, meta)
				}
				dst := filepath.Join(dir, key)
				g := &actions.Get{Bucket: "raw", Key: key, File: dst}
				rg.get(g)
				if _, err, evs := collect(t, env, g); err != nil || strings.Contains(stepOps(evs), "KMS:") {
					t.Fatalf("get %s: %v %s", key, err, stepOps(evs))
				}
				if got, _ := os.ReadFile(dst); !bytes.Equal(got, data) {
					t.Fatalf("get %s: bytes differ", key)
				}
				if size > 0 {
					g := &actions.Get{Bucket: "raw", Key: key, File: dst, Range: "bytes=-7", AllowUnauthenticatedRange: true}
					rg.get(g)
					if _, err, _ := collect(t, env, g); err != nil {
						t.Fatal(err)
					}
					if got, _ := os.ReadFile(dst); !bytes.Equal(got, data[size-7:]) {
						t.Fatalf("range of %s differs", key)
					}
				}
			}
			// Refusals: no key, another key.
			key := fmt.Sprintf("%s-v%d-1000", rg.name, format)
			out := t.TempDir()
			_, err, _ := collect(t, env, &actions.Get{Bucket: "raw", Key: key, File: filepath.Join(out, "x")})
			var ae *actions.Error
			if !errors.As(err, &ae) || !strings.Contains(err.Error(), "not a KMS key") {
				t.Fatalf("%s without its key: %v", key, err)
			}
			g := &actions.Get{Bucket: "raw", Key: key, File: filepath.Join(out, "x")}
			rg.wrong(g)
			if _, err, _ := collect(t, env, g); !errors.Is(err, s3c.ErrUnwrap) {
				t.Fatalf("%s with another key: %v", key, err)
			}
			// --kms-key and --context do not apply to a raw keyring: refused,
			// not silently ignored, even with the right key.
			g = &actions.Get{Bucket: "raw", Key: key, File: filepath.Join(out, "x"), KMSKey: "alias/x"}
			rg.get(g)
			if _, err, _ := collect(t, env, g); err == nil || !strings.Contains(err.Error(), "--kms-key does not apply") {
				t.Fatalf("%s with --kms-key: %v", key, err)
			}
			g = &actions.Get{Bucket: "raw", Key: key, File: filepath.Join(out, "x"), Context: md}
			rg.get(g)
			if _, err, _ := collect(t, env, g); err == nil || !strings.Contains(err.Error(), "--context cannot be checked") {
				t.Fatalf("%s with --context: %v", key, err)
			}
			if entries, _ := os.ReadDir(out); len(entries) != 0 {
				t.Fatalf("refused downloads left %v", entries)
			}
		}
	}
	// Both a KMS key and a raw one: refused before anything is sent.
	src, _ := xferFile(t, 10)
	_, err, _ := collect(t, env, &actions.Put{File: src, Bucket: "raw", Key: "both",
		ClientSide: &actions.ClientSide{KMSKey: "alias/x", AESWrappingKey: s3c.NewKey(aesKey)}})
	if err == nil || !strings.Contains(err.Error(), "give one way to wrap the data key") {
		t.Fatalf("two keyrings: %v", err)
	}
}

// TestGetPrintsNoRSAKey: printing a Get (as a log line or a debugger
// would) shows no number of its RSA private key.
func TestGetPrintsNoRSAKey(t *testing.T) {
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	g := &actions.Get{Bucket: "b", Key: "k", RSAPrivateKey: s3c.NewRSAPrivateKey(priv)}
	for _, verb := range []string{"%v", "%+v", "%#v"} {
		if out := fmt.Sprintf(verb, g); strings.Contains(out, priv.D.String()) || strings.Contains(out, priv.Primes[0].String()) ||
			!strings.Contains(out, "redacted") {
			t.Fatalf("%s of Get: %s", verb, out)
		}
	}
}
