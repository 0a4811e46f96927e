package kms

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"fmt"
	"hash"

	bolt "go.etcd.io/bbolt"

	"github.com/s3crypt/s3crypt/keyflow"
)

// cryptoOut is what the cryptographic operations produce. keyARN is set as
// soon as the key is known, so failures can be traced against it.
type cryptoOut struct {
	blob       []byte
	plaintext  []byte
	keyARN     string
	alg        string
	materialID string
}

func errDryRun() *Error {
	// UNVERIFIED wording; DryRunOperationException is HTTP 412 in the model.
	return &Error{Type: TypeDryRun, Message: "The request would have succeeded, but the DryRun option is set.", Status: 412}
}

func oaepHash(alg string) hash.Hash {
	if alg == algOAEPSHA1 {
		return sha1.New()
	}
	return sha256.New()
}

// encryptWith encrypts plaintext under r's current material (symmetric) or
// public key (RSA-OAEP), enforcing the algorithm and size rules of §5.9.
func (k *KMS) encryptWith(r *keyRecord, plaintext []byte, ctx map[string]string, alg string) (cryptoOut, error) {
	out := cryptoOut{keyARN: k.keyARN(r.ID), alg: alg}
	if r.symmetric() {
		if alg != "" && alg != algSymmetric {
			return out, errAlgIncompatible(alg, r.Spec)
		}
		mat, ok := k.material(r, r.Current)
		if !ok {
			return out, errInternal("encrypt", fmt.Errorf("current material of %s cannot be unsealed", r.ID))
		}
		defer clear(mat)
		b, err := sealBlob(mat, r.ID, r.Current, ctx, plaintext)
		if err != nil {
			return out, errInternal("encrypt", err)
		}
		out.blob, out.alg, out.materialID = b, algSymmetric, r.Current
		return out, nil
	}
	if alg != algOAEPSHA1 && alg != algOAEPSHA256 {
		if alg == "" {
			alg = algSymmetric
		}
		return out, errAlgIncompatible(alg, r.Spec)
	}
	h := oaepHash(alg)
	if limit := rsaBits[r.Spec]/8 - 2*h.Size() - 2; len(plaintext) > limit {
		return out, newErr(TypeValidation, fmt.Sprintf(
			"Algorithm %s and key spec %s cannot encrypt data larger than %d bytes.", alg, r.Spec, limit))
	}
	pub, err := x509.ParsePKIXPublicKey(r.PublicKey)
	rsaPub, ok := pub.(*rsa.PublicKey)
	if err != nil || !ok {
		return out, errInternal("encrypt", fmt.Errorf("public key of %s is unreadable", r.ID))
	}
	ct, err := rsa.EncryptOAEP(h, rand.Reader, rsaPub, plaintext, nil)
	if err != nil {
		return out, errInternal("encrypt", err)
	}
	out.blob = ct
	return out, nil
}

// decryptWith reverses encryptWith. Every mismatch of key, material,
// context or bytes is InvalidCiphertextException with an empty message.
func (k *KMS) decryptWith(r *keyRecord, ciphertext []byte, ctx map[string]string, alg string) (cryptoOut, error) {
	out := cryptoOut{keyARN: k.keyARN(r.ID), alg: alg}
	if r.symmetric() {
		if alg != "" && alg != algSymmetric {
			return out, errAlgIncompatible(alg, r.Spec)
		}
		b, ok := parseBlob(ciphertext)
		if !ok {
			return out, errInvalidCiphertext()
		}
		if b.keyID != r.ID {
			return out, errIncorrectKey()
		}
		mat, ok := k.material(r, b.materialID)
		if !ok {
			return out, errInvalidCiphertext()
		}
		defer clear(mat)
		pt, ok := openBlob(mat, b, ctx)
		if !ok {
			return out, errInvalidCiphertext()
		}
		out.plaintext, out.alg, out.materialID = pt, algSymmetric, b.materialID
		return out, nil
	}
	if alg != algOAEPSHA1 && alg != algOAEPSHA256 {
		if alg == "" {
			alg = algSymmetric
		}
		return out, errAlgIncompatible(alg, r.Spec)
	}
	der, ok := k.material(r, r.Current)
	if !ok {
		return out, errInternal("decrypt", fmt.Errorf("private key of %s cannot be unsealed", r.ID))
	}
	priv, err := x509.ParsePKCS8PrivateKey(der)
	clear(der)
	rsaPriv, ok := priv.(*rsa.PrivateKey)
	if err != nil || !ok {
		return out, errInternal("decrypt", fmt.Errorf("private key of %s is unreadable", r.ID))
	}
	pt, err := rsa.DecryptOAEP(oaepHash(alg), nil, rsaPriv, ciphertext, nil)
	if err != nil {
		return out, errInvalidCiphertext()
	}
	out.plaintext = pt
	return out, nil
}

// Encrypt encrypts up to 4096 bytes under a symmetric key, or up to the
// RSA-OAEP limit under an RSA key (alg RSAES_OAEP_SHA_1 or _256 required).
func (k *KMS) Encrypt(c Call, keyID string, plaintext []byte, encCtx map[string]string, alg string) (blob []byte, keyARN string, err error) {
	out, err := k.encrypt(c, keyID, plaintext, encCtx, alg, false)
	return out.blob, out.keyARN, err
}

