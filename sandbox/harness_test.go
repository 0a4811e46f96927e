package sandbox_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/logging"

	"github.com/s3crypt/s3crypt/sandbox"
)

// env is a running sandbox with SDK clients that trust its CA.
type env struct {
	t   *testing.T
	sb  *sandbox.Sandbox
	s3  *s3.Client
	kms *kms.Client
	cfg aws.Config
}

func newEnv(t *testing.T, opts ...func(*sandbox.Options)) *env {
	t.Helper()
	o := sandbox.Options{Dir: t.TempDir(), NoSync: true, HTTPAddr: "127.0.0.1:0"}
	for _, f := range opts {
		f(&o)
	}
	sb, err := sandbox.Start(context.Background(), o)
	if err != nil {
		t.Fatalf("start sandbox: %v", err)
	}
	t.Cleanup(func() { sb.Close() })
	return envFor(t, sb)
}

// envFor is the env of a sandbox started (or attached to) elsewhere.
func envFor(t *testing.T, sb *sandbox.Sandbox) *env {
	e := &env{t: t, sb: sb}
	e.cfg = e.config(sb.Endpoint())
	e.s3 = s3.NewFromConfig(e.cfg, func(o *s3.Options) { o.UsePathStyle = true })
	e.kms = kms.NewFromConfig(e.cfg)
	return e
}

// config builds an SDK config for endpoint that trusts the sandbox CA
// explicitly (AWS_CA_BUNDLE may point at the system bundle here).
func (e *env) config(endpoint string) aws.Config {
	c := e.sb.Credentials()
	hc := awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) {
		tr.TLSClientConfig = &tls.Config{RootCAs: e.sb.CAPool()}
	})
	cfg, err := config.LoadDefaultConfig(context.Background(),
		config.WithRegion(e.sb.Region()),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(c.AccessKeyID, c.SecretAccessKey, "")),
		config.WithHTTPClient(hc),
		config.WithBaseEndpoint(endpoint),
		config.WithRetryMaxAttempts(1),
		config.WithSharedConfigProfile(""),
		config.WithLogger(logging.Nop{}),
	)
	if err != nil {
		e.t.Fatalf("sdk config: %v", err)
	}
	return cfg
}

// httpS3 is an S3 client for the plain-HTTP endpoint.
func (e *env) httpS3() *s3.Client {
	return s3.NewFromConfig(e.config(e.sb.HTTPEndpoint()), func(o *s3.Options) { o.UsePathStyle = true })
}

func ctx() context.Context {
	c, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	_ = cancel // released when the test process ends; tests are short
	return c
}

// mkBucket creates a bucket and fails the test on error.
func (e *env) mkBucket(name string) {
	e.t.Helper()
	if _, err := e.s3.CreateBucket(ctx(), &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		e.t.Fatalf("create bucket %s: %v", name, err)
	}
}

// allowSSEC unblocks SSE-C on a bucket (blocked by default since 2026).
func (e *env) allowSSEC(bucket string) {
	e.t.Helper()
	_, err := e.s3.PutBucketEncryption(ctx(), &s3.PutBucketEncryptionInput{Bucket: aws.String(bucket),
		ServerSideEncryptionConfiguration: &s3types.ServerSideEncryptionConfiguration{Rules: []s3types.ServerSideEncryptionRule{{
			ApplyServerSideEncryptionByDefault: &s3types.ServerSideEncryptionByDefault{SSEAlgorithm: s3types.ServerSideEncryptionAes256},
			BlockedEncryptionTypes:             &s3types.BlockedEncryptionTypes{EncryptionType: []s3types.EncryptionType{s3types.EncryptionTypeNone}},
		}}}})
	if err != nil {
		e.t.Fatalf("allow SSE-C on %s: %v", bucket, err)
	}
}

// createKey makes a symmetric customer managed key and returns its id.
func (e *env) createKey(alias string) string {
	e.t.Helper()
	out, err := e.kms.CreateKey(ctx(), &kms.CreateKeyInput{})
	if err != nil {
		e.t.Fatalf("create key: %v", err)
	}
	if alias != "" {
		if _, err := e.kms.CreateAlias(ctx(), &kms.CreateAliasInput{AliasName: aws.String(alias), TargetKeyId: out.KeyMetadata.KeyId}); err != nil {
			e.t.Fatalf("create alias: %v", err)
		}
	}
	return *out.KeyMetadata.KeyId
}

// get reads a whole object.
func (e *env) get(in *s3.GetObjectInput) ([]byte, *s3.GetObjectOutput, error) {
	out, err := e.s3.GetObject(ctx(), in)
	if err != nil {
		return nil, nil, err
	}
	defer out.Body.Close()
	data, err := io.ReadAll(out.Body)
	return data, out, err
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

// ssecKey returns a random SSE-C key as the SDK wants it: base64 key and
// base64 MD5 of the raw bytes.
func ssecKey() (key, md5b64 string) {
	raw := randomBytes(32)
	sum := md5.Sum(raw)
	return base64.StdEncoding.EncodeToString(raw), base64.StdEncoding.EncodeToString(sum[:])
}

// apiCode returns the error code and HTTP status of an SDK error.
func apiCode(err error) (string, int) {
	var ae smithy.APIError
	code := ""
	if errors.As(err, &ae) {
		code = ae.ErrorCode()
	}
	var re *awshttp.ResponseError
	status := 0
	if errors.As(err, &re) {
		status = re.HTTPStatusCode()
	}
	return code, status
}

// wantErr fails unless err carries code and status.
func wantErr(t *testing.T, err error, code string, status int) {
	t.Helper()
	if err == nil {
		t.Fatalf("want %s (%d), got success", code, status)
	}
	c, s := apiCode(err)
	if c != code || s != status {
		t.Fatalf("want %s (%d), got %s (%d): %v", code, status, c, s, err)
	}
}

func mustEqual(t *testing.T, what string, got, want []byte) {
	t.Helper()
	if !bytes.Equal(got, want) {
		t.Fatalf("%s: got %d bytes, want %d bytes (contents differ)", what, len(got), len(want))
	}
}
