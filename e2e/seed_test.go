package e2e

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/s3crypt/s3crypt/internal/testtool"
)

// seed is the state the seed blog's commands build up, step by step.
type seed struct {
	*shell
	s3  *s3.Client
	kms *kms.Client

	rsaID, symID, symARN string
	awsS3ARN             string // the aws/s3 managed key
}

// Files the blog's commands read.
var (
	cloudTxt = []byte("Hello machas, this is cloud.txt: KMS encrypts me directly.\n")
	kgfTxt   = []byte("KGF chapter 2: the SSE-S3 object.\n")
	kgfSh    = []byte("#!/bin/sh\necho 'KGF: the SSE-C and DSSE object'\n")
)

// TestSeedBlog runs the seed blog's commands, in the blog's order, through
// Debian's awscli against `s3crypt serve`, and asserts what AWS does with
// each: where the blog is right the command works; where it is wrong the
// command fails as it would on AWS (or in the CLI before any request).
func TestSeedBlog(t *testing.T) {
	aws := testtool.Require(t, testtool.DebianAWS)
	testtool.Require(t, "base64")
	srv := testtool.StartServe(t, testtool.BuildBinary(t), t.TempDir())
	s3c, kmsc, err := srv.Clients()
	if err != nil {
		t.Fatal(err)
	}
	sd := &seed{shell: newShell(t, srv, aws), s3: s3c, kms: kmsc}
	sd.write("cloud.txt", cloudTxt)
	sd.write("KGF.txt", kgfTxt)
	sd.write("KGF.sh", kgfSh)

	sd.step(t, "kms-create-key", (*seed).createKeys)
	// The KMS commands and the S3 commands touch nothing of each other's,
	// so they run side by side (each CLI call costs a Python start).
	t.Run("blog", func(t *testing.T) {
		t.Run("kms", func(t *testing.T) {
			t.Parallel()
			ln := sd.lane()
			ln.step(t, "generate-data-key", (*seed).generateDataKey)
			ln.step(t, "encrypt-decrypt", (*seed).encryptDecrypt)
			ln.step(t, "encrypt-rsa", (*seed).encryptRSA)
			ln.step(t, "encrypt-limit", (*seed).encryptLimit)
		})
		t.Run("s3", func(t *testing.T) {
			t.Parallel()
			ln := sd.lane()
			ln.step(t, "sse-s3", (*seed).sseS3)
			ln.step(t, "sse-kms-aws-managed", (*seed).sseKMSManaged)
			ln.step(t, "sse-kms-own-key", (*seed).sseKMSOwnKey)
			ln.step(t, "sse-kms-placeholder-key-id", (*seed).sseKMSPlaceholder)
			ln.step(t, "sse-c", (*seed).sseC)
			ln.step(t, "dsse-kms", (*seed).dsse)
			ln.step(t, "bucket-default-encryption", (*seed).bucketEncryption)
			ln.step(t, "bucket-key", (*seed).bucketKey)
		})
	})
}

// lane is a copy of s for steps that run beside another lane.
func (s *seed) lane() *seed {
	c := *s
	sh := *s.shell
	sh.secrets = slices.Clone(s.secrets)
	c.shell = &sh
	return &c
}

// step runs f as subtest name of t, with s logging to it.
func (s *seed) step(t *testing.T, name string, f func(*seed)) {
	t.Run(name, func(t *testing.T) {
		saved := s.t
		s.t = t
		defer func() { s.t = saved }()
		f(s)
	})
}

// need skips a step whose prerequisite step failed.
func (s *seed) need(vals ...string) {
	s.t.Helper()
	for _, v := range vals {
		if v == "" {
			s.t.Skip("an earlier step this one builds on failed")
		}
	}
}

