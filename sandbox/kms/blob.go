package kms

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
)

// Symmetric ciphertext blob layout; see the package documentation.
const (
	blobVersion   = 0x01
	blobIDLen     = 16
	blobMatLen    = 32
	blobNonceLen  = 12
	blobHeaderLen = 1 + blobIDLen + blobMatLen // bound into the AAD
	blobMinLen    = blobHeaderLen + blobNonceLen + 16
	blobLabel     = "s3crypt-kms-blob-v1\x00"
)

// blob is a parsed symmetric ciphertext blob.
type blob struct {
	keyID      string
	materialID string
	header     []byte
	nonce      []byte
	sealed     []byte
}

func parseBlob(b []byte) (blob, bool) {
	if len(b) < blobMinLen || b[0] != blobVersion {
		return blob{}, false
	}
	h := hex.EncodeToString(b[1 : 1+blobIDLen])
	return blob{
		keyID:      h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32],
		materialID: hex.EncodeToString(b[1+blobIDLen : blobHeaderLen]),
		header:     b[:blobHeaderLen],
		nonce:      b[blobHeaderLen : blobHeaderLen+blobNonceLen],
		sealed:     b[blobHeaderLen+blobNonceLen:],
	}, true
}

// sealBlob encrypts plaintext under material (32 bytes) for key keyID.
func sealBlob(material []byte, keyID, materialID string, ctx map[string]string, plaintext []byte) ([]byte, error) {
	id, err := hex.DecodeString(strings.ReplaceAll(keyID, "-", ""))
	if err != nil || len(id) != blobIDLen {
		return nil, fmt.Errorf("key id %s is not a UUID", keyID)
	}
	mat, err := hex.DecodeString(materialID)
	if err != nil || len(mat) != blobMatLen {
		return nil, fmt.Errorf("material id of %s is malformed", keyID)
	}
	aead, err := newGCM(material)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, blobHeaderLen+blobNonceLen+len(plaintext)+aead.Overhead())
	out = append(out, blobVersion)
	out = append(out, id...)
	out = append(out, mat...)
	nonce := make([]byte, blobNonceLen)
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("blob nonce: %w", err)
	}
	out = append(out, nonce...)
	return aead.Seal(out, nonce, plaintext, blobAAD(out[:blobHeaderLen], ctx)), nil
}

// openBlob decrypts b with material; false means the ciphertext, context or
// key does not match.
func openBlob(material []byte, b blob, ctx map[string]string) ([]byte, bool) {
	aead, err := newGCM(material)
	if err != nil {
		return nil, false
	}
	pt, err := aead.Open(nil, b.nonce, b.sealed, blobAAD(b.header, ctx))
	return pt, err == nil
}

func newGCM(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("material cipher: %w", err)
	}
	return cipher.NewGCM(block)
}

// blobAAD is label || header || canonical(ctx).
func blobAAD(header []byte, ctx map[string]string) []byte {
	aad := append([]byte(blobLabel), header...)
	return append(aad, canonicalContext(ctx)...)
}

// canonicalContext encodes an encryption context independent of map order:
// pairs sorted by key, each length-prefixed, so no two contexts collide.
func canonicalContext(ctx map[string]string) []byte {
	keys := make([]string, 0, len(ctx))
	for key := range ctx {
		keys = append(keys, key)
	}
	sort.Strings(keys)
	var out []byte
	for _, key := range keys {
		out = binary.AppendUvarint(out, uint64(len(key)))
		out = append(out, key...)
		out = binary.AppendUvarint(out, uint64(len(ctx[key])))
		out = append(out, ctx[key]...)
	}
	return out
}
