package crypto

import (
	stdcrypto "crypto"
	"crypto/aes"
	"crypto/rsa"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"fmt"
)

// Legacy raw keyrings: how the first S3 Encryption Clients (AWS SDK for
// Java 1.x AmazonS3EncryptionClient, .NET and Ruby v1) wrapped a data key
// under a key of your own. S3 Encryption Clients today read them only with
// legacy wrapping algorithms enabled (Java v3/v4 AesKeyring and RsaKeyring
// "legacy" strategies); none of them binds the wrapped key to the content
// algorithm, and format V1 content is unauthenticated AES-CBC. s3crypt
// reads them with --legacy and never writes them.
//
//   - Format V1 (x-amz-key, no x-amz-wrap-alg: the v1 clients'
//     EncryptionOnly mode): the data key encrypted with AES/ECB/PKCS5Padding
//     under the AES key ("AES", 48 bytes for a 32-byte data key) or with
//     RSA/ECB/PKCS1Padding under the RSA key ("RSA"). The object does not
//     say which; as S3EC Java does, a wrapped key longer than 48 bytes is
//     RSA, anything else AES.
//   - Format V2 metadata (x-amz-key-v2) with x-amz-wrap-alg AESWrap (RFC
//     3394 key wrap) or RSA/ECB/OAEPWithSHA-256AndMGF1Padding (the v1
//     clients' AuthenticatedEncryption mode, AES-GCM content).
//
// RFC 3394 unwrap is written here by hand: neither the standard library
// nor golang.org/x/crypto has AES key wrap, it is a dozen lines over
// crypto/aes, and only unwrapping (of 40-byte keys) is needed; it is
// checked against RFC 3394's own test vectors.

// Legacy wrapping algorithm names (x-amz-wrap-alg; "AES" and "RSA" are
// what S3EC Java names V1's implicit ones).
const (
	WrapAlgAESLegacy       = "AES"                                   // V1: AES/ECB/PKCS5Padding
	WrapAlgRSALegacy       = "RSA"                                   // V1: RSA/ECB/PKCS1Padding
	WrapAlgAESWrap         = "AESWrap"                               // RFC 3394
	WrapAlgRSAOAEPSHA256V1 = "RSA/ECB/OAEPWithSHA-256AndMGF1Padding" // OAEP with SHA-256
)

// v1AESWrappedMax is the longest V1 key S3EC Java takes for AES-wrapped: a
// 32-byte data key plus a block of PKCS#5 padding.
const v1AESWrappedMax = 48

// IsLegacyRawWrap reports whether alg is one of the legacy raw keyrings'.
func IsLegacyRawWrap(alg string) bool {
	switch alg {
	case WrapAlgAESLegacy, WrapAlgRSALegacy, WrapAlgAESWrap, WrapAlgRSAOAEPSHA256V1:
		return true
	}
	return false
}

// IsAESWrap reports whether alg wraps the data key with an AES key of your
// own (current or legacy); otherwise a raw keyring's alg is RSA.
func IsAESWrap(alg string) bool {
	return alg == WrapAlgAESGCM || alg == WrapAlgAESLegacy || alg == WrapAlgAESWrap
}

// v1WrapAlg is the implicit wrapping of a V1 object, as S3EC Java infers it.
func v1WrapAlg(wrapped []byte) string {
	if len(wrapped) > v1AESWrappedMax {
		return WrapAlgRSALegacy
	}
	return WrapAlgAESLegacy
}

