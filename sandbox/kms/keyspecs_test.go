package kms

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"os"
	"reflect"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awskms "github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
)

// keySpecCase is one KeySpec/KeyUsage pair KMS allows, with what DescribeKey
// must list and the public key's length (0 = no public key).
type keySpecCase struct {
	spec      types.KeySpec
	usage     types.KeyUsageType
	signing   []types.SigningAlgorithmSpec
	mac       []types.MacAlgorithmSpec
	agreement []types.KeyAgreementAlgorithmSpec
	encaps    []types.EncapsulationAlgorithmSpec
	oid       asn1.ObjectIdentifier // SubjectPublicKeyInfo algorithm
	keyBytes  int                   // BIT STRING length of the public key
}

var (
	ecdsaSHA256 = []types.SigningAlgorithmSpec{"ECDSA_SHA_256"}
	oidEC       = asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}
)

var keySpecCases = []keySpecCase{
	{spec: "ECC_NIST_P256", usage: "SIGN_VERIFY", signing: ecdsaSHA256, oid: oidEC, keyBytes: 65},
	{spec: "ECC_NIST_P384", usage: "SIGN_VERIFY", signing: []types.SigningAlgorithmSpec{"ECDSA_SHA_384"}, oid: oidEC, keyBytes: 97},
	{spec: "ECC_NIST_P521", usage: "SIGN_VERIFY", signing: []types.SigningAlgorithmSpec{"ECDSA_SHA_512"}, oid: oidEC, keyBytes: 133},
	{spec: "ECC_NIST_P256", usage: "KEY_AGREEMENT", agreement: []types.KeyAgreementAlgorithmSpec{"ECDH"}, oid: oidEC, keyBytes: 65},
	{spec: "ECC_NIST_P384", usage: "KEY_AGREEMENT", agreement: []types.KeyAgreementAlgorithmSpec{"ECDH"}, oid: oidEC, keyBytes: 97},
	{spec: "ECC_SECG_P256K1", usage: "SIGN_VERIFY", signing: ecdsaSHA256, oid: oidEC, keyBytes: 65},
	{spec: "ECC_NIST_EDWARDS25519", usage: "SIGN_VERIFY", signing: []types.SigningAlgorithmSpec{"ED25519_SHA_512", "ED25519_PH_SHA_512"},
		oid: asn1.ObjectIdentifier{1, 3, 101, 112}, keyBytes: 32},
	{spec: "HMAC_224", usage: "GENERATE_VERIFY_MAC", mac: []types.MacAlgorithmSpec{"HMAC_SHA_224"}},
	{spec: "HMAC_256", usage: "GENERATE_VERIFY_MAC", mac: []types.MacAlgorithmSpec{"HMAC_SHA_256"}},
	{spec: "HMAC_384", usage: "GENERATE_VERIFY_MAC", mac: []types.MacAlgorithmSpec{"HMAC_SHA_384"}},
	{spec: "HMAC_512", usage: "GENERATE_VERIFY_MAC", mac: []types.MacAlgorithmSpec{"HMAC_SHA_512"}},
	{spec: "ML_DSA_44", usage: "SIGN_VERIFY", signing: []types.SigningAlgorithmSpec{"ML_DSA_SHAKE_256"},
		oid: asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 3, 17}, keyBytes: 1312},
	{spec: "ML_DSA_65", usage: "SIGN_VERIFY", signing: []types.SigningAlgorithmSpec{"ML_DSA_SHAKE_256"},
		oid: asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 3, 18}, keyBytes: 1952},
	{spec: "ML_DSA_87", usage: "SIGN_VERIFY", signing: []types.SigningAlgorithmSpec{"ML_DSA_SHAKE_256"},
		oid: asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 3, 19}, keyBytes: 2592},
	{spec: "ML_KEM_512", usage: "ENCAPSULATE_DECAPSULATE", encaps: []types.EncapsulationAlgorithmSpec{"ML_KEM"},
		oid: asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 4, 1}, keyBytes: 800},
	{spec: "ML_KEM_768", usage: "ENCAPSULATE_DECAPSULATE", encaps: []types.EncapsulationAlgorithmSpec{"ML_KEM"},
		oid: asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 4, 2}, keyBytes: 1184},
	{spec: "ML_KEM_1024", usage: "ENCAPSULATE_DECAPSULATE", encaps: []types.EncapsulationAlgorithmSpec{"ML_KEM"},
		oid: asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 4, 3}, keyBytes: 1568},
	{spec: "RSA_2048", usage: "SIGN_VERIFY", signing: []types.SigningAlgorithmSpec{
		"RSASSA_PSS_SHA_256", "RSASSA_PSS_SHA_384", "RSASSA_PSS_SHA_512",
		"RSASSA_PKCS1_V1_5_SHA_256", "RSASSA_PKCS1_V1_5_SHA_384", "RSASSA_PKCS1_V1_5_SHA_512"},
		oid: asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}, keyBytes: -1},
}

