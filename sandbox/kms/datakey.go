package kms

import (
	"crypto/rand"
	"fmt"

	"github.com/s3crypt/s3crypt/keyflow"
)

// Trace operations this package adds to the ones package trace names.
const (
	opReEncrypt          = keyflow.OpReEncrypt
	opDescribeKey        = keyflow.Op("DescribeKey")
	opGenerateRandom     = keyflow.Op("GenerateRandom")
	opEnableKeyRotation  = keyflow.Op("EnableKeyRotation")
	opDisableKeyRotation = keyflow.Op("DisableKeyRotation")
	opRotateKeyOnDemand  = keyflow.Op("RotateKeyOnDemand")
)

// dataKeyReq is a GenerateDataKey(WithoutPlaintext) request.
type dataKeyReq struct {
	keyID     string
	spec      string // AES_256 | AES_128 | ""
	nbytes    *int
	ctx       map[string]string
	dryRun    bool
	plaintext bool // false for GenerateDataKeyWithoutPlaintext
}

// GenerateDataKey returns a fresh data key in plaintext and encrypted under
// a symmetric KMS key. Give exactly one of spec (AES_256, AES_128) or
// numberOfBytes (1–1024; 0 means absent). The caller should clear plaintext.
func (k *KMS) GenerateDataKey(c Call, keyID string, spec string, numberOfBytes int, encCtx map[string]string) (plaintext, blob []byte, keyARN string, err error) {
	out, err := k.generateDataKey(c, dataKeyReq{keyID: keyID, spec: spec, nbytes: optInt(numberOfBytes), ctx: encCtx, plaintext: true})
	return out.plaintext, out.blob, out.keyARN, err
}

// GenerateDataKeyWithoutPlaintext is GenerateDataKey without the plaintext:
// KMS wipes it before answering.
func (k *KMS) GenerateDataKeyWithoutPlaintext(c Call, keyID string, spec string, numberOfBytes int, encCtx map[string]string) (blob []byte, keyARN string, err error) {
	out, err := k.generateDataKey(c, dataKeyReq{keyID: keyID, spec: spec, nbytes: optInt(numberOfBytes), ctx: encCtx})
	return out.blob, out.keyARN, err
}

func optInt(n int) *int {
	if n == 0 {
		return nil
	}
	return &n
}

func (k *KMS) generateDataKey(c Call, req dataKeyReq) (cryptoOut, error) {
	op, how := keyflow.OpGenerateDataKeyWithoutPlaintext, "only encrypted under the KMS key, wiping the plaintext"
	if req.plaintext {
		op, how = keyflow.OpGenerateDataKey, "in plaintext and encrypted under the KMS key"
	}
	out, n, err := k.doGenerateDataKey(c, req, string(op))
	k.publish(c, op, out.keyARN, req.ctx, n, fmt.Sprintf("KMS generated a %d-bit data key under %s and returned it %s",
		n*8, keyName(req.keyID, out.keyARN), how), err)
	return out, err
}

func (k *KMS) doGenerateDataKey(c Call, req dataKeyReq, action string) (cryptoOut, int, error) {
	var out cryptoOut
	if req.nbytes != nil {
		if err := checkRange("numberOfBytes", *req.nbytes, 1, 1024); err != nil {
			return out, 0, err
		}
	}
	if req.spec != "" && !inSet(req.spec, dataKeySpecs) {
		return out, 0, errEnum("keySpec", req.spec, dataKeySpecs)
	}
	if (req.spec == "") == (req.nbytes == nil) {
		// UNVERIFIED wording (moto's); the model says "either … but not both".
		return out, 0, newErr(TypeValidation, "Please specify either number of bytes or key spec.")
	}
	if err := checkContext(req.ctx); err != nil {
		return out, 0, err
	}
	if err := checkKeyID("keyId", req.keyID); err != nil {
		return out, 0, err
	}
	r, err := k.usableKey(c, req.keyID, action)
	if r != nil {
		out.keyARN = k.keyARN(r.ID)
	}
	if err != nil {
		return out, 0, err
	}
	if err := k.checkEncryptUsage(r, action); err != nil {
		return out, 0, err
	}
	if !r.symmetric() {
		// UNVERIFIED text for GenerateDataKey with an RSA key (§5.8).
		return out, 0, errAlgIncompatible(algSymmetric, r.Spec)
	}
	if req.dryRun {
		return out, 0, errDryRun()
	}
	n := 32
	switch {
	case req.nbytes != nil:
		n = *req.nbytes
	case req.spec == "AES_128":
		n = 16
	}
	pt := make([]byte, n)
	if _, err := rand.Read(pt); err != nil {
		return out, 0, errInternal("generate data key", err)
	}
	res, err := k.encryptWith(r, pt, req.ctx, algSymmetric)
	if err != nil || !req.plaintext {
		clear(pt)
		pt = nil
	}
	res.plaintext = pt
	return res, n, err
}

// ReEncryptInput is a ReEncrypt request.
type ReEncryptInput struct {
	CiphertextBlob                 []byte
	SourceEncryptionContext        map[string]string
	SourceKeyID                    string // required for RSA ciphertext
	SourceEncryptionAlgorithm      string
	DestinationKeyID               string
	DestinationEncryptionContext   map[string]string
	DestinationEncryptionAlgorithm string
	DryRun                         bool
}

// ReEncryptOutput is a ReEncrypt result.
type ReEncryptOutput struct {
	CiphertextBlob                 []byte
	SourceKeyARN                   string
	KeyARN                         string // the destination key
	SourceEncryptionAlgorithm      string
	DestinationEncryptionAlgorithm string
	SourceKeyMaterialID            string
	DestinationKeyMaterialID       string
}

