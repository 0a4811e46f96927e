package cli_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/s3crypt/s3crypt/internal/sandboxtest"
)

// bkCLI runs s3crypt on the data dir and checks the exit code.
func bkCLI(t *testing.T, dir string, code int, args ...string) sandboxtest.Result {
	t.Helper()
	r := sandboxtest.CLI(t, append([]string{"--data", dir}, args...)...)
	if r.Code != code {
		t.Fatalf("s3crypt %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.Code, code, r.Stdout, r.Stderr)
	}
	return r
}

func TestBucketVerbsCLI(t *testing.T) {
	dir := t.TempDir()
	r := bkCLI(t, dir, 0, "mb", "s3://demo")
	if r.Stdout != "make_bucket: demo\n  default encryption: SSE-S3, SSE-C blocked\n" {
		t.Fatalf("mb: %q", r.Stdout)
	}
	r = bkCLI(t, dir, 1, "mb", "s3://demo")
	if !strings.Contains(r.Stderr, "create bucket s3://demo: you already own bucket demo") {
		t.Fatalf("mb twice: %q", r.Stderr)
	}
	r = bkCLI(t, dir, 1, "mb", "s3://Bad_Name")
	if !strings.Contains(r.Stderr, `"Bad_Name" is not a valid bucket name — bucket names are 3 to 63 characters`) {
		t.Fatalf("bad name: %q", r.Stderr)
	}
	bkCLI(t, dir, 2, "mb", "s3://demo/key")

	r = bkCLI(t, dir, 0, "ls")
	if !regexp.MustCompile(`(?m)^CREATED\s+BUCKET\s+DEFAULT ENCRYPTION\s+BUCKET KEY\s+SSE-C\n\S+ \S+\s+demo\s+SSE-S3\s+off\s+blocked\n$`).MatchString(r.Stdout) {
		t.Fatalf("ls:\n%s", r.Stdout)
	}

	r = bkCLI(t, dir, 0, "--show-aws", "bucket-encryption", "put", "s3://demo", "--sse", "aws:kms", "--kms-key", "alias/demo", "--bucket-key", "--allow-sse-c")
	for _, s := range []string{"algorithm    aws:kms (SSE-KMS)\n", "kms key      alias/demo\n", "bucket key   on\n", "blocked      NONE\n"} {
		if !strings.Contains(r.Stdout, s) {
			t.Fatalf("put lacks %q:\n%s", s, r.Stdout)
		}
	}
	if !strings.Contains(r.Stderr, `$ aws s3api put-bucket-encryption --bucket demo --server-side-encryption-configuration '{"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"aws:kms","KMSMasterKeyID":"alias/demo"},"BucketKeyEnabled":true,"BlockedEncryptionTypes":{"EncryptionType":["NONE"]}}]}'`) ||
		!strings.Contains(r.Stderr, "  # needs aws CLI 2.32.0 or later") ||
		strings.Count(r.Stderr, "# credentials: ") != 1 || !strings.Contains(r.Stderr, "--endpoint-url https://127.0.0.1:") {
		t.Fatalf("--show-aws: %q", r.Stderr)
	}

	r = bkCLI(t, dir, 0, "--json", "bucket-encryption", "get", "s3://demo")
	var got struct {
		Bucket                            string
		ServerSideEncryptionConfiguration struct {
			Rules []struct {
				ApplyServerSideEncryptionByDefault struct{ SSEAlgorithm, KMSMasterKeyID string }
				BucketKeyEnabled                   bool
				BlockedEncryptionTypes             struct{ EncryptionType []string }
			}
		}
		Notes []string
	}
	if err := json.Unmarshal([]byte(r.Stdout), &got); err != nil || got.Bucket != "demo" || len(got.ServerSideEncryptionConfiguration.Rules) != 1 || len(got.Notes) == 0 {
		t.Fatalf("get --json: %v %s", err, r.Stdout)
	}
	if rule := got.ServerSideEncryptionConfiguration.Rules[0]; rule.ApplyServerSideEncryptionByDefault.SSEAlgorithm != "aws:kms" ||
		rule.ApplyServerSideEncryptionByDefault.KMSMasterKeyID != "alias/demo" || !rule.BucketKeyEnabled ||
		strings.Join(rule.BlockedEncryptionTypes.EncryptionType, ",") != "NONE" {
		t.Fatalf("get --json rule: %+v\n%s", rule, r.Stdout)
	}
	r = bkCLI(t, dir, 0, "ls")
	if !regexp.MustCompile(`demo\s+SSE-KMS alias/demo\s+on\s+allowed\n`).MatchString(r.Stdout) {
		t.Fatalf("ls after put:\n%s", r.Stdout)
	}
	r = bkCLI(t, dir, 0, "bucket-encryption", "delete", "s3://demo")
	if !strings.Contains(r.Stdout, "algorithm    AES256 (SSE-S3)\n") || !strings.Contains(r.Stdout, "note: the read-back confirms it: deleting the rule reset the default to SSE-S3") {
		t.Fatalf("delete:\n%s", r.Stdout)
	}
	r = bkCLI(t, dir, 0, "rb", "s3://demo")
	if r.Stdout != "remove_bucket: demo\n" {
		t.Fatalf("rb: %q", r.Stdout)
	}
	r = bkCLI(t, dir, 0, "ls")
	if r.Stdout != "no buckets: create one with s3crypt mb s3://BUCKET\n" {
		t.Fatalf("ls of nothing: %q", r.Stdout)
	}
}

// seedEncryptJSON is the seed blog's encrypt.json, as written there.
const seedEncryptJSON = `{
                "ApplyServerSideEncryptionByDefault": {
                    "SSEAlgorithm": "aws:kms",
                    "KMSMasterKeyID": 12345 // Optional 
                }
   }
`

func TestBucketEncryptionErrorsCLI(t *testing.T) {
	dir := t.TempDir()
	bkCLI(t, dir, 0, "mb", "s3://demo")
	r := bkCLI(t, dir, 1, "bucket-encryption", "get", "s3://nope")
	if !strings.Contains(r.Stderr, "bucket nope does not exist in this region. Create it: s3crypt mb s3://nope") {
		t.Fatalf("missing bucket: %q", r.Stderr)
	}
	seed := filepath.Join(t.TempDir(), "encrypt.json")
	if err := os.WriteFile(seed, []byte(seedEncryptJSON), 0o600); err != nil {
		t.Fatal(err)
	}
	r = bkCLI(t, dir, 1, "bucket-encryption", "put", "s3://demo", "--file", seed)
	if !strings.Contains(r.Stderr, "encrypt.json, line 4, column 45: comments are not allowed in JSON ('// Optional'); remove the comment") ||
		!strings.Contains(r.Stderr, "line 4, column 39: KMSMasterKeyID must be a quoted string") || !strings.Contains(r.Stderr, "not the bare number 12345") || r.Stdout != "" {
		t.Fatalf("seed file: %q", r.Stderr)
	}
	fixed := filepath.Join(t.TempDir(), "fixed.json")
	if err := os.WriteFile(fixed, []byte(strings.Replace(seedEncryptJSON, "12345 // Optional", `"alias/demo"`, 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	r = bkCLI(t, dir, 0, "bucket-encryption", "put", "s3://demo", "--file", fixed)
	if !strings.Contains(r.Stdout, "kms key      alias/demo\n") || !strings.Contains(r.Stdout, "note: the file holds a bare rule, as the blog post's encrypt.json does: s3crypt accepts it, but the aws CLI would refuse it") {
		t.Fatalf("fixed file:\n%s", r.Stdout)
	}
	bkCLI(t, dir, 2, "bucket-encryption", "put", "s3://demo", "--block-sse-c", "--allow-sse-c")
	bkCLI(t, dir, 2, "bucket-encryption", "put", "s3://demo")
	bkCLI(t, dir, 2, "bucket-encryption", "put", "s3://demo", "--sse", "SSE-C")
	r = bkCLI(t, dir, 1, "bucket-encryption", "put", "s3://demo", "--sse", "AES256", "--kms-key", "alias/demo")
	if !strings.Contains(r.Stderr, "a KMS key applies only to aws:kms or aws:kms:dsse") {
		t.Fatalf("AES256 + key: %q", r.Stderr)
	}
}

func TestLsAndHeadCLI(t *testing.T) {
	dir := t.TempDir()
	bkCLI(t, dir, 0, "mb", "s3://files")
	bkCLI(t, dir, 0, "bucket-encryption", "put", "s3://files", "--allow-sse-c")
	src := filepath.Join(t.TempDir(), "note.txt")
	if err := os.WriteFile(src, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	key := filepath.Join(t.TempDir(), "c.key")
	bkCLI(t, dir, 0, "put", src, "s3://files/dir/plain.txt")
	bkCLI(t, dir, 0, "put", "--sse", "aws:kms", "--bucket-key", src, "s3://files/kms.txt")
	bkCLI(t, dir, 0, "put", "--sse-c-generate", key, src, "s3://files/secret.bin")

	r := bkCLI(t, dir, 0, "ls", "s3://files")
	lines := strings.Split(strings.TrimRight(r.Stdout, "\n"), "\n")
	if len(lines) != 4 || !regexp.MustCompile(`^\s+PRE\s+dir/\s*$`).MatchString(lines[0]) ||
		!regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+5 B\s+kms\.txt\s+SSE-KMS alias/aws/s3 B$`).MatchString(lines[1]) ||
		!regexp.MustCompile(`^\S+ \S+\s+5 B\s+secret\.bin\s+SSE-C md5 \S{4}…$`).MatchString(lines[2]) ||
		!strings.HasPrefix(lines[3], "note: 1 SSE-C object(s)") {
		t.Fatalf("ls s3://files:\n%s", r.Stdout)
	}
	r = bkCLI(t, dir, 0, "ls", "s3://files/dir/")
	if !regexp.MustCompile(`^\S+ \S+\s+5 B\s+plain\.txt\s+SSE-S3\n$`).MatchString(r.Stdout) {
		t.Fatalf("ls s3://files/dir/:\n%s", r.Stdout)
	}
	r = bkCLI(t, dir, 0, "ls", "--recursive", "--json", "s3://files")
	var list struct {
		Contents []struct{ Key, Label string }
	}
	if err := json.Unmarshal([]byte(r.Stdout), &list); err != nil || len(list.Contents) != 3 || list.Contents[0].Key != "dir/plain.txt" {
		t.Fatalf("ls --recursive --json: %v %s", err, r.Stdout)
	}
	r = bkCLI(t, dir, 1, "ls", "s3://nope")
	if !strings.Contains(r.Stderr, "Create it: s3crypt mb s3://nope") {
		t.Fatalf("ls of a missing bucket: %q", r.Stderr)
	}

	r = bkCLI(t, dir, 1, "head", "s3://files/secret.bin")
	if !strings.Contains(r.Stderr, "s3://files/secret.bin is encrypted with SSE-C and the request carried no key") ||
		!strings.Contains(r.Stderr, "Pass the object's key with --sse-c-key FILE") {
		t.Fatalf("head without key: %q", r.Stderr)
	}
	r = bkCLI(t, dir, 0, "--show-aws", "head", "s3://files/secret.bin", "--sse-c-key", key)
	for _, s := range []string{"encryption   SSE-C", "sse-c md5    ", "at rest (sandbox: what lies on disk)", "sse-c check  salted HMAC ", "plaintext key never stored"} {
		if !strings.Contains(r.Stdout, s) {
			t.Fatalf("head --sse-c-key lacks %q:\n%s", s, r.Stdout)
		}
	}
	if !strings.Contains(r.Stderr, "$ aws s3api head-object --bucket files --key secret.bin --checksum-mode ENABLED --sse-customer-algorithm AES256 --sse-customer-key fileb://"+key) {
		t.Fatalf("head --show-aws: %q", r.Stderr)
	}
	r = bkCLI(t, dir, 0, "--json", "head", "s3://files/kms.txt")
	var head struct {
		EncryptionMode, ServerSideEncryption string
		KMSKey                               struct {
			KeyManager string
			Aliases    []struct{ AliasName string }
		}
		AtRest struct {
			PlaintextKey string
			Layers       []struct{ EncryptionContext map[string]string }
		}
	}
	if err := json.Unmarshal([]byte(r.Stdout), &head); err != nil || head.EncryptionMode != "SSE-KMS" || head.ServerSideEncryption != "aws:kms" ||
		head.KMSKey.KeyManager != "AWS" || len(head.KMSKey.Aliases) != 1 || head.KMSKey.Aliases[0].AliasName != "alias/aws/s3" ||
		head.AtRest.PlaintextKey != "never stored" || len(head.AtRest.Layers) != 1 || head.AtRest.Layers[0].EncryptionContext["aws:s3:arn"] != "arn:aws:s3:::files" {
		t.Fatalf("head --json: %v %s", err, r.Stdout)
	}
	r = bkCLI(t, dir, 1, "head", "s3://files/nope")
	if !strings.Contains(r.Stderr, "s3://files/nope does not exist") {
		t.Fatalf("head of a missing key: %q", r.Stderr)
	}
	bkCLI(t, dir, 2, "head", "s3://files")
	r = bkCLI(t, dir, 1, "rb", "s3://files")
	if !strings.Contains(r.Stderr, "bucket files is not empty") || !strings.Contains(r.Stderr, "Empty it first") {
		t.Fatalf("rb of a full bucket: %q", r.Stderr)
	}
}
