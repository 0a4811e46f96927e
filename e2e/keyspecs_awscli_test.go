package e2e

import (
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestKeySpecsThroughAWSCLI creates ECC, HMAC and ML-KEM keys with Debian's
// aws CLI against `s3crypt serve`, reads an ECC public key back, and shows
// the refusals a learner meets: put-object with SSE-KMS under an ECC key
// (400 KMS.InvalidKeyUsageException from S3) and kms encrypt with an HMAC
// key (InvalidKeyUsageException from KMS).
func TestKeySpecsThroughAWSCLI(t *testing.T) {
	r := newPolicyRig(t)
	var ecc struct {
		KeyMetadata struct {
			ArnJ                 string   `json:"Arn"`
			Spec                 string   `json:"KeySpec"`
			Usage                string   `json:"KeyUsage"`
			SigningAlgorithms    []string `json:"SigningAlgorithms"`
			EncryptionAlgorithms []string `json:"EncryptionAlgorithms"`
		}
	}
	out := r.must("kms", "create-key", "--key-spec", "ECC_NIST_P256", "--key-usage", "SIGN_VERIFY")
	if err := json.Unmarshal([]byte(out), &ecc); err != nil {
		t.Fatal(err)
	}
	m := ecc.KeyMetadata
	if m.Spec != "ECC_NIST_P256" || m.Usage != "SIGN_VERIFY" || strings.Join(m.SigningAlgorithms, ",") != "ECDSA_SHA_256" ||
		len(m.EncryptionAlgorithms) != 0 {
		t.Fatalf("create-key ECC_NIST_P256: %s", out)
	}

	var pk struct {
		PublicKey         string
		SigningAlgorithms []string
	}
	if err := json.Unmarshal([]byte(r.must("kms", "get-public-key", "--key-id", m.ArnJ)), &pk); err != nil {
		t.Fatal(err)
	}
	der, err := base64.StdEncoding.DecodeString(pk.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := x509.ParsePKIXPublicKey(der)
	if ec, ok := pub.(*ecdsa.PublicKey); err != nil || !ok || ec.Curve.Params().Name != "P-256" {
		t.Fatalf("get-public-key: %T %v", pub, err)
	}

	r.must("s3api", "create-bucket", "--bucket", "specs")
	body := filepath.Join(r.dir, "body")
	if err := os.WriteFile(body, []byte("secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err = r.run("s3api", "put-object", "--bucket", "specs", "--key", "k", "--body", body,
		"--server-side-encryption", "aws:kms", "--ssekms-key-id", m.ArnJ)
	want := m.ArnJ + " key usage is SIGN_VERIFY which is not valid for GenerateDataKey."
	if err == nil || !strings.Contains(out, "(KMS.InvalidKeyUsageException) when calling the PutObject operation") ||
		!strings.Contains(out, want) {
		t.Fatalf("put-object under an ECC key: want %q, got %v\n%s", want, err, out)
	}

	out = r.must("kms", "create-key", "--key-spec", "HMAC_256", "--key-usage", "GENERATE_VERIFY_MAC")
	if !strings.Contains(out, `"HMAC_SHA_256"`) || !strings.Contains(out, `"MacAlgorithms"`) {
		t.Fatalf("create-key HMAC_256: %s", out)
	}
	var hmacKey struct{ KeyMetadata struct{ Arn string } }
	if err := json.Unmarshal([]byte(out), &hmacKey); err != nil {
		t.Fatal(err)
	}
	out, err = r.run("kms", "encrypt", "--key-id", hmacKey.KeyMetadata.Arn, "--plaintext", "fileb://"+body)
	want = hmacKey.KeyMetadata.Arn + " key usage is GENERATE_VERIFY_MAC which is not valid for Encrypt."
	if err == nil || !strings.Contains(out, "(InvalidKeyUsageException) when calling the Encrypt operation") ||
		!strings.Contains(out, want) {
		t.Fatalf("encrypt under an HMAC key: want %q, got %v\n%s", want, err, out)
	}

	// aws 2.9 predates ML-KEM; it sends enum values it does not know as is.
	out = r.must("kms", "create-key", "--key-spec", "ML_KEM_768", "--key-usage", "ENCAPSULATE_DECAPSULATE")
	if !strings.Contains(out, `"KeySpec": "ML_KEM_768"`) || !strings.Contains(out, `"KeyUsage": "ENCAPSULATE_DECAPSULATE"`) {
		t.Fatalf("create-key ML_KEM_768: %s", out)
	}
	out, err = r.run("kms", "create-key", "--key-spec", "ECC_NIST_EDWARDS25519", "--key-usage", "ENCRYPT_DECRYPT")
	if err == nil || !strings.Contains(out, "(ValidationException) when calling the CreateKey operation") ||
		!strings.Contains(out, "KeyUsage ENCRYPT_DECRYPT is not compatible with KeySpec ECC_NIST_EDWARDS25519") {
		t.Fatalf("Ed25519 ENCRYPT_DECRYPT: %v\n%s", err, out)
	}
}
