package kms

// Key material for the key specs other than SYMMETRIC_DEFAULT and RSA: ECC
// (NIST P-256/384/521 and Ed25519 from the standard library, secp256k1 from
// decred's secp256k1 package, which the standard library lacks), HMAC_*,
// ML-DSA (cloudflare/circl: Go 1.26 has no public ML-DSA package) and ML-KEM
// (crypto/mlkem; circl for ML-KEM-512, which crypto/mlkem lacks). Every private part is sealed under the root key like a
// symmetric key's material (addMaterial); only the public key is stored in
// the clear. The SubjectPublicKeyInfo of secp256k1, ML-DSA and ML-KEM keys is
// built here with encoding/asn1 because crypto/x509 does not encode those
// key types.

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/mlkem"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding"
	"encoding/asn1"
	"fmt"

	"github.com/cloudflare/circl/kem/mlkem/mlkem512"
	"github.com/cloudflare/circl/sign"
	"github.com/cloudflare/circl/sign/mldsa/mldsa44"
	"github.com/cloudflare/circl/sign/mldsa/mldsa65"
	"github.com/cloudflare/circl/sign/mldsa/mldsa87"
	"github.com/decred/dcrd/dcrec/secp256k1/v4"
)

// Key usages besides ENCRYPT_DECRYPT, as KMS spells them.
const (
	usageSign        = "SIGN_VERIFY"
	usageMAC         = "GENERATE_VERIFY_MAC"
	usageAgreement   = "KEY_AGREEMENT"
	usageEncapsulate = "ENCAPSULATE_DECAPSULATE"
)

// keyAlgorithms is what DescribeKey and GetPublicKey list for a key: only
// the list that matches the key's usage is set, as on AWS.
type keyAlgorithms struct {
	Encryption    []string
	Signing       []string
	MAC           []string
	Agreement     []string
	Encapsulation []string
}

// signingAlgorithms is each spec's SigningAlgorithms for SIGN_VERIFY keys
// (the SigningAlgorithmSpec values KMS documents per key spec).
var signingAlgorithms = map[string][]string{
	"RSA_2048": rsaSigning, "RSA_3072": rsaSigning, "RSA_4096": rsaSigning,
	"ECC_NIST_P256":         {"ECDSA_SHA_256"},
	"ECC_NIST_P384":         {"ECDSA_SHA_384"},
	"ECC_NIST_P521":         {"ECDSA_SHA_512"},
	"ECC_SECG_P256K1":       {"ECDSA_SHA_256"},
	"ECC_NIST_EDWARDS25519": {"ED25519_SHA_512", "ED25519_PH_SHA_512"},
	"ML_DSA_44":             {"ML_DSA_SHAKE_256"},
	"ML_DSA_65":             {"ML_DSA_SHAKE_256"},
	"ML_DSA_87":             {"ML_DSA_SHAKE_256"},
}

var rsaSigning = []string{
	"RSASSA_PSS_SHA_256", "RSASSA_PSS_SHA_384", "RSASSA_PSS_SHA_512",
	"RSASSA_PKCS1_V1_5_SHA_256", "RSASSA_PKCS1_V1_5_SHA_384", "RSASSA_PKCS1_V1_5_SHA_512",
}

// hmacBytes is the key length of each HMAC spec (the digest size).
var hmacBytes = map[string]int{"HMAC_224": 28, "HMAC_256": 32, "HMAC_384": 48, "HMAC_512": 64}

// algorithmsOf returns the algorithm lists DescribeKey shows for spec/usage.
func algorithmsOf(spec, usage string) keyAlgorithms {
	switch usage {
	case usageEncrypt:
		if spec == specSymmetric {
			return keyAlgorithms{Encryption: []string{algSymmetric}}
		}
		return keyAlgorithms{Encryption: []string{algOAEPSHA1, algOAEPSHA256}}
	case usageSign:
		return keyAlgorithms{Signing: signingAlgorithms[spec]}
	case usageMAC:
		return keyAlgorithms{MAC: []string{"HMAC_SHA_" + spec[len("HMAC_"):]}}
	case usageAgreement:
		return keyAlgorithms{Agreement: []string{"ECDH"}}
	case usageEncapsulate:
		return keyAlgorithms{Encapsulation: []string{"ML_KEM"}}
	}
	return keyAlgorithms{}
}

// asymmetric reports whether a spec has a public key (GetPublicKey).
func asymmetric(spec string) bool {
	return spec != specSymmetric && hmacBytes[spec] == 0
}

// errUsageNotValid is KMS's refusal of an operation the key's usage does not
// allow (recorded AWS text for Encrypt with a SIGN_VERIFY key:
// "<arn> key usage is SIGN_VERIFY which is not valid for Encrypt.").
func errUsageNotValid(arn, usage, op string) *Error {
	return newErr(TypeInvalidKeyUsage, fmt.Sprintf("%s key usage is %s which is not valid for %s.", arn, usage, op))
}

// checkEncryptUsage refuses Encrypt, Decrypt, GenerateDataKey* and ReEncrypt
// with a key whose usage is not ENCRYPT_DECRYPT.
func (k *KMS) checkEncryptUsage(r *keyRecord, op string) error {
	if r.Usage != usageEncrypt {
		return errUsageNotValid(k.keyARN(r.ID), r.Usage, op)
	}
	return nil
}

