package cli_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/s3crypt/s3crypt/internal/sandboxtest"
)

// objectsSandbox prepares a data dir with one bucket that allows SSE-C.
func objectsSandbox(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	b := sandboxtest.BackendIn(t, dir)
	ctx := context.Background()
	if _, err := b.S3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("files")}); err != nil {
		t.Fatal(err)
	}
	_, err := b.S3.PutBucketEncryption(ctx, &s3.PutBucketEncryptionInput{Bucket: aws.String("files"),
		ServerSideEncryptionConfiguration: &s3types.ServerSideEncryptionConfiguration{Rules: []s3types.ServerSideEncryptionRule{{
			ApplyServerSideEncryptionByDefault: &s3types.ServerSideEncryptionByDefault{SSEAlgorithm: "AES256"},
			BlockedEncryptionTypes:             &s3types.BlockedEncryptionTypes{EncryptionType: []s3types.EncryptionType{"NONE"}}}}}})
	if err != nil {
		t.Fatal(err)
	}
	b.Close()
	return dir
}

func objectsFile(t *testing.T, n int) (string, []byte) {
	t.Helper()
	data := make([]byte, n)
	_, _ = rand.Read(data)
	p := filepath.Join(t.TempDir(), "in.bin")
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p, data
}

// TestPutGetVerbs round-trips files through the CLI in each mode.
func TestPutGetVerbs(t *testing.T) {
	dir := objectsSandbox(t)
	src, data := objectsFile(t, 70000)
	keyFile := filepath.Join(t.TempDir(), "ssec.key")
	for _, c := range []struct {
		name string
		put  []string
		get  []string
		want string
	}{
		{"default", nil, nil, "SSE-S3"},
		{"kms", []string{"--sse", "aws:kms"}, nil, "SSE-KMS"},
		{"kms-bk", []string{"--sse", "aws:kms", "--bucket-key"}, nil, "with a bucket key"},
		{"dsse", []string{"--sse", "aws:kms:dsse"}, nil, "DSSE-KMS"},
		{"ssec", []string{"--sse-c-generate", keyFile}, []string{"--sse-c-key", keyFile}, "SSE-C"},
	} {
		args := append([]string{"--data", dir, "put", src, "s3://files/" + c.name}, c.put...)
		r := sandboxtest.CLI(t, args...)
		if r.Code != 0 || !strings.Contains(r.Stdout, c.want) {
			t.Fatalf("put %s: code %d\n%s%s", c.name, r.Code, r.Stdout, r.Stderr)
		}
		out := filepath.Join(t.TempDir(), "out.bin")
		r = sandboxtest.CLI(t, append([]string{"--data", dir, "get", "s3://files/" + c.name, out}, c.get...)...)
		if r.Code != 0 {
			t.Fatalf("get %s: code %d\n%s%s", c.name, r.Code, r.Stdout, r.Stderr)
		}
		got, _ := os.ReadFile(out)
		if !bytes.Equal(got, data) {
			t.Fatalf("%s: bytes differ", c.name)
		}
	}
	if fi, err := os.Stat(keyFile); err != nil || fi.Mode().Perm() != 0o600 || fi.Size() != 32 {
		t.Fatalf("generated key file: %v %v", err, fi)
	}
	// --sse-c-generate never overwrites.
	r := sandboxtest.CLI(t, "--data", dir, "put", src, "s3://files/again", "--sse-c-generate", keyFile)
	if r.Code != 1 || !strings.Contains(r.Stderr, "exist") {
		t.Fatalf("overwrite refused? code %d %s", r.Code, r.Stderr)
	}
}

