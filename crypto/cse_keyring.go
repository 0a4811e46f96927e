package crypto

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1" //nolint:gosec // RSA-OAEP-SHA1 is the S3 Encryption Client's RSA keyring; SHA-1 is only OAEP's hash and MGF there
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"strconv"
)

// Raw keyrings: the data key is made locally and wrapped with a key that
// never leaves your machine, as the S3 Encryption Client's AES/GCM and
// RSA-OAEP-SHA1 keyrings do (S3EC Java AesKeyring, RsaKeyring). Each binds
// the wrapped key to the content algorithm, as kms+context does with
// aws:x-amz-cek-alg: AES/GCM through its additional data, RSA through a
// "pseudo data key" (key length ‖ key ‖ algorithm name). The name is
// AES/GCM/NoPadding for format V2 and 115 for V3.

// ErrUnwrap: a raw keyring could not open the wrapped data key.
var ErrUnwrap = errors.New("the wrapping key does not open this object's data key: another key wrapped it, " +
	"or the wrapped key (x-amz-key-v2 / x-amz-3) or its format was altered")

const aesWrapIV = 12

// WrapAESGCM wraps dataKey under a 32-byte AES wrapping key: a random
// 12-byte IV, then AES-GCM of the key with the content algorithm's name as
// additional data (60 bytes for a 32-byte data key).
func WrapAESGCM(wrapKey, dataKey *Key, format int) ([]byte, error) {
	return wrapAESGCM(rand.Reader, wrapKey, dataKey, format)
}

func wrapAESGCM(rnd io.Reader, wrapKey, dataKey *Key, format int) ([]byte, error) {
	g, alg, err := wrapGCM(wrapKey, format)
	if err != nil {
		return nil, err
	}
	out := make([]byte, aesWrapIV, aesWrapIV+dataKey.Len()+gcmTagSize)
	if _, err := io.ReadFull(rnd, out); err != nil {
		return nil, fmt.Errorf("wrap: iv: %w", err)
	}
	return g.Seal(out, out[:aesWrapIV], dataKey.Bytes(), []byte(alg)), nil
}

// UnwrapAESGCM opens a data key WrapAESGCM wrapped for format.
func UnwrapAESGCM(wrapKey *Key, wrapped []byte, format int) (*Key, error) {
	g, alg, err := wrapGCM(wrapKey, format)
	if err != nil {
		return nil, err
	}
	if len(wrapped) != aesWrapIV+dataKeySize+gcmTagSize {
		return nil, fmt.Errorf("%w (%d bytes, want %d)", ErrUnwrap, len(wrapped), aesWrapIV+dataKeySize+gcmTagSize)
	}
	pdk, err := g.Open(nil, wrapped[:aesWrapIV], wrapped[aesWrapIV:], []byte(alg))
	if err != nil {
		return nil, ErrUnwrap
	}
	k := NewKey(pdk)
	clear(pdk)
	return k, nil
}

func wrapGCM(wrapKey *Key, format int) (cipher.AEAD, string, error) {
	if wrapKey.Wiped() {
		return nil, "", ErrWipedKey
	}
	if wrapKey.Len() != dataKeySize {
		return nil, "", errKeyLen("AES wrapping key", wrapKey.Len(), dataKeySize)
	}
	alg, err := cekAlgFor(format)
	if err != nil {
		return nil, "", err
	}
	block, err := aes.NewCipher(wrapKey.Bytes())
	if err != nil {
		return nil, "", err
	}
	g, err := cipher.NewGCM(block)
	return g, alg, err
}

// WrapRSAOAEP wraps dataKey with RSA-OAEP (SHA-1, MGF1-SHA-1, no label)
// under pub; what is encrypted is len(key) ‖ key ‖ the content algorithm's
// name.
func WrapRSAOAEP(pub *rsa.PublicKey, dataKey *Key, format int) ([]byte, error) {
	alg, err := cekAlgFor(format)
	if err != nil {
		return nil, err
	}
	if dataKey.Wiped() {
		return nil, ErrWipedKey
	}
	pseudo := make([]byte, 0, 1+dataKey.Len()+len(alg))
	pseudo = append(append(append(pseudo, byte(dataKey.Len())), dataKey.Bytes()...), alg...)
	defer clear(pseudo)
	out, err := rsa.EncryptOAEP(sha1.New(), rand.Reader, pub, pseudo, nil) //nolint:gosec // G401: SHA-1 is OAEP's hash in the S3EC RSA-OAEP-SHA1 keyring, not a signature
	if err != nil {
		return nil, fmt.Errorf("wrap with RSA-OAEP: %w", err)
	}
	return out, nil
}