// TestKeySpecsCreateDescribeAndPublicKey creates every non-symmetric spec
// KMS allows outside China through the SDK and checks DescribeKey's
// algorithm lists (only the one matching the usage, as AWS returns them) and
// GetPublicKey's SubjectPublicKeyInfo.
func TestKeySpecsCreateDescribeAndPublicKey(t *testing.T) {
	e := newEnv(t)
	for _, tc := range keySpecCases {
		t.Run(string(tc.spec)+"/"+string(tc.usage), func(t *testing.T) {
			m := e.createKey(t, tc.spec, tc.usage)
			d, err := e.client.DescribeKey(ctx, &awskms.DescribeKeyInput{KeyId: m.KeyId})
			if err != nil {
				t.Fatal(err)
			}
			md := d.KeyMetadata
			if md.KeySpec != tc.spec || md.KeyUsage != tc.usage || md.KeyState != "Enabled" {
				t.Fatalf("DescribeKey = %s/%s/%s", md.KeySpec, md.KeyUsage, md.KeyState)
			}
			if len(md.EncryptionAlgorithms) != 0 {
				t.Errorf("EncryptionAlgorithms = %v, want none for %s", md.EncryptionAlgorithms, tc.usage)
			}
			if !eqList(md.SigningAlgorithms, tc.signing) || !eqList(md.MacAlgorithms, tc.mac) ||
				!eqList(md.KeyAgreementAlgorithms, tc.agreement) || !eqList(md.EncapsulationAlgorithms, tc.encaps) {
				t.Errorf("algorithms = sign %v mac %v agree %v encaps %v", md.SigningAlgorithms, md.MacAlgorithms,
					md.KeyAgreementAlgorithms, md.EncapsulationAlgorithms)
			}
			pk, err := e.client.GetPublicKey(ctx, &awskms.GetPublicKeyInput{KeyId: m.KeyId})
			if tc.oid == nil {
				wantErr(t, err, "UnsupportedOperationException", aws.ToString(m.Arn)+" key spec is "+string(tc.spec)+", which has no public key.")
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if pk.KeySpec != tc.spec || pk.KeyUsage != tc.usage || !eqList(pk.SigningAlgorithms, tc.signing) ||
				!eqList(pk.KeyAgreementAlgorithms, tc.agreement) || !eqList(pk.EncapsulationAlgorithms, tc.encaps) ||
				len(pk.EncryptionAlgorithms) != 0 {
				t.Errorf("GetPublicKey = %+v", pk)
			}
			var info struct {
				Algorithm pkix.AlgorithmIdentifier
				PublicKey asn1.BitString
			}
			if rest, err := asn1.Unmarshal(pk.PublicKey, &info); err != nil || len(rest) != 0 {
				t.Fatalf("PublicKey is not DER SubjectPublicKeyInfo: %v", err)
			}
			if !info.Algorithm.Algorithm.Equal(tc.oid) {
				t.Errorf("SPKI algorithm %v, want %v", info.Algorithm.Algorithm, tc.oid)
			}
			if tc.keyBytes > 0 && len(info.PublicKey.Bytes) != tc.keyBytes {
				t.Errorf("public key is %d bytes, want %d", len(info.PublicKey.Bytes), tc.keyBytes)
			}
		})
	}
}

func eqList[T ~string](got, want []T) bool {
	return len(got) == len(want) && (len(got) == 0 || reflect.DeepEqual(got, want))
}

// TestKeySpecsPublicKeyMatchesPrivate checks that the public key KMS hands
// out belongs to the private key it sealed, for the specs crypto/x509 reads.
func TestKeySpecsPublicKeyMatchesPrivate(t *testing.T) {
	e := newEnv(t)
	for _, spec := range []types.KeySpec{"ECC_NIST_P256", "ECC_NIST_P521", "ECC_NIST_EDWARDS25519"} {
		m := e.createKey(t, spec, "SIGN_VERIFY")
		pk, err := e.client.GetPublicKey(ctx, &awskms.GetPublicKeyInput{KeyId: m.KeyId})
		if err != nil {
			t.Fatal(err)
		}
		pub, err := x509.ParsePKIXPublicKey(pk.PublicKey)
		if err != nil {
			t.Fatal(err)
		}
		der := e.k.materialForTest(t, aws.ToString(m.KeyId))
		priv, err := x509.ParsePKCS8PrivateKey(der)
		if err != nil {
			t.Fatal(err)
		}
		switch p := priv.(type) {
		case *ecdsa.PrivateKey:
			if !p.PublicKey.Equal(pub) || (spec == "ECC_NIST_P521") != (p.Curve == elliptic.P521()) {
				t.Errorf("%s: public key does not match the private key", spec)
			}
		case ed25519.PrivateKey:
			if !p.Public().(ed25519.PublicKey).Equal(pub) {
				t.Errorf("%s: public key does not match the private key", spec)
			}
		default:
			t.Errorf("%s: private key is %T", spec, priv)
		}
	}
}

// TestKeySpecsRefuseEncryption: a key whose usage is not ENCRYPT_DECRYPT
// cannot do what S3 and client-side encryption need. KMS answers
// InvalidKeyUsageException "<arn> key usage is X which is not valid for Op."
func TestKeySpecsRefuseEncryption(t *testing.T) {
	e := newEnv(t)
	sym := e.symmetricKey(t)
	enc, err := e.client.Encrypt(ctx, &awskms.EncryptInput{KeyId: sym.KeyId, Plaintext: []byte("x")})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		spec  types.KeySpec
		usage types.KeyUsageType
	}{{"ECC_NIST_P256", "SIGN_VERIFY"}, {"ECC_NIST_P384", "KEY_AGREEMENT"}, {"HMAC_256", "GENERATE_VERIFY_MAC"},
		{"ML_DSA_44", "SIGN_VERIFY"}, {"ML_KEM_768", "ENCAPSULATE_DECAPSULATE"}, {"RSA_2048", "SIGN_VERIFY"}} {
		t.Run(string(tc.spec)+"/"+string(tc.usage), func(t *testing.T) {
			m := e.createKey(t, tc.spec, tc.usage)
			msg := func(op string) string {
				return aws.ToString(m.Arn) + " key usage is " + string(tc.usage) + " which is not valid for " + op + "."
			}
			_, err := e.client.Encrypt(ctx, &awskms.EncryptInput{KeyId: m.KeyId, Plaintext: []byte("x")})
			wantErr(t, err, "InvalidKeyUsageException", msg("Encrypt"))
			_, err = e.client.GenerateDataKey(ctx, &awskms.GenerateDataKeyInput{KeyId: m.KeyId, KeySpec: "AES_256"})
			wantErr(t, err, "InvalidKeyUsageException", msg("GenerateDataKey"))
			_, err = e.client.GenerateDataKeyWithoutPlaintext(ctx, &awskms.GenerateDataKeyWithoutPlaintextInput{KeyId: m.KeyId, KeySpec: "AES_256"})
			wantErr(t, err, "InvalidKeyUsageException", msg("GenerateDataKeyWithoutPlaintext"))
			_, err = e.client.Decrypt(ctx, &awskms.DecryptInput{KeyId: m.KeyId, CiphertextBlob: []byte("0123456789")})
			wantErr(t, err, "InvalidKeyUsageException", msg("Decrypt"))
			_, err = e.client.ReEncrypt(ctx, &awskms.ReEncryptInput{CiphertextBlob: enc.CiphertextBlob, DestinationKeyId: m.KeyId})
			wantErr(t, err, "InvalidKeyUsageException", msg("ReEncrypt"))
			_, err = e.k.ResolveForS3(asS3, aws.ToString(m.KeyId))
			wantGoErr(t, err, TypeInvalidKeyUsage, msg("GenerateDataKey"))
			_, err = e.client.EnableKeyRotation(ctx, &awskms.EnableKeyRotationInput{KeyId: m.KeyId})
			wantErr(t, err, "UnsupportedOperationException",
				"You cannot perform this operation on a non-symmetric key or a key with non-ENCRYPT_DECRYPT key usage.")
		})
	}
}