// TestGetErrorsSayWhatToDo checks the messages and exit codes of failures,
// and that no key material reaches any output.
func TestGetErrorsSayWhatToDo(t *testing.T) {
	dir := objectsSandbox(t)
	src, _ := objectsFile(t, 1000)
	keyFile := filepath.Join(t.TempDir(), "k")
	if r := sandboxtest.CLI(t, "--data", dir, "--trace", "--show-aws", "put", src, "s3://files/secret", "--sse-c-generate", keyFile); r.Code != 0 {
		t.Fatalf("put: %s", r.Stderr)
	}
	raw, _ := os.ReadFile(keyFile)
	secrets := []string{base64.StdEncoding.EncodeToString(raw), hex.EncodeToString(raw), string(raw)}
	out := filepath.Join(t.TempDir(), "o")
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"get", "s3://files/secret", out}, 1, "--sse-c-key"},
		{[]string{"get", "s3://files/nothing", out}, 1, "does not exist"},
		{[]string{"get", "s3://nobucket/x", out}, 1, "s3crypt mb s3://nobucket"},
		{[]string{"put", src, "s3://files/x", "--sse", "aws:kms", "--kms-key", "fake-key-id"}, 1, "s3crypt kms list-keys"},
		{[]string{"put", src, "s3://files/x", "--sse", "AES256", "--kms-key", "k"}, 1, "--kms-key needs --sse aws:kms"},
		{[]string{"put", src, "files/x"}, 2, "not an S3 URL"},
		{[]string{"put", src}, 2, ""},
		{[]string{"get", "s3://files/secret", out, "--sse-c-key", src}, 1, "32"},
	}
	for _, c := range cases {
		r := sandboxtest.CLI(t, append([]string{"--data", dir, "--trace", "--show-aws"}, c.args...)...)
		if r.Code != c.code || !strings.Contains(r.Stderr, c.want) {
			t.Fatalf("%v: code %d (want %d), stderr lacks %q:\n%s", c.args, r.Code, c.code, c.want, r.Stderr)
		}
		for _, s := range secrets {
			if strings.Contains(r.Stdout+r.Stderr, s) {
				t.Fatalf("%v: key material in output", c.args)
			}
		}
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Fatal("failed downloads left a file")
	}
}

// TestPutJSONAndTrace checks --json, --trace and --show-aws output.
func TestPutJSONAndTrace(t *testing.T) {
	dir := objectsSandbox(t)
	src, _ := objectsFile(t, 10)
	r := sandboxtest.CLI(t, "--data", dir, "--json", "--trace", "--show-aws", "put", src, "s3://files/j", "--sse", "aws:kms", "--bucket-key")
	if r.Code != 0 {
		t.Fatalf("put: %s", r.Stderr)
	}
	var res struct {
		ServerSideEncryption string
		SSEKMSKeyID          string `json:"SSEKMSKeyId"`
		BucketKeyEnabled     bool
		KMSRequestCount      int
		DurationSeconds      float64
	}
	if err := json.Unmarshal([]byte(r.Stdout), &res); err != nil {
		t.Fatalf("--json output: %v\n%s", err, r.Stdout)
	}
	if res.ServerSideEncryption != "aws:kms" || !res.BucketKeyEnabled || !strings.Contains(res.SSEKMSKeyID, ":key/") || res.KMSRequestCount != 1 ||
		res.DurationSeconds <= 0 || res.DurationSeconds > 60 {
		t.Fatalf("result: %+v", res)
	}
	// Under --json, --trace and --show-aws print one JSON object a line.
	var command string
	kmsToS3 := false
	for _, line := range strings.Split(strings.TrimSpace(r.Stderr), "\n") {
		var v struct {
			AWSCommand string
			Step       *struct{ Actor, To, Op, Title string }
		}
		if err := json.Unmarshal([]byte(line), &v); err != nil {
			t.Fatalf("stderr line is not JSON: %v\n%s", err, line)
		}
		if strings.HasPrefix(v.AWSCommand, "aws s3api put-object") {
			command = v.AWSCommand
		}
		if v.Step != nil && v.Step.Actor == "KMS" && v.Step.To == "S3" {
			kmsToS3 = true
		}
	}
	if !strings.Contains(command, "aws s3api put-object --bucket files --key j") || !strings.Contains(command, "--server-side-encryption aws:kms --bucket-key-enabled") || !kmsToS3 {
		t.Fatalf("command %q, a KMS → S3 step %v:\n%s", command, kmsToS3, r.Stderr)
	}
	for _, want := range []string{"GenerateDataKey", "BucketKeyCreated", "Stored"} {
		if !strings.Contains(r.Stderr, want) {
			t.Fatalf("stderr lacks %q:\n%s", want, r.Stderr)
		}
	}
	r = sandboxtest.CLI(t, "--data", dir, "--trace", "--show-aws", "put", src, "s3://files/j2", "--sse", "aws:kms")
	if r.Code != 0 || !strings.Contains(r.Stderr, "$ aws s3api put-object --bucket files --key j2") || !strings.Contains(r.Stderr, "KMS → S3") {
		t.Fatalf("without --json the trace stays text:\n%s", r.Stderr)
	}
}

