package actions_test

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/s3crypt/s3crypt/actions"
	s3c "github.com/s3crypt/s3crypt/crypto"
)

// TestClientSideLegacy stores legacy objects as the old S3 Encryption
// Clients laid them out (built here from the specification: no client at
// hand writes them any more): V1 with kms wrapping and CBC content, and V2
// metadata with CBC content. get refuses them, naming --legacy; with
// Legacy it decrypts them (marked unauthenticated); a corrupted one is
// refused and leaves nothing.
func TestClientSideLegacy(t *testing.T) {
	env := xferEnv(t)
	xferBucket(t, env.Backend, "legacy", false)
	kmsKey := cseKey(t, env)
	ctx := context.Background()
	put := func(key string, v1 bool, size int, corrupt bool) []byte {
		matdesc := map[string]string{"kms_cmk_id": kmsKey}
		wrap := "kms"
		if !v1 {
			matdesc = map[string]string{s3c.ContextKeyCEKAlg: s3c.CEKAlgAESCBC}
			wrap = "kms+context"
		}
		dk, err := env.Backend.KMS.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{KeyId: &kmsKey, KeySpec: kmstypes.DataKeySpecAes256, EncryptionContext: matdesc})
		if err != nil {
			t.Fatal(err)
		}
		pt := make([]byte, size)
		_, _ = rand.Read(pt)
		iv := make([]byte, 16)
		_, _ = rand.Read(iv)
		block, _ := aes.NewCipher(dk.Plaintext)
		pad := 16 - size%16
		ct := append(bytes.Clone(pt), bytes.Repeat([]byte{byte(pad)}, pad)...)
		cipher.NewCBCEncrypter(block, iv).CryptBlocks(ct, ct)
		if corrupt {
			ct[len(ct)-1] ^= 0x55
		}
		md := `{"kms_cmk_id":"` + kmsKey + `"}`
		if !v1 {
			md = `{"aws:x-amz-cek-alg":"AES/CBC/PKCS5Padding"}`
		}
		meta := map[string]string{"x-amz-iv": base64.StdEncoding.EncodeToString(iv), "x-amz-matdesc": md, "x-amz-wrap-alg": wrap,
			"x-amz-cek-alg": s3c.CEKAlgAESCBC, "x-amz-unencrypted-content-length": strconv.Itoa(size)}
		k := "x-amz-key-v2"
		if v1 {
			k = "x-amz-key"
		}
		meta[k] = base64.StdEncoding.EncodeToString(dk.CiphertextBlob)
		if _, err := env.Backend.S3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("legacy"), Key: &key, Body: bytes.NewReader(ct), Metadata: meta}); err != nil {
			t.Fatal(err)
		}
		return pt
	}
	for _, c := range []struct {
		key  string
		v1   bool
		size int
	}{{"v1-0", true, 0}, {"v1-17", true, 17}, {"v1-big", true, 7<<20 + 3}, {"v2cbc-32", false, 32}} {
		pt := put(c.key, c.v1, c.size, false)
		dir := t.TempDir()
		dst := filepath.Join(dir, "out")
		_, err, _ := collect(t, env, &actions.Get{Bucket: "legacy", Key: c.key, File: dst})
		if err == nil || !strings.Contains(err.Error(), "--legacy") {
			t.Fatalf("%s without --legacy: %v", c.key, err)
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 0 {
			t.Fatalf("%s: refused download left %v", c.key, entries)
		}
		res, err, _ := collect(t, env, &actions.Get{Bucket: "legacy", Key: c.key, File: dst, Legacy: true})
		if err != nil {
			t.Fatalf("%s with --legacy: %v", c.key, err)
		}
		if got, _ := os.ReadFile(dst); !bytes.Equal(got, pt) {
			t.Fatalf("%s: plaintext differs", c.key)
		}
		if cs := res.(actions.GetResult).ClientSide; cs == nil || !cs.Unauthenticated {
			t.Fatalf("%s: not marked unauthenticated: %+v", c.key, cs)
		}
	}
	put("v1-bad", true, 100, true)
	dir := t.TempDir()
	_, err, _ := collect(t, env, &actions.Get{Bucket: "legacy", Key: "v1-bad", File: filepath.Join(dir, "out"), Legacy: true})
	if !errors.Is(err, s3c.ErrBadPadding) && !errors.Is(err, s3c.ErrLengthMismatch) {
		t.Fatalf("corrupted legacy object: %v", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("a failed legacy download left %v", entries)
	}
}

// TestClientSideLegacyOwnKeys stores the objects v1 S3 Encryption Clients
// wrote with a key of your own (crypto/testdata/legacy, made with Python's
// cryptography after the specification: V1 AES/ECB and RSA/PKCS1 with CBC
// content, V2 AESWrap and RSA-OAEP-SHA-256 with GCM content). get refuses
// each without Legacy (naming --legacy) and without its key (naming the
// flag), refuses a wrong key with nothing written, and with Legacy and the
// key writes the plaintext; CBC content is marked unauthenticated.
func TestClientSideLegacyOwnKeys(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "crypto", "testdata", "legacy", "legacy_vectors.json"))
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		WrappingKey, RSAKey, Plaintext string
		Vectors                        []struct {
			Name     string
			Metadata map[string]string
			Body     string
		}
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	dec := func(s string) []byte { b, _ := base64.StdEncoding.DecodeString(s); return b }
	pem, err := os.ReadFile(filepath.Join("..", "crypto", "testdata", "legacy", v.RSAKey))
	if err != nil {
		t.Fatal(err)
	}
	priv, _, err := s3c.ParseRSAKeyPEM(pem)
	if err != nil {
		t.Fatal(err)
	}
	otherRSA, _ := rsa.GenerateKey(rand.Reader, 2048)
	want := dec(v.Plaintext)
	env := xferEnv(t)
	xferBucket(t, env.Backend, "legacy", false)
	ctx := context.Background()
	for _, vec := range v.Vectors {
		if _, err := env.Backend.S3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("legacy"), Key: aws.String(vec.Name),
			Body: bytes.NewReader(dec(vec.Body)), Metadata: vec.Metadata}); err != nil {
			t.Fatal(err)
		}
		isAES := strings.Contains(vec.Name, "aes")
		withKey := func(g *actions.Get, right bool) *actions.Get {
			switch {
			case isAES && right:
				g.AESWrappingKey = s3c.NewKey(dec(v.WrappingKey))
			case isAES:
				g.AESWrappingKey = s3c.NewKey(make([]byte, 32))
			case right:
				g.RSAPrivateKey = s3c.NewRSAPrivateKey(priv)
			default:
				g.RSAPrivateKey = s3c.NewRSAPrivateKey(otherRSA)
			}
			return g
		}
		dir := t.TempDir()
		dst := filepath.Join(dir, "out")
		flag := map[bool]string{true: "--wrapping-key", false: "--rsa-key"}[isAES]
		for _, c := range []struct {
			what string
			get  *actions.Get
			says string
		}{
			{"without --legacy", withKey(&actions.Get{Bucket: "legacy", Key: vec.Name, File: dst}, true), "--legacy"},
			{"without its key", &actions.Get{Bucket: "legacy", Key: vec.Name, File: dst, Legacy: true}, flag},
			{"with another key", withKey(&actions.Get{Bucket: "legacy", Key: vec.Name, File: dst, Legacy: true}, false), "could not be unwrapped"},
		} {
			_, err, _ := collect(t, env, c.get)
			if err == nil || !strings.Contains(err.Error(), c.says) {
				t.Fatalf("%s %s: %v, want it to say %q", vec.Name, c.what, err, c.says)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Fatalf("%s %s: left %v", vec.Name, c.what, entries)
			}
		}
		res, err, _ := collect(t, env, withKey(&actions.Get{Bucket: "legacy", Key: vec.Name, File: dst, Legacy: true}, true))
		if err != nil {
			t.Fatalf("%s: %v", vec.Name, err)
		}
		if got, _ := os.ReadFile(dst); !bytes.Equal(got, want) {
			t.Fatalf("%s: plaintext differs", vec.Name)
		}
		cs := res.(actions.GetResult).ClientSide
		if cs == nil || cs.Unauthenticated != strings.HasPrefix(vec.Name, "v1") {
			t.Fatalf("%s: %+v", vec.Name, cs)
		}
	}
}