// ReEncrypt decrypts a ciphertext and encrypts the plaintext under another
// key (or the same key's current material) without the plaintext leaving KMS.
func (k *KMS) ReEncrypt(c Call, in ReEncryptInput) (ReEncryptOutput, error) {
	out, err := k.doReEncrypt(c, in)
	k.publish(c, opReEncrypt, out.KeyARN, in.DestinationEncryptionContext, 0, fmt.Sprintf(
		"KMS decrypted the ciphertext with %s and re-encrypted it under %s; the plaintext never left KMS",
		keyName(in.SourceKeyID, out.SourceKeyARN), keyName(in.DestinationKeyID, out.KeyARN)), err)
	return out, err
}

func (k *KMS) doReEncrypt(c Call, in ReEncryptInput) (ReEncryptOutput, error) {
	var out ReEncryptOutput
	if err := checkCiphertext(in.CiphertextBlob, in.SourceEncryptionAlgorithm, "sourceEncryptionAlgorithm"); err != nil {
		return out, err
	}
	if err := checkAlgorithm("destinationEncryptionAlgorithm", in.DestinationEncryptionAlgorithm); err != nil {
		return out, err
	}
	if err := checkKeyID("destinationKeyId", in.DestinationKeyID); err != nil {
		return out, err
	}
	if err := checkContext(in.SourceEncryptionContext); err != nil {
		return out, err
	}
	if err := checkContext(in.DestinationEncryptionContext); err != nil {
		return out, err
	}
	src, err := k.sourceKey(c, in.CiphertextBlob, in.SourceKeyID, "ReEncryptFrom")
	if src != nil {
		out.SourceKeyARN = k.keyARN(src.ID)
	}
	if err != nil {
		return out, err
	}
	if src.State == stateDisabled {
		// A source pending deletion still works (key-state table, note 10).
		return out, errDisabled(out.SourceKeyARN)
	}
	if err := k.checkEncryptUsage(src, "ReEncrypt"); err != nil {
		return out, err
	}
	dst, err := k.usableKey(c, in.DestinationKeyID, "ReEncryptTo")
	if dst != nil {
		out.KeyARN = k.keyARN(dst.ID)
	}
	if err != nil {
		return out, err
	}
	if err := k.checkEncryptUsage(dst, "ReEncrypt"); err != nil {
		return out, err
	}
	if in.DryRun {
		return out, errDryRun()
	}
	plain, err := k.decryptWith(src, in.CiphertextBlob, in.SourceEncryptionContext, in.SourceEncryptionAlgorithm)
	if err != nil {
		return out, err
	}
	defer clear(plain.plaintext)
	enc, err := k.encryptWith(dst, plain.plaintext, in.DestinationEncryptionContext, in.DestinationEncryptionAlgorithm)
	if err != nil {
		return out, err
	}
	out.CiphertextBlob, out.SourceEncryptionAlgorithm, out.DestinationEncryptionAlgorithm = enc.blob, plain.alg, enc.alg
	out.SourceKeyMaterialID, out.DestinationKeyMaterialID = plain.materialID, enc.materialID
	return out, nil
}

// PublicKey is the result of GetPublicKey.
type PublicKey struct {
	KeyARN    string
	PublicKey []byte // DER SubjectPublicKeyInfo
	KeySpec   string
	KeyUsage  string
	// Only the list matching KeyUsage is set, as GetPublicKey returns it.
	EncryptionAlgorithms    []string
	SigningAlgorithms       []string
	KeyAgreementAlgorithms  []string
	EncapsulationAlgorithms []string
}

// GetPublicKey returns an asymmetric key's public key (DER
// SubjectPublicKeyInfo). Symmetric and HMAC keys have none.
func (k *KMS) GetPublicKey(c Call, keyID string) (PublicKey, error) {
	if err := k.prepare(c, keyID); err != nil {
		return PublicKey{}, err
	}
	r, err := k.lookup(keyID)
	if err != nil {
		return PublicKey{}, err
	}
	arn := k.keyARN(r.ID)
	// GetPublicKey works on a disabled key on AWS (LocalStack notes this
	// despite the key-state table); pending deletion still blocks it.
	if r.State == statePendingDeletion {
		return PublicKey{}, errPendingDeletion(arn)
	}
	if !asymmetric(r.Spec) {
		// UNVERIFIED wording.
		return PublicKey{}, newErr(TypeUnsupportedOperation, fmt.Sprintf("%s key spec is %s, which has no public key.", arn, r.Spec))
	}
	a := algorithmsOf(r.Spec, r.Usage)
	return PublicKey{
		KeyARN: arn, PublicKey: append([]byte(nil), r.PublicKey...), KeySpec: r.Spec, KeyUsage: r.Usage,
		EncryptionAlgorithms: a.Encryption, SigningAlgorithms: a.Signing,
		KeyAgreementAlgorithms: a.Agreement, EncapsulationAlgorithms: a.Encapsulation,
	}, nil
}

// GenerateRandom returns n (1–1024) random bytes.
func (k *KMS) GenerateRandom(c Call, n int) ([]byte, error) {
	return k.generateRandom(c, &n)
}

func (k *KMS) generateRandom(c Call, n *int) ([]byte, error) {
	var err error
	var b []byte
	if n == nil {
		err = newErr(TypeValidation, "NumberOfBytes is required.")
	} else {
		err = checkRange("numberOfBytes", *n, 1, 1024)
	}
	if err == nil {
		b = make([]byte, *n)
		if _, rerr := rand.Read(b); rerr != nil {
			err = errInternal("generate random", rerr)
		}
	}
	k.publish(c, opGenerateRandom, "", nil, len(b), fmt.Sprintf("KMS generated %d random bytes", len(b)), err)
	if err != nil {
		return nil, err
	}
	return b, nil
}
