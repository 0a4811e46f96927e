package awsclient_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/rand"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/s3crypt/s3crypt/awsclient"
	"github.com/s3crypt/s3crypt/sandbox"
)

func noEnv(string) string { return "" }

// TestSandboxBackendTrustsItsCA opens the default backend with
// AWS_CA_BUNDLE pointing at the system bundle (as on these machines): the
// sandbox client must still trust the sandbox's own CA.
func TestSandboxBackendTrustsItsCA(t *testing.T) {
	t.Setenv("AWS_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")
	b, err := awsclient.Open(context.Background(), awsclient.Options{DataDir: t.TempDir(), Getenv: noEnv})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if b.Kind != awsclient.KindSandbox || b.Sandbox == nil || !strings.HasPrefix(b.Label, "sandbox · us-east-1 · data ") {
		t.Fatalf("backend: %v %q", b.Kind, b.Label)
	}
	if _, err := b.S3.ListBuckets(context.Background(), &s3.ListBucketsInput{}); err != nil {
		t.Fatalf("list buckets: %v", err)
	}
}

// TestEndpointBackendAndRecorder points a backend at a running sandbox by
// endpoint URL (the AWS_ENDPOINT_URL path) and checks what the recorder
// keeps: operations, encryption headers, a masked SSE-C key, KMS counts.
func TestEndpointBackendAndRecorder(t *testing.T) {
	sb, err := sandbox.Start(context.Background(), sandbox.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	unsetEndpoints(t)
	c := sb.Credentials()
	t.Setenv("AWS_ACCESS_KEY_ID", c.AccessKeyID)
	t.Setenv("AWS_SECRET_ACCESS_KEY", c.SecretAccessKey)
	t.Setenv("AWS_CA_BUNDLE", sb.CAFile())
	t.Setenv("AWS_CONFIG_FILE", "/dev/null")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
	t.Setenv("AWS_ENDPOINT_URL", sb.Endpoint()) // the SDK reads the process's environment
	b, err := awsclient.Open(context.Background(), awsclient.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if b.Kind != awsclient.KindEndpoint || b.Endpoint != sb.Endpoint() || b.Region != "us-east-1" {
		t.Fatalf("backend: %v %q %q", b.Kind, b.Endpoint, b.Region)
	}
	ctx := context.Background()
	if _, err := b.S3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("rec")}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.KMS.CreateKey(ctx, &kms.CreateKeyInput{}); err != nil {
		t.Fatal(err)
	}
	raw := make([]byte, 32)
	_, _ = rand.Read(raw)
	sum := md5.Sum(raw)
	keyB64 := base64.StdEncoding.EncodeToString(raw)
	// SSE-C is blocked on new buckets: the request fails, but it is recorded.
	_, _ = b.S3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("rec"), Key: aws.String("k"), Body: bytes.NewReader([]byte("x")),
		SSECustomerAlgorithm: aws.String("AES256"), SSECustomerKey: aws.String(keyB64), SSECustomerKeyMD5: aws.String(base64.StdEncoding.EncodeToString(sum[:]))})
	calls := b.Recorder.Calls()
	if len(calls) != 3 {
		t.Fatalf("want 3 calls recorded, got %d", len(calls))
	}
	last := calls[2]
	if last.Service != "S3" || last.Operation != "PutObject" || last.Status != 403 ||
		last.Sent["x-amz-server-side-encryption-customer-key"] != awsclient.Masked || last.Sent["x-amz-server-side-encryption-customer-algorithm"] != "AES256" {
		t.Fatalf("last call: %+v", last)
	}
	for _, call := range calls {
		for _, v := range call.Sent {
			if strings.Contains(v, keyB64) {
				t.Fatal("SSE-C key recorded in clear")
			}
		}
	}
	if b.Recorder.KMSTotal() != 1 || b.Recorder.KMSCalls()["CreateKey"] != 1 {
		t.Fatalf("KMS counter: %v", b.Recorder.KMSCalls())
	}
}

// TestAWSBackendNeedsARegion checks the real-AWS path's configuration
// error without touching the network.
func TestAWSBackendNeedsARegion(t *testing.T) {
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_DEFAULT_REGION", "")
	t.Setenv("AWS_CONFIG_FILE", "/dev/null")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
	t.Setenv("AWS_PROFILE", "")
	_, err := awsclient.Open(context.Background(), awsclient.Options{AWS: true, Getenv: noEnv})
	if err == nil || !strings.Contains(err.Error(), "--region") {
		t.Fatalf("want a region error, got %v", err)
	}
	b, err := awsclient.Open(context.Background(), awsclient.Options{AWS: true, Region: "eu-west-1", Getenv: noEnv})
	if err != nil || b.Kind != awsclient.KindAWS || b.Label != "aws · profile default · eu-west-1" {
		t.Fatalf("aws backend: %v %+v", err, b)
	}
}

// TestSandboxIgnoresUserProfile: a user's AWS_PROFILE or config must not
// break or leak into the sandbox backend.
func TestSandboxIgnoresUserProfile(t *testing.T) {
	t.Setenv("AWS_PROFILE", "no-such-profile")
	t.Setenv("AWS_REGION", "eu-north-1")
	b, err := awsclient.Open(context.Background(), awsclient.Options{DataDir: t.TempDir(), Getenv: noEnv})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if b.Region != "us-east-1" {
		t.Fatalf("region leaked from the environment: %s", b.Region)
	}
	if _, err := b.S3.ListBuckets(context.Background(), &s3.ListBucketsInput{}); err != nil {
		t.Fatalf("list buckets: %v", err)
	}
}