// UnwrapRSAOAEP opens a data key WrapRSAOAEP wrapped for format.
func UnwrapRSAOAEP(priv *rsa.PrivateKey, wrapped []byte, format int) (*Key, error) {
	alg, err := cekAlgFor(format)
	if err != nil {
		return nil, err
	}
	pseudo, err := rsa.DecryptOAEP(sha1.New(), nil, priv, wrapped, nil) //nolint:gosec // G401: SHA-1 is OAEP's hash in the S3EC RSA-OAEP-SHA1 keyring
	if err != nil {
		return nil, ErrUnwrap
	}
	defer clear(pseudo)
	if len(pseudo) != 1+dataKeySize+len(alg) || pseudo[0] != dataKeySize || string(pseudo[1+dataKeySize:]) != alg {
		return nil, fmt.Errorf("%w: the wrapped key is not bound to %s", ErrUnwrap, alg)
	}
	return NewKey(pseudo[1 : 1+dataKeySize]), nil
}

// ParseRSAKeyPEM reads an RSA key from PEM: a private key (PKCS #1 "RSA
// PRIVATE KEY" or PKCS #8 "PRIVATE KEY"), which gives both halves, or a
// public key (PKIX "PUBLIC KEY" or PKCS #1 "RSA PUBLIC KEY"), which can
// only wrap. Keys shorter than 2048 bits are refused.
func ParseRSAKeyPEM(data []byte) (*rsa.PrivateKey, *rsa.PublicKey, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, nil, errors.New("no PEM block: want an RSA key in PEM (openssl genrsa -out key.pem 3072)")
	}
	defer clear(block.Bytes) // the decoded DER of a private key; the parsed key holds its own copies
	var priv *rsa.PrivateKey
	var pub *rsa.PublicKey
	switch block.Type {
	case "RSA PRIVATE KEY":
		k, err := x509.ParsePKCS1PrivateKey(block.Bytes)
		if err != nil {
			return nil, nil, fmt.Errorf("RSA private key: %w", err)
		}
		priv = k
	case "PRIVATE KEY":
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, nil, fmt.Errorf("private key: %w", err)
		}
		var ok bool
		if priv, ok = k.(*rsa.PrivateKey); !ok {
			return nil, nil, fmt.Errorf("private key is %T, not RSA", k)
		}
	case "PUBLIC KEY":
		k, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return nil, nil, fmt.Errorf("public key: %w", err)
		}
		var ok bool
		if pub, ok = k.(*rsa.PublicKey); !ok {
			return nil, nil, fmt.Errorf("public key is %T, not RSA", k)
		}
	case "RSA PUBLIC KEY":
		k, err := x509.ParsePKCS1PublicKey(block.Bytes)
		if err != nil {
			return nil, nil, fmt.Errorf("RSA public key: %w", err)
		}
		pub = k
	default:
		return nil, nil, fmt.Errorf("PEM block %q is not an RSA key", block.Type)
	}
	if priv != nil {
		pub = &priv.PublicKey
	}
	if pub.N.BitLen() < 2048 {
		return nil, nil, fmt.Errorf("RSA key of %d bits: use 2048 bits or more", pub.N.BitLen())
	}
	return priv, pub, nil
}

