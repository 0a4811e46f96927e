package e2e

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/s3crypt/s3crypt/actions"
	"github.com/s3crypt/s3crypt/internal/testtool"
)

// policyRig runs Debian's aws CLI against one `s3crypt serve` that also
// serves plain HTTP.
type policyRig struct {
	t    *testing.T
	aws  string
	srv  *testtool.Serve
	http string // the plain-HTTP endpoint
	dir  string
}

func newPolicyRig(t *testing.T) *policyRig {
	t.Helper()
	aws := testtool.Require(t, testtool.DebianAWS)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	srv := testtool.StartServe(t, testtool.BuildBinary(t), t.TempDir(), "--http-addr", addr)
	return &policyRig{t: t, aws: aws, srv: srv, http: "http://" + addr, dir: t.TempDir()}
}

// run runs the aws CLI with args and returns its output and error.
func (r *policyRig) run(args ...string) (string, error) {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if args[0] != "--endpoint-url" {
		// aws CLI 2.9 reads no AWS_ENDPOINT_URL (2.13 does).
		args = append([]string{"--endpoint-url", r.srv.Endpoint, "--ca-bundle", r.srv.CAFile}, args...)
	}
	cmd := exec.CommandContext(ctx, r.aws, args...)
	cmd.Dir = r.dir
	cmd.Env = append(r.srv.Env(), "AWS_MAX_ATTEMPTS=1", "AWS_EC2_METADATA_DISABLED=true", "HOME="+r.dir)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	r.t.Logf("$ aws %s\n%s", strings.Join(args, " "), out.String())
	return out.String(), err
}