var (
	oidECPublicKey = asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}
	oidSecp256k1   = asn1.ObjectIdentifier{1, 3, 132, 0, 10}
	// ML-KEM OIDs (NIST CSOR, RFC 9935 draft numbering).
	oidMLKEM = map[string]asn1.ObjectIdentifier{
		"ML_KEM_512":  {2, 16, 840, 1, 101, 3, 4, 4, 1},
		"ML_KEM_768":  {2, 16, 840, 1, 101, 3, 4, 4, 2},
		"ML_KEM_1024": {2, 16, 840, 1, 101, 3, 4, 4, 3},
	}
	// ML-DSA OIDs (NIST CSOR id-ml-dsa-44/65/87, RFC 9881).
	oidMLDSA = map[string]asn1.ObjectIdentifier{
		"ML_DSA_44": {2, 16, 840, 1, 101, 3, 4, 3, 17},
		"ML_DSA_65": {2, 16, 840, 1, 101, 3, 4, 3, 18},
		"ML_DSA_87": {2, 16, 840, 1, 101, 3, 4, 3, 19},
	}
	mldsaSchemes = map[string]sign.Scheme{
		"ML_DSA_44": mldsa44.Scheme(), "ML_DSA_65": mldsa65.Scheme(), "ML_DSA_87": mldsa87.Scheme(),
	}
	nistCurves = map[string]elliptic.Curve{
		"ECC_NIST_P256": elliptic.P256(), "ECC_NIST_P384": elliptic.P384(), "ECC_NIST_P521": elliptic.P521(),
	}
)

type spki struct {
	Algorithm pkix.AlgorithmIdentifier
	PublicKey asn1.BitString
}

func marshalSPKI(alg pkix.AlgorithmIdentifier, key []byte) ([]byte, error) {
	return asn1.Marshal(spki{Algorithm: alg, PublicKey: asn1.BitString{Bytes: key, BitLength: 8 * len(key)}})
}

// newKeyPair makes the material of a spec other than SYMMETRIC_DEFAULT and
// RSA: the private part to seal (the caller clears it) and the public key as
// DER SubjectPublicKeyInfo (nil for HMAC).
func newKeyPair(spec string) (private, public []byte, err error) {
	if n := hmacBytes[spec]; n > 0 {
		raw := make([]byte, n)
		_, err := rand.Read(raw)
		return raw, nil, err
	}
	if curve, ok := nistCurves[spec]; ok {
		priv, err := ecdsa.GenerateKey(curve, rand.Reader)
		if err != nil {
			return nil, nil, err
		}
		return pkcs8AndSPKI(priv, &priv.PublicKey)
	}
	switch spec {
	case "ECC_NIST_EDWARDS25519":
		pub, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return nil, nil, err
		}
		defer clear(priv)
		return pkcs8AndSPKI(priv, pub)
	case "ECC_SECG_P256K1":
		priv, err := secp256k1.GeneratePrivateKey()
		if err != nil {
			return nil, nil, err
		}
		defer priv.Zero()
		curve, _ := asn1.Marshal(oidSecp256k1)
		pub, err := marshalSPKI(pkix.AlgorithmIdentifier{Algorithm: oidECPublicKey, Parameters: asn1.RawValue{FullBytes: curve}},
			priv.PubKey().SerializeUncompressed())
		return priv.Serialize(), pub, err
	case "ML_KEM_512":
		// crypto/mlkem has ML-KEM-768 and -1024 only.
		pk, sk, err := mlkem512.GenerateKeyPair(rand.Reader)
		if err != nil {
			return nil, nil, err
		}
		return binaryAndSPKI(sk, pk, oidMLKEM[spec])
	case "ML_KEM_768":
		dk, err := mlkem.GenerateKey768()
		if err != nil {
			return nil, nil, err
		}
		pub, err := marshalSPKI(pkix.AlgorithmIdentifier{Algorithm: oidMLKEM[spec]}, dk.EncapsulationKey().Bytes())
		return dk.Bytes(), pub, err
	case "ML_KEM_1024":
		dk, err := mlkem.GenerateKey1024()
		if err != nil {
			return nil, nil, err
		}
		pub, err := marshalSPKI(pkix.AlgorithmIdentifier{Algorithm: oidMLKEM[spec]}, dk.EncapsulationKey().Bytes())
		return dk.Bytes(), pub, err
	}
	if s, ok := mldsaSchemes[spec]; ok {
		pk, sk, err := s.GenerateKey()
		if err != nil {
			return nil, nil, err
		}
		return binaryAndSPKI(sk, pk, oidMLDSA[spec])
	}
	return nil, nil, fmt.Errorf("no key generator for %s", spec)
}

// binaryAndSPKI returns a circl key pair as KMS keeps it: the private key
// in its raw encoding and the public key in a SubjectPublicKeyInfo under oid.
func binaryAndSPKI(priv, pub encoding.BinaryMarshaler, oid asn1.ObjectIdentifier) ([]byte, []byte, error) {
	pkb, err := pub.MarshalBinary()
	if err != nil {
		return nil, nil, err
	}
	skb, err := priv.MarshalBinary()
	if err != nil {
		return nil, nil, err
	}
	spki, err := marshalSPKI(pkix.AlgorithmIdentifier{Algorithm: oid}, pkb)
	return skb, spki, err
}

func pkcs8AndSPKI(priv, pub any) ([]byte, []byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, nil, err
	}
	spkiDER, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		clear(der)
		return nil, nil, err
	}
	return der, spkiDER, nil
}
