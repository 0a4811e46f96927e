package crypto

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"errors"
	"strconv"
	"testing"
)

// legacyCBC encrypts pt as the legacy suite does (AES-CBC, PKCS#5).
func legacyCBC(t *testing.T, key, iv, pt []byte) []byte {
	t.Helper()
	block, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	pad := 16 - len(pt)%16
	ct := append(bytes.Clone(pt), bytes.Repeat([]byte{byte(pad)}, pad)...)
	cipher.NewCBCEncrypter(block, iv).CryptBlocks(ct, ct)
	return ct
}

// TestLegacyV1CBC reads a V1 (x-amz-key, kms, CBC) envelope only through
// ParseEnvelopeLegacy and decrypts its content at several sizes; a bad
// padding and a wrong length are refused.
func TestLegacyV1CBC(t *testing.T) {
	key, iv := a4PDK(), bytes.Repeat([]byte{9}, 16)
	for _, size := range []int{0, 1, 15, 16, 17, 100000} {
		pt := bytes.Repeat([]byte{'p'}, size)
		ct := legacyCBC(t, key.Bytes(), iv, pt)
		meta := map[string]string{"x-amz-meta-x-amz-key": base64.StdEncoding.EncodeToString([]byte("blob")),
			"x-amz-meta-x-amz-iv": base64.StdEncoding.EncodeToString(iv), "x-amz-meta-x-amz-matdesc": `{"kms_cmk_id":"k"}`,
			"x-amz-meta-x-amz-wrap-alg": "kms", "x-amz-meta-x-amz-unencrypted-content-length": strconv.Itoa(size)}
		if _, err := ParseEnvelope(meta); !errors.Is(err, ErrV1NotSupported) {
			t.Fatalf("V1 without legacy: %v", err)
		}
		e, err := ParseEnvelopeLegacy(meta)
		if err != nil || e.Format != 1 || e.CEKAlg != CEKAlgAESCBC || e.WrapAlg != WrapAlgKMSLegacy || e.MatDesc["kms_cmk_id"] != "k" {
			t.Fatalf("legacy parse: %+v %v", e, err)
		}
		var out bytes.Buffer
		if n, err := DecryptTo(&out, bytes.NewReader(ct), key, e); err != nil || n != int64(size) || !bytes.Equal(out.Bytes(), pt) {
			t.Fatalf("size %d: %d, %v", size, n, err)
		}
		bad := bytes.Clone(ct)
		bad[len(bad)-1] ^= 0x40 // the last block decrypts to garbage padding
		if _, err := DecryptTo(&bytes.Buffer{}, bytes.NewReader(bad), key, e); !errors.Is(err, ErrBadPadding) && !errors.Is(err, ErrLengthMismatch) {
			t.Fatalf("size %d altered: %v", size, err)
		}
		if _, err := DecryptTo(&bytes.Buffer{}, bytes.NewReader(ct[:len(ct)-1]), key, e); !errors.Is(err, ErrBadPadding) {
			t.Fatalf("size %d truncated: %v", size, err)
		}
	}
	// A V2 envelope with CBC content is legacy too.
	v2 := a4Envelope(t, FormatV2, 11).Metadata()
	v2["x-amz-cek-alg"] = CEKAlgAESCBC
	v2["x-amz-iv"] = base64.StdEncoding.EncodeToString(iv)
	if _, err := ParseEnvelope(v2); !errors.Is(err, ErrBadEnvelope) {
		t.Fatalf("V2 CBC without legacy: %v", err)
	}
	if e, err := ParseEnvelopeLegacy(v2); err != nil || e.CEKAlg != CEKAlgAESCBC || len(e.IV) != 16 {
		t.Fatalf("V2 CBC legacy: %+v %v", e, err)
	}
}