// TestPutWithAsymmetricKeyExplains refuses an RSA key for SSE-KMS with a
// message that says why and what to use.
func TestPutWithAsymmetricKeyExplains(t *testing.T) {
	dir := objectsSandbox(t)
	r := sandboxtest.CLI(t, "--data", dir, "--json", "kms", "create-key", "--key-spec", "RSA_2048", "--key-usage", "ENCRYPT_DECRYPT")
	if r.Code != 0 {
		t.Fatalf("create RSA key: %s", r.Stderr)
	}
	var created struct {
		KeyMetadata struct {
			KeyID string `json:"KeyId"`
		}
	}
	if err := json.Unmarshal([]byte(r.Stdout), &created); err != nil || created.KeyMetadata.KeyID == "" {
		t.Fatalf("create-key --json: %v\n%s", err, r.Stdout)
	}
	src, _ := objectsFile(t, 10)
	r = sandboxtest.CLI(t, "--data", dir, "put", src, "s3://files/rsa", "--sse", "aws:kms", "--kms-key", created.KeyMetadata.KeyID)
	if r.Code != 1 || !strings.Contains(r.Stderr, "symmetric") || !strings.Contains(r.Stderr, "s3crypt kms create-key") {
		t.Fatalf("RSA key for SSE-KMS: code %d\n%s", r.Code, r.Stderr)
	}
}

// TestShowAWSNotesBase64KeyFile: with a base64 key file, the aws command
// s3crypt shows says how to give the CLI raw bytes.
func TestShowAWSNotesBase64KeyFile(t *testing.T) {
	dir := objectsSandbox(t)
	src, _ := objectsFile(t, 10)
	raw := make([]byte, 32)
	_, _ = rand.Read(raw)
	keyFile := filepath.Join(t.TempDir(), "key.b64")
	if err := os.WriteFile(keyFile, []byte(base64.StdEncoding.EncodeToString(raw)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := sandboxtest.CLI(t, "--data", dir, "--show-aws", "put", src, "s3://files/b64", "--sse-c-key", keyFile)
	if r.Code != 0 || !strings.Contains(r.Stderr, "base64 -d "+keyFile) {
		t.Fatalf("code %d\n%s", r.Code, r.Stderr)
	}
}

// TestRmVerb deletes an object and says so; a second get fails.
func TestRmVerb(t *testing.T) {
	dir := objectsSandbox(t)
	src, _ := objectsFile(t, 10)
	if r := sandboxtest.CLI(t, "--data", dir, "put", src, "s3://files/gone"); r.Code != 0 {
		t.Fatal(r.Stderr)
	}
	r := sandboxtest.CLI(t, "--data", dir, "--show-aws", "rm", "s3://files/gone")
	if r.Code != 0 || !strings.Contains(r.Stdout, "delete: s3://files/gone") || !strings.Contains(r.Stderr, "aws s3api delete-object --bucket files --key gone") {
		t.Fatalf("rm: %d %s %s", r.Code, r.Stdout, r.Stderr)
	}
	if r := sandboxtest.CLI(t, "--data", dir, "get", "s3://files/gone", filepath.Join(t.TempDir(), "x")); r.Code != 1 {
		t.Fatalf("get after rm: %d", r.Code)
	}
}

// TestRefusedSSECUploadRemovesFreshKey: when S3 refuses an upload, the key
// --sse-c-generate just wrote protects nothing and is removed, so the retry
// (after allowing SSE-C) can use the same file name.
func TestRefusedSSECUploadRemovesFreshKey(t *testing.T) {
	dir := t.TempDir()
	src, _ := objectsFile(t, 10)
	keyFile := filepath.Join(t.TempDir(), "key.bin")
	if r := sandboxtest.CLI(t, "--data", dir, "mb", "s3://blocked"); r.Code != 0 {
		t.Fatal(r.Stderr)
	}
	r := sandboxtest.CLI(t, "--data", dir, "put", src, "s3://blocked/x", "--sse-c-generate", keyFile)
	if r.Code != 1 || !strings.Contains(r.Stderr, "--allow-sse-c") || !strings.Contains(r.Stderr, "removed it") {
		t.Fatalf("blocked put: %d\n%s", r.Code, r.Stderr)
	}
	if _, err := os.Stat(keyFile); !os.IsNotExist(err) {
		t.Fatal("the unused key file is still there")
	}
	if r := sandboxtest.CLI(t, "--data", dir, "bucket-encryption", "put", "s3://blocked", "--allow-sse-c"); r.Code != 0 {
		t.Fatal(r.Stderr)
	}
	if r := sandboxtest.CLI(t, "--data", dir, "put", src, "s3://blocked/x", "--sse-c-generate", keyFile); r.Code != 0 {
		t.Fatalf("retry: %s", r.Stderr)
	}
}
