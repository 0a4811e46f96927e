package kms

import (
	"bytes"
	"encoding/hex"
	"testing"
)

// FuzzCiphertextBlob parses and opens mutations of a real ciphertext blob
// under a real encryption context. Parsing never panics; a blob opens only
// when it and the context are exactly what was sealed (authenticated
// encryption: no mutated ciphertext, header or context yields plaintext).
func FuzzCiphertextBlob(f *testing.F) {
	material := bytes.Repeat([]byte{0x42}, 32)
	const keyID = "1234abcd-12ab-34cd-56ef-1234567890ab"
	matID := "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
	ctx := map[string]string{"aws:s3:arn": "arn:aws:s3:::bucket/key"}
	plaintext := []byte("a 32-byte data key for SSE-KMS!!")
	// sealBlob draws a random nonce, and every fuzz worker runs this
	// function: the seed blob is fixed, sealed once by sealBlob.
	sealed, _ := hex.DecodeString(sealedSeed)
	if fresh, err := sealBlob(material, keyID, matID, ctx, plaintext); err != nil || bytes.Equal(fresh, sealed) {
		f.Fatalf("sealBlob: %v (or a repeated nonce)", err)
	}
	if b, ok := parseBlob(sealed); !ok || b.keyID != keyID || b.materialID != matID {
		f.Fatal("seed blob does not parse")
	}
	if pt, ok := openBlob(material, mustParse(sealed), ctx); !ok || !bytes.Equal(pt, plaintext) {
		f.Fatal("seed blob does not open")
	}
	f.Add(sealed, "aws:s3:arn", "arn:aws:s3:::bucket/key")
	f.Add(sealed, "aws:s3:arn", "arn:aws:s3:::bucket/key2")
	f.Add(sealed[:blobMinLen], "", "")
	f.Add(append([]byte{0x02}, sealed[1:]...), "aws:s3:arn", "arn:aws:s3:::bucket/key")
	f.Fuzz(func(t *testing.T, b []byte, k, v string) {
		parsed, ok := parseBlob(b)
		if !ok {
			return
		}
		if !bytes.Equal(parsed.header, b[:blobHeaderLen]) || len(parsed.keyID) != 36 {
			t.Fatalf("parsed %q", parsed.keyID)
		}
		c := map[string]string{}
		if k != "" || v != "" {
			c[k] = v
		}
		pt, ok := openBlob(material, parsed, c)
		if !ok {
			return
		}
		if !bytes.Equal(b, sealed) || len(c) != 1 || c["aws:s3:arn"] != ctx["aws:s3:arn"] {
			t.Fatalf("mutated blob %x with context %q opened", b, c)
		}
		if !bytes.Equal(pt, plaintext) {
			t.Fatalf("opened to %q", pt)
		}
	})
}

// sealedSeed is sealBlob(0x42×32, keyID, matID, ctx, plaintext) of
// FuzzCiphertextBlob.
const sealedSeed = "011234abcd12ab34cd56ef1234567890ab00112233445566778899aabbccddeeff00112233445566778899aabbccddeefffaa675cdc2504fd9b2bf23f57b80669cbf14e57d377391f96a488f311c95009d0495c8707a80ee4bf03167bb5f392a860fc0474d129227f2bdb3948b"

func mustParse(b []byte) blob {
	p, _ := parseBlob(b)
	return p
}

// FuzzCanonicalContext checks that the encoding bound into a blob's AAD
// is injective: two contexts encode alike only when they are equal.
func FuzzCanonicalContext(f *testing.F) {
	f.Add("aws:s3:arn", "arn:aws:s3:::b/k", "", "", "aws:s3:arn", "arn:aws:s3:::b/k", "", "")
	f.Add("a", "bc", "", "", "ab", "c", "", "")
	f.Add("a", "b", "c", "d", "a", "b\x01c\x01d", "", "")
	f.Fuzz(func(t *testing.T, k1, v1, k2, v2, k3, v3, k4, v4 string) {
		m1 := map[string]string{k1: v1}
		if k2 != "" {
			m1[k2] = v2
		}
		m2 := map[string]string{k3: v3}
		if k4 != "" {
			m2[k4] = v4
		}
		same := len(m1) == len(m2)
		for k, v := range m1 {
			if w, ok := m2[k]; !ok || w != v {
				same = false
			}
		}
		if got := bytes.Equal(canonicalContext(m1), canonicalContext(m2)); got != same {
			t.Fatalf("%q and %q: equal encodings %v, equal maps %v", m1, m2, got, same)
		}
	})
}