// UnwrapLegacyAES opens a data key a legacy AES keyring wrapped (alg
// WrapAlgAESLegacy or WrapAlgAESWrap) under a 32-byte key.
func UnwrapLegacyAES(wrapKey *Key, wrapped []byte, alg string) (*Key, error) {
	if wrapKey.Wiped() {
		return nil, ErrWipedKey
	}
	if wrapKey.Len() != dataKeySize {
		return nil, errKeyLen("AES wrapping key", wrapKey.Len(), dataKeySize)
	}
	block, err := aes.NewCipher(wrapKey.Bytes())
	if err != nil {
		return nil, err
	}
	switch alg {
	case WrapAlgAESLegacy:
		if len(wrapped) != v1AESWrappedMax {
			return nil, fmt.Errorf("%w (%d bytes of AES/ECB, want %d)", ErrUnwrap, len(wrapped), v1AESWrappedMax)
		}
		pt := make([]byte, len(wrapped))
		defer clear(pt)
		for i := 0; i < len(wrapped); i += aes.BlockSize {
			block.Decrypt(pt[i:i+aes.BlockSize], wrapped[i:i+aes.BlockSize])
		}
		// A 32-byte key is followed by a whole block of padding 0x10.
		good := 1
		for _, b := range pt[dataKeySize:] {
			good &= subtle.ConstantTimeByteEq(b, aes.BlockSize)
		}
		if good != 1 {
			return nil, ErrUnwrap
		}
		return NewKey(pt[:dataKeySize]), nil
	case WrapAlgAESWrap:
		pt, err := unwrapRFC3394(block, wrapped)
		if err != nil {
			return nil, err
		}
		defer clear(pt)
		return NewKey(pt), nil
	}
	return nil, fmt.Errorf("unwrap: %q is not a legacy AES wrapping", alg)
}

// rfc3394IV is RFC 3394's default initial value.
const rfc3394IV = 0xA6A6A6A6A6A6A6A6

// unwrapRFC3394 is RFC 3394 §2.2.2 (index form) for a 32-byte key.
func unwrapRFC3394(block interface{ Decrypt(dst, src []byte) }, wrapped []byte) ([]byte, error) {
	if len(wrapped) != dataKeySize+8 {
		return nil, fmt.Errorf("%w (%d bytes of AESWrap, want %d)", ErrUnwrap, len(wrapped), dataKeySize+8)
	}
	n := dataKeySize / 8
	a := binary.BigEndian.Uint64(wrapped[:8])
	r := make([]byte, dataKeySize)
	copy(r, wrapped[8:])
	var b [16]byte
	defer clear(b[:])
	for j := 5; j >= 0; j-- {
		for i := n; i >= 1; i-- {
			binary.BigEndian.PutUint64(b[:8], a^uint64(n*j+i))
			copy(b[8:], r[(i-1)*8:i*8])
			block.Decrypt(b[:], b[:])
			a = binary.BigEndian.Uint64(b[:8])
			copy(r[(i-1)*8:i*8], b[8:])
		}
	}
	var iv, want [8]byte
	binary.BigEndian.PutUint64(iv[:], a)
	binary.BigEndian.PutUint64(want[:], rfc3394IV)
	if subtle.ConstantTimeCompare(iv[:], want[:]) != 1 {
		clear(r)
		return nil, ErrUnwrap
	}
	return r, nil
}

// UnwrapLegacyRSA opens a data key a legacy RSA keyring wrapped (alg
// WrapAlgRSALegacy, PKCS #1 v1.5, or WrapAlgRSAOAEPSHA256V1: OAEP with
// SHA-256, and MGF1 with SHA-1 as Java's default provider does it, or with
// SHA-256 as Bouncy Castle does).
func UnwrapLegacyRSA(priv *rsa.PrivateKey, wrapped []byte, alg string) (*Key, error) {
	if priv == nil {
		return nil, errors.New("unwrap: no RSA private key")
	}
	var pt []byte
	var err error
	switch alg {
	case WrapAlgRSALegacy:
		// Deprecated for its padding oracle: here it only opens, on your own
		// machine and when asked (--legacy), a key you wrapped yourself.
		pt, err = rsa.DecryptPKCS1v15(nil, priv, wrapped) //nolint:staticcheck // SA1019: legacy V1 RSA/ECB/PKCS1Padding, read-only behind --legacy
	case WrapAlgRSAOAEPSHA256V1:
		pt, err = priv.Decrypt(nil, wrapped, &rsa.OAEPOptions{Hash: stdcrypto.SHA256, MGFHash: stdcrypto.SHA1})
		if err != nil {
			pt, err = priv.Decrypt(nil, wrapped, &rsa.OAEPOptions{Hash: stdcrypto.SHA256})
		}
	default:
		return nil, fmt.Errorf("unwrap: %q is not a legacy RSA wrapping", alg)
	}
	if err != nil {
		return nil, ErrUnwrap
	}
	defer clear(pt)
	if len(pt) != dataKeySize {
		return nil, fmt.Errorf("%w: it opened to %d bytes, not a 32-byte AES-256 key", ErrUnwrap, len(pt))
	}
	return NewKey(pt), nil
}
