package e2e

import (
	"bytes"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/s3crypt/s3crypt/internal/testtool"
)

// pipAWS returns the AWS CLI first on PATH when it is not Debian's
// /usr/bin/aws (typically the pip-installed CLI v1), or skips.
func pipAWS(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("aws")
	if err != nil {
		t.Skip("needs the pip AWS CLI first on PATH: install with pip install awscli")
	}
	real, err := filepath.EvalSymlinks(path)
	if err != nil || real == "/usr/bin/aws" {
		t.Skip("the aws first on PATH is Debian's /usr/bin/aws; the pip AWS CLI (pip install awscli) is not installed")
	}
	out, err := exec.Command(path, "--version").CombinedOutput()
	if err != nil {
		t.Skipf("%s --version: %v", path, err)
	}
	t.Logf("second CLI: %s (%s)", path, strings.TrimSpace(string(out)))
	return path
}

// TestPipAWSCLI runs a subset of the seed flow through the pip AWS CLI,
// which frames bodies differently from Debian's awscli 2.9 (aws-chunked
// with trailing checksums): a 12 MiB SSE-KMS upload and download with
// `s3 cp` (multipart), and SSE-C with a raw key file, single and multipart.
func TestPipAWSCLI(t *testing.T) {
	aws := pipAWS(t)
	srv := testtool.StartServe(t, testtool.BuildBinary(t), t.TempDir())
	s := newShell(t, srv, aws)
	big := make([]byte, 12<<20)
	key := make([]byte, 32)
	_, _ = rand.Read(big)
	_, _ = rand.Read(key)
	s.write("big.bin", big)
	s.write("key.bin", key)
	s.write("KGF.sh", kgfSh)
	s.secret(base64.StdEncoding.EncodeToString(key))
	s.secret(string(key))

	s.ok(`aws s3 mb s3://pip-bucket`)
	s.ok(`aws s3api put-bucket-encryption --bucket pip-bucket --server-side-encryption-configuration '{"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"AES256"},"BlockedEncryptionTypes":{"EncryptionType":["NONE"]}}]}'`)

	s.ok(`aws s3 cp big.bin s3://pip-bucket/big.bin --sse aws:kms --only-show-errors`)
	h := s.jsonOut(s.ok(`aws s3api head-object --bucket pip-bucket --key big.bin`))
	want(t, "ServerSideEncryption", str(h, "ServerSideEncryption"), "aws:kms")
	want(t, "ContentLength", get(h, "ContentLength"), any(float64(len(big))))
	want(t, "ContentEncoding (aws-chunked is framing, not stored)", str(h, "ContentEncoding"), "")
	d := s.jsonOut(s.ok(`aws kms describe-key --key-id alias/aws/s3`))
	want(t, "SSEKMSKeyId (aws/s3)", str(h, "SSEKMSKeyId"), str(d, "KeyMetadata", "Arn"))
	s.ok(`aws s3 cp s3://pip-bucket/big.bin big.out --only-show-errors`)
	sameBytes(t, "12 MiB SSE-KMS download", s.file("big.out"), big)

	sum := md5.Sum(key)
	p := s.jsonOut(s.ok(`aws s3api put-object --bucket pip-bucket --key KGF.sh --body KGF.sh --sse-customer-key fileb://key.bin --sse-customer-algorithm AES256`))
	want(t, "SSECustomerKeyMD5", str(p, "SSECustomerKeyMD5"), base64.StdEncoding.EncodeToString(sum[:]))
	s.ok(`aws s3api get-object --bucket pip-bucket --key KGF.sh --sse-customer-key fileb://key.bin --sse-customer-algorithm AES256 KGF.out`)
	sameBytes(t, "SSE-C read", s.file("KGF.out"), kgfSh)
	h = s.jsonOut(s.ok(`aws s3api head-object --bucket pip-bucket --key KGF.sh --sse-customer-key fileb://key.bin --sse-customer-algorithm AES256`))
	want(t, "SSE-C ContentEncoding (aws-chunked is framing, not stored)", str(h, "ContentEncoding"), "")
	s.fails(`aws s3api get-object --bucket pip-bucket --key KGF.sh nokey.out`, -1,
		"An error occurred (InvalidRequest) when calling the GetObject operation",
		"The object was stored using a form of Server Side Encryption. The correct parameters must be provided to retrieve the object.")

	s.ok(`aws s3 cp big.bin s3://pip-bucket/big-c.bin --sse-c AES256 --sse-c-key fileb://key.bin --only-show-errors`)
	s.ok(`aws s3 cp s3://pip-bucket/big-c.bin big-c.out --sse-c AES256 --sse-c-key fileb://key.bin --only-show-errors`)
	sameBytes(t, "12 MiB SSE-C multipart download", s.file("big-c.out"), big)
	s.fails(`aws s3 cp s3://pip-bucket/big-c.bin nokey.out --only-show-errors`, -1, "400")
}

// sameBytes compares by length and hash so a failure prints no data.
func sameBytes(t *testing.T, what string, got, want []byte) {
	t.Helper()
	if !bytes.Equal(got, want) {
		t.Errorf("%s: got %d bytes (sha256 %x), want %d bytes (sha256 %x)", what, len(got), sha256.Sum256(got), len(want), sha256.Sum256(want))
	}
}