func (r *policyRig) must(args ...string) string {
	r.t.Helper()
	out, err := r.run(args...)
	if err != nil {
		r.t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// refused fails unless the command fails with 403 AccessDenied.
func (r *policyRig) refused(args ...string) {
	r.t.Helper()
	out, err := r.run(args...)
	if err == nil || !strings.Contains(out, "(AccessDenied)") {
		r.t.Fatalf("aws %s: want AccessDenied, got %v\n%s", strings.Join(args, " "), err, out)
	}
}

// TestAWSCLIBucketPolicyRequiresSSEKMS: with s3crypt's ready-made policy
// (put through the aws CLI command s3crypt prints), put-object without
// --server-side-encryption aws:kms is refused 403 AccessDenied and with
// it accepted; get-bucket-policy gives the document back.
func TestAWSCLIBucketPolicyRequiresSSEKMS(t *testing.T) {
	r := newPolicyRig(t)
	r.must("s3api", "create-bucket", "--bucket", "pol-kms")
	doc := actions.ReadyPolicy{RequireSSEKMS: true}.Document("pol-kms")
	file := filepath.Join(r.dir, "policy.json")
	if err := os.WriteFile(file, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	r.must("s3api", "put-bucket-policy", "--bucket", "pol-kms", "--policy", "file://"+file)
	if out := r.must("s3api", "get-bucket-policy", "--bucket", "pol-kms", "--query", "Policy", "--output", "text"); strings.TrimSpace(out) != doc {
		t.Fatalf("get-bucket-policy: %q, want %q", out, doc)
	}
	body := filepath.Join(r.dir, "body.txt")
	if err := os.WriteFile(body, []byte("must be SSE-KMS"), 0o600); err != nil {
		t.Fatal(err)
	}
	r.refused("s3api", "put-object", "--bucket", "pol-kms", "--key", "plain", "--body", body)
	r.refused("s3api", "put-object", "--bucket", "pol-kms", "--key", "sse-s3", "--body", body, "--server-side-encryption", "AES256")
	out := r.must("s3api", "put-object", "--bucket", "pol-kms", "--key", "kms", "--body", body, "--server-side-encryption", "aws:kms")
	if !strings.Contains(out, `"ServerSideEncryption": "aws:kms"`) {
		t.Fatalf("put-object with aws:kms: %s", out)
	}
	// The status call of the aws CLI too.
	if out := r.must("s3api", "get-bucket-policy-status", "--bucket", "pol-kms"); !strings.Contains(out, `"IsPublic": false`) {
		t.Fatalf("get-bucket-policy-status: %s", out)
	}
	r.must("s3api", "delete-bucket-policy", "--bucket", "pol-kms")
	r.must("s3api", "put-object", "--bucket", "pol-kms", "--key", "plain", "--body", body)
}

// TestAWSCLIBucketPolicyRequiresTLS: a Deny on aws:SecureTransport false
// refuses the same aws CLI command over plain HTTP (serve --http-addr)
// and lets it through over HTTPS.
func TestAWSCLIBucketPolicyRequiresTLS(t *testing.T) {
	r := newPolicyRig(t)
	r.must("s3api", "create-bucket", "--bucket", "pol-tls")
	r.must("s3api", "put-bucket-policy", "--bucket", "pol-tls", "--policy", actions.ReadyPolicy{RequireTLS: true}.Document("pol-tls"))
	body := filepath.Join(r.dir, "body.txt")
	if err := os.WriteFile(body, []byte("over TLS only"), 0o600); err != nil {
		t.Fatal(err)
	}
	r.must("s3api", "put-object", "--bucket", "pol-tls", "--key", "k", "--body", body)
	r.refused("--endpoint-url", r.http, "s3api", "put-object", "--bucket", "pol-tls", "--key", "k", "--body", body)
	r.refused("--endpoint-url", r.http, "s3api", "get-object", "--bucket", "pol-tls", "--key", "k", filepath.Join(r.dir, "out"))
	r.must("s3api", "get-object", "--bucket", "pol-tls", "--key", "k", filepath.Join(r.dir, "out"))
}

// TestAWSCLIDeleteBucketWithUploadInProgress: delete-bucket succeeds on a
// bucket whose only content is a multipart upload in progress, as on AWS.
func TestAWSCLIDeleteBucketWithUploadInProgress(t *testing.T) {
	r := newPolicyRig(t)
	r.must("s3api", "create-bucket", "--bucket", "mpu-only")
	r.must("s3api", "create-multipart-upload", "--bucket", "mpu-only", "--key", "big")
	if out := r.must("s3api", "list-multipart-uploads", "--bucket", "mpu-only"); !strings.Contains(out, `"Key": "big"`) {
		t.Fatalf("no upload in progress: %s", out)
	}
	r.must("s3api", "delete-bucket", "--bucket", "mpu-only")
	if _, err := r.run("s3api", "head-bucket", "--bucket", "mpu-only"); err == nil {
		t.Fatal("the bucket is still there")
	}
}

// TestBucketPolicyCommandsRun: the aws commands s3crypt prints for
// bucket-policy put (ready-made and from a file), get and delete do what
// s3crypt did, run as printed through Debian's aws CLI.
func TestBucketPolicyCommandsRun(t *testing.T) {
	r := newCmdRig(t)
	ctx := context.Background()
	s3api := r.env.Backend.S3
	r.act(&actions.MakeBucket{Bucket: "cmds-pol"})
	r.act(&actions.CreateKey{Alias: "alias/cmds-pol"})
	policyOf := func() string {
		out, err := s3api.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String("cmds-pol")})
		if err != nil {
			var ae smithy.APIError
			if errors.As(err, &ae) && ae.ErrorCode() == "NoSuchBucketPolicy" {
				return ""
			}
			t.Fatal(err)
		}
		return aws.ToString(out.Policy)
	}
	file := r.write("p.json", []byte(actions.ReadyPolicy{DenySSEC: true}.Document("cmds-pol")))
	for _, p := range []*actions.PutBucketPolicy{
		{Bucket: "cmds-pol", RequireSSEKMS: true, KMSKey: "alias/cmds-pol", RequireTLS: true, DenySSEC: true},
		{Bucket: "cmds-pol", File: file},
	} {
		res, cmds := r.act(p)
		mine := res.(actions.BucketPolicyResult)
		if mine.Enforces == nil || mine.Policy == "" {
			t.Fatalf("put gave %+v", mine)
		}
		r.must(s3api.DeleteBucketPolicy(ctx, &s3.DeleteBucketPolicyInput{Bucket: aws.String("cmds-pol")}))
		r.shAll(cmds)
		if got := policyOf(); got != mine.Policy {
			t.Fatalf("policy put by the printed command:\n%s\ns3crypt put:\n%s", got, mine.Policy)
		}
	}
	_, cmds := r.act(&actions.GetBucketPolicy{Bucket: "cmds-pol"})
	if out := r.shAll(cmds); !strings.Contains(out[0], "DenySSEC") {
		t.Fatalf("aws s3api get-bucket-policy printed %q", out[0])
	}
	_, cmds = r.act(&actions.DeleteBucketPolicy{Bucket: "cmds-pol"})
	r.must(s3api.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("cmds-pol"),
		Policy: aws.String(actions.ReadyPolicy{RequireTLS: true}.Document("cmds-pol"))}))
	r.shAll(cmds)
	if got := policyOf(); got != "" {
		t.Fatalf("after the printed delete-bucket-policy: %s", got)
	}
}