// createKeys: `aws kms create-key --key-usage ENCRYPT_DECRYPT --key-spec
// RSA_2048`, and the symmetric key the blog says SYMMETRIC_DEFAULT makes.
func (s *seed) createKeys() {
	r := s.ok(`aws kms create-key --key-usage ENCRYPT_DECRYPT --key-spec RSA_2048`)
	m := s.jsonOut(r)
	want(s.t, "KeySpec", str(m, "KeyMetadata", "KeySpec"), "RSA_2048")
	want(s.t, "KeyUsage", str(m, "KeyMetadata", "KeyUsage"), "ENCRYPT_DECRYPT")
	want(s.t, "KeyManager", str(m, "KeyMetadata", "KeyManager"), "CUSTOMER")
	want(s.t, "EncryptionAlgorithms", fmt.Sprint(get(m, "KeyMetadata", "EncryptionAlgorithms")), "[RSAES_OAEP_SHA_1 RSAES_OAEP_SHA_256]")
	id := str(m, "KeyMetadata", "KeyId")
	want(s.t, "Arn", str(m, "KeyMetadata", "Arn"), "arn:aws:kms:us-east-1:000000000000:key/"+id)
	s.rsaID = id

	m = s.jsonOut(s.ok(`aws kms create-key --key-spec SYMMETRIC_DEFAULT`))
	want(s.t, "KeySpec", str(m, "KeyMetadata", "KeySpec"), "SYMMETRIC_DEFAULT")
	want(s.t, "EncryptionAlgorithms", fmt.Sprint(get(m, "KeyMetadata", "EncryptionAlgorithms")), "[SYMMETRIC_DEFAULT]")
	s.symID, s.symARN = str(m, "KeyMetadata", "KeyId"), str(m, "KeyMetadata", "Arn")
}

// generateDataKey: the blog's command fails with the RSA key it just
// made; with a symmetric key the YAML holds the plaintext data key (in
// base64), the encrypted copy and the key ARN.
func (s *seed) generateDataKey() {
	s.need(s.rsaID, s.symID)
	blog := `aws kms generate-data-key --key-id 1234567 --key-spec AES_256 --output yaml > generate.yaml`
	s.fails(strings.Replace(blog, "1234567", s.rsaID, 1), 254,
		"An error occurred (InvalidKeyUsageException) when calling the GenerateDataKey operation")

	s.ok(strings.Replace(blog, "1234567", s.symID, 1))
	fields := map[string]string{}
	for _, line := range strings.Split(string(s.file("generate.yaml")), "\n") {
		if k, v, ok := strings.Cut(line, ": "); ok {
			fields[k] = strings.TrimSpace(v)
		}
	}
	s.secret(fields["Plaintext"])
	key, err := base64.StdEncoding.DecodeString(fields["Plaintext"])
	if err != nil || len(key) != 32 {
		s.t.Errorf("Plaintext is not base64 of 32 bytes (%d bytes, %v)", len(key), err)
	}
	if blob, err := base64.StdEncoding.DecodeString(fields["CiphertextBlob"]); err != nil || len(blob) == 0 {
		s.t.Errorf("CiphertextBlob is not base64 (%v)", err)
	}
	want(s.t, "KeyId", fields["KeyId"], s.symARN)
}