// NewRawEnvelope prepares the envelope of an object whose data key a raw
// keyring wrapped (wrapAlg WrapAlgAESGCM or WrapAlgRSAOAEP). matDesc is
// the material description stored beside it (x-amz-matdesc / x-amz-m),
// which identifies the wrapping key to readers; it is not sent anywhere.
func NewRawEnvelope(format int, wrapAlg string, dataKey *Key, wrappedKey []byte, matDesc map[string]string, plaintextLen int64) (Envelope, error) {
	if wrapAlg != WrapAlgAESGCM && wrapAlg != WrapAlgRSAOAEP {
		return Envelope{}, fmt.Errorf("new envelope: %q is not a raw keyring", wrapAlg)
	}
	for _, k := range []string{ContextKeyCEKAlg, ContextKeyCMKID} {
		if _, ok := matDesc[k]; ok {
			return Envelope{}, fmt.Errorf("new envelope: material description key %s is reserved", k)
		}
	}
	ctx, err := KMSContext(nil, format) // validates the format; the envelope is built as for KMS, then re-labelled
	if err != nil {
		return Envelope{}, fmt.Errorf("new envelope: %w", err)
	}
	e, err := NewEnvelope(format, dataKey, wrappedKey, ctx, plaintextLen)
	if err != nil {
		return Envelope{}, err
	}
	e.WrapAlg = wrapAlg
	e.MatDesc = map[string]string{}
	for k, v := range matDesc {
		e.MatDesc[k] = v
	}
	return e, nil
}

// RSAPrivateKey holds an RSA private key for the RSA-OAEP keyring and, like
// Key, never shows it: every textual, JSON and slog form is redacted, so a
// struct that carries one can be printed or logged. Private gives the key
// to the code that unwraps with it.
type RSAPrivateKey struct {
	k *rsa.PrivateKey
}

// NewRSAPrivateKey wraps k (nil gives nil).
func NewRSAPrivateKey(k *rsa.PrivateKey) *RSAPrivateKey {
	if k == nil {
		return nil
	}
	return &RSAPrivateKey{k: k}
}

// Private returns the key itself, for UnwrapRSAOAEP.
func (r *RSAPrivateKey) Private() *rsa.PrivateKey {
	if r == nil {
		return nil
	}
	return r.k
}

func (r *RSAPrivateKey) redacted() string {
	if r == nil || r.k == nil {
		return "[RSA private key: nil]"
	}
	return "[RSA private key redacted: " + strconv.Itoa(r.k.N.BitLen()) + " bits]"
}

// String returns a redacted placeholder, never the key.
func (r *RSAPrivateKey) String() string { return r.redacted() }

// GoString returns a redacted placeholder for %#v.
func (r *RSAPrivateKey) GoString() string { return r.redacted() }

// Format prints the redacted placeholder for every verb.
func (r *RSAPrivateKey) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, r.redacted()) }

// LogValue implements slog.LogValuer with the redacted placeholder.
func (r *RSAPrivateKey) LogValue() slog.Value { return slog.StringValue(r.redacted()) }

// MarshalJSON encodes the key as the JSON string "[redacted]".
func (r *RSAPrivateKey) MarshalJSON() ([]byte, error) { return []byte(`"[redacted]"`), nil }

// MarshalText encodes the key as "[redacted]".
func (r *RSAPrivateKey) MarshalText() ([]byte, error) { return []byte("[redacted]"), nil }

// ReadRSAKeyFile reads a PEM RSA key file as ParseRSAKeyPEM does, wiping
// the file's bytes after parsing. A file that holds a private key and is
// readable by group or others still gives the key, with a non-nil
// *PermissionWarning (as ReadKeyFile; never on Windows, nor for a public
// key, which is no secret).
func ReadRSAKeyFile(path string) (*RSAPrivateKey, *rsa.PublicKey, *PermissionWarning, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("read RSA key file: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, nil, nil, fmt.Errorf("read RSA key file: %w", err)
	}
	if !st.Mode().IsRegular() {
		return nil, nil, nil, fmt.Errorf("read RSA key file: %s is not a regular file", path)
	}
	data, err := io.ReadAll(io.LimitReader(f, 1<<20))
	if err != nil {
		clear(data)
		return nil, nil, nil, fmt.Errorf("read RSA key file: %w", err)
	}
	priv, pub, err := ParseRSAKeyPEM(data)
	clear(data)
	if err != nil {
		return nil, nil, nil, err
	}
	var warn *PermissionWarning
	if priv != nil && runtime.GOOS != "windows" && st.Mode().Perm()&0o077 != 0 {
		warn = &PermissionWarning{Path: path, Mode: st.Mode()}
	}
	return NewRSAPrivateKey(priv), pub, warn, nil
}