func (k *KMS) encrypt(c Call, keyID string, plaintext []byte, ctx map[string]string, alg string, dryRun bool) (cryptoOut, error) {
	out, err := k.doEncrypt(c, keyID, plaintext, ctx, alg, dryRun)
	k.publish(c, keyflow.OpEncrypt, out.keyARN, ctx, len(plaintext), fmt.Sprintf(
		"KMS encrypted %d bytes of plaintext under %s with %s", len(plaintext), keyName(keyID, out.keyARN), out.alg), err)
	return out, err
}

func (k *KMS) doEncrypt(c Call, keyID string, plaintext []byte, ctx map[string]string, alg string, dryRun bool) (cryptoOut, error) {
	var out cryptoOut
	switch {
	case len(plaintext) == 0:
		return out, errBlobLen("plaintext", false, 1)
	case len(plaintext) > 4096:
		return out, errBlobLen("plaintext", true, 4096)
	}
	if err := checkAlgorithm("encryptionAlgorithm", alg); err != nil {
		return out, err
	}
	if err := checkContext(ctx); err != nil {
		return out, err
	}
	if err := checkKeyID("keyId", keyID); err != nil {
		return out, err
	}
	r, err := k.usableKey(c, keyID, "Encrypt")
	if r != nil {
		out.keyARN = k.keyARN(r.ID)
	}
	if err != nil {
		return out, err
	}
	if err := k.checkEncryptUsage(r, "Encrypt"); err != nil {
		return out, err
	}
	if dryRun {
		return out, errDryRun()
	}
	return k.encryptWith(r, plaintext, ctx, alg)
}

// usableKey resolves id for a cryptographic action: the key must exist, the
// policy must allow the caller, and the key must be Enabled. The record is
// returned whenever it was found.
func (k *KMS) usableKey(c Call, id, action string) (*keyRecord, error) {
	if err := k.prepare(c, id); err != nil {
		return nil, err
	}
	r, err := k.lookup(id)
	if err != nil {
		return nil, err
	}
	if err := k.checkCryptoPolicy(c, r, action); err != nil {
		return r, err
	}
	return r, k.checkUsable(r)
}

// Decrypt decrypts a ciphertext. keyID may be empty for symmetric
// ciphertext (the blob names its key) and is required for RSA ciphertext,
// together with alg.
func (k *KMS) Decrypt(c Call, blob []byte, encCtx map[string]string, keyID, alg string) (plaintext []byte, keyARN string, err error) {
	out, err := k.decrypt(c, blob, encCtx, keyID, alg, false)
	return out.plaintext, out.keyARN, err
}

func (k *KMS) decrypt(c Call, blob []byte, ctx map[string]string, keyID, alg string, dryRun bool) (cryptoOut, error) {
	out, err := k.doDecrypt(c, blob, ctx, keyID, alg, dryRun)
	k.publish(c, keyflow.OpDecrypt, out.keyARN, ctx, len(out.plaintext), fmt.Sprintf(
		"KMS decrypted a %d-byte ciphertext with %s and returned %d bytes of plaintext",
		len(blob), keyName(keyID, out.keyARN), len(out.plaintext)), err)
	return out, err
}

func (k *KMS) doDecrypt(c Call, blob []byte, ctx map[string]string, keyID, alg string, dryRun bool) (cryptoOut, error) {
	var out cryptoOut
	if err := checkCiphertext(blob, alg, "encryptionAlgorithm"); err != nil {
		return out, err
	}
	if err := checkContext(ctx); err != nil {
		return out, err
	}
	r, err := k.sourceKey(c, blob, keyID, "Decrypt")
	if r != nil {
		out.keyARN = k.keyARN(r.ID)
	}
	if err != nil {
		return out, err
	}
	if err := k.checkUsable(r); err != nil {
		return out, err
	}
	if err := k.checkEncryptUsage(r, "Decrypt"); err != nil {
		return out, err
	}
	if dryRun {
		return out, errDryRun()
	}
	return k.decryptWith(r, blob, ctx, alg)
}

func checkCiphertext(blob []byte, alg, algField string) error {
	switch {
	case len(blob) == 0:
		return errBlobLen("ciphertextBlob", false, 1)
	case len(blob) > 6144:
		return errBlobLen("ciphertextBlob", true, 6144)
	}
	return checkAlgorithm(algField, alg)
}

// sourceKey finds the key that can decrypt blob: the one keyID names, or
// else the one the symmetric blob names. It applies the crypto policy but
// not the key state (ReEncrypt's source may be pending deletion).
func (k *KMS) sourceKey(c Call, blob []byte, keyID, action string) (*keyRecord, error) {
	if keyID != "" {
		if err := k.prepare(c, keyID); err != nil {
			return nil, err
		}
	} else if err := k.sweep(); err != nil {
		return nil, err
	}
	var r *keyRecord
	err := k.view("resolve key", func(tx *bolt.Tx) error {
		var err error
		if keyID != "" {
			r, err = k.resolve(tx, keyID)
			return err
		}
		b, ok := parseBlob(blob)
		if !ok {
			return errInvalidCiphertext()
		}
		if r, err = getKey(tx, b.keyID); err == nil && r == nil {
			err = errKeyNotExist(k.keyARN(b.keyID))
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return r, k.checkCryptoPolicy(c, r, action)
}