// TestKeySpecsMaterialSealed: the new specs' private material is sealed in
// the store like symmetric material, and survives a reopen.
func TestKeySpecsMaterialSealed(t *testing.T) {
	e := newEnv(t)
	ids := map[types.KeySpec]string{}
	secrets := map[string][]byte{}
	for _, tc := range []struct {
		spec  types.KeySpec
		usage types.KeyUsageType
	}{{"ECC_NIST_P256", "SIGN_VERIFY"}, {"ECC_SECG_P256K1", "SIGN_VERIFY"}, {"ECC_NIST_EDWARDS25519", "SIGN_VERIFY"},
		{"HMAC_512", "GENERATE_VERIFY_MAC"}, {"ML_DSA_65", "SIGN_VERIFY"}, {"ML_KEM_1024", "ENCAPSULATE_DECAPSULATE"}} {
		m := e.createKey(t, tc.spec, tc.usage)
		id := aws.ToString(m.KeyId)
		ids[tc.spec] = id
		mat := e.k.materialForTest(t, id)
		if len(mat) < 32 {
			t.Fatalf("%s material is %d bytes", tc.spec, len(mat))
		}
		secrets[string(tc.spec)] = append([]byte(nil), mat...)
	}
	if n := len(secrets["HMAC_512"]); n != 64 {
		t.Errorf("HMAC_512 key is %d bytes, want 64", n)
	}
	if err := e.db.Close(); err != nil {
		t.Fatal(err)
	}
	file, err := os.ReadFile(e.path)
	if err != nil {
		t.Fatal(err)
	}
	for name, secret := range secrets {
		if bytes.Contains(file, secret) || bytes.Contains(file, secret[len(secret)-32:]) {
			t.Errorf("%s private material found in the bolt file in the clear", name)
		}
	}
	e.open(t)
	for spec, id := range ids {
		if got := e.k.materialForTest(t, id); !bytes.Equal(got, secrets[string(spec)]) {
			t.Errorf("%s material changed across reopen", spec)
		}
	}
}