// encryptDecrypt: `kms encrypt … --output text --query CiphertextBlob >
// encrypt.txt` writes base64 text; the blog's decrypt names a file that
// does not exist, decrypting the base64 text as binary (fileb://) fails,
// and decoding first works.
func (s *seed) encryptDecrypt() {
	s.need(s.symID)
	s.ok(strings.Replace("aws kms encrypt --key-id 1234 --plaintext fileb://cloud.txt  --output text \\\n--query CiphertextBlob > encrypt.txt", "1234", s.symID, 1))
	text := strings.TrimSpace(string(s.file("encrypt.txt")))
	blob, err := base64.StdEncoding.DecodeString(text)
	if err != nil || len(blob) <= len(cloudTxt) {
		s.t.Fatalf("encrypt.txt is not base64 ciphertext (%d bytes decoded, %v)", len(blob), err)
	}

	s.fails(`aws kms decrypt --ciphertext-blob file://encrypt.yaml --output text >  decrypt.yaml`, 252,
		"Unable to load paramfile file://encrypt.yaml")
	// CLI v2 base64-decodes blob arguments given inline or with file://,
	// so this works, and prints the plaintext as base64, not as text.
	r := s.ok(`aws kms decrypt --ciphertext-blob file://encrypt.txt --output text`)
	if !strings.Contains(r.stdout, base64.StdEncoding.EncodeToString(cloudTxt)) || strings.Contains(r.stdout, string(cloudTxt)) {
		s.t.Errorf("decrypt --output text should print the plaintext in base64: %s", s.describe(r))
	}
	s.fails(`aws kms decrypt --ciphertext-blob fileb://encrypt.txt --output text`, 254,
		"An error occurred (InvalidCiphertextException) when calling the Decrypt operation")
	s.ok(`base64 -d encrypt.txt > cloud.enc && aws kms decrypt --ciphertext-blob fileb://cloud.enc --query Plaintext --output text | base64 -d > cloud.out`)
	if got := s.file("cloud.out"); !bytes.Equal(got, cloudTxt) {
		s.t.Errorf("decrypted %q, want %q", got, cloudTxt)
	}
}

// encryptRSA: with the RSA key the blog's encrypt fails; the algorithm
// must be named, and decrypt needs the key id and the same algorithm.
func (s *seed) encryptRSA() {
	s.need(s.rsaID)
	id := s.rsaID
	s.fails("aws kms encrypt --key-id "+id+" --plaintext fileb://cloud.txt --output text --query CiphertextBlob > rsa.txt", 254,
		"An error occurred (InvalidKeyUsageException) when calling the Encrypt operation: Algorithm SYMMETRIC_DEFAULT is incompatible with key spec RSA_2048.")
	s.ok("aws kms encrypt --key-id " + id + " --encryption-algorithm RSAES_OAEP_SHA_256 --plaintext fileb://cloud.txt --output text --query CiphertextBlob | base64 -d > rsa.enc")
	want(s.t, "RSA-2048 ciphertext length", len(s.file("rsa.enc")), 256)

	s.fails(`aws kms decrypt --ciphertext-blob fileb://rsa.enc`, 254, "when calling the Decrypt operation")
	s.fails("aws kms decrypt --key-id "+id+" --ciphertext-blob fileb://rsa.enc", 254,
		"An error occurred (InvalidKeyUsageException) when calling the Decrypt operation")
	s.ok("aws kms decrypt --key-id " + id + " --encryption-algorithm RSAES_OAEP_SHA_256 --ciphertext-blob fileb://rsa.enc --query Plaintext --output text | base64 -d > rsa.out")
	if got := s.file("rsa.out"); !bytes.Equal(got, cloudTxt) {
		s.t.Errorf("RSA round trip gave %q, want %q", got, cloudTxt)
	}

	s.write("191.bin", bytes.Repeat([]byte("x"), 191))
	s.fails("aws kms encrypt --key-id "+id+" --encryption-algorithm RSAES_OAEP_SHA_256 --plaintext fileb://191.bin", 254,
		"An error occurred (ValidationException) when calling the Encrypt operation: Algorithm RSAES_OAEP_SHA_256 and key spec RSA_2048 cannot encrypt data larger than 190 bytes.")
}

// encryptLimit: KMS encrypts at most 4096 bytes directly (files need
// envelope encryption).
func (s *seed) encryptLimit() {
	s.need(s.symID)
	s.write("4096.bin", bytes.Repeat([]byte("k"), 4096))
	s.write("4097.bin", bytes.Repeat([]byte("k"), 4097))
	s.ok("aws kms encrypt --key-id " + s.symID + " --plaintext fileb://4096.bin --query KeyId")
	s.fails("aws kms encrypt --key-id "+s.symID+" --plaintext fileb://4097.bin", 254,
		"An error occurred (ValidationException) when calling the Encrypt operation: 1 validation error detected: Value at 'plaintext' failed to satisfy constraint: Member must have length less than or equal to 4096")
}
