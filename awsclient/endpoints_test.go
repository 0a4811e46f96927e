package awsclient_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/s3crypt/s3crypt/actions"
	"github.com/s3crypt/s3crypt/awsclient"
	"github.com/s3crypt/s3crypt/sandbox"
)

// unsetEndpoints removes every endpoint setting from the environment for
// the test: the SDK tells "set but empty" from "unset" (AWS_ENDPOINT_URL
// set to "" hides the profile's services section).
func unsetEndpoints(t *testing.T) {
	t.Helper()
	for _, k := range []string{"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL_KMS", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "AWS_PROFILE", "AWS_CA_BUNDLE"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_CONFIG_FILE", "/dev/null")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
}

// hits is an HTTP server that counts the requests of each service (by
// the X-Amz-Target KMS sends) and answers them as an empty S3 or KMS.
type hits struct {
	*httptest.Server
	mu      sync.Mutex
	s3, kms int
}

func newHits(t *testing.T) *hits {
	h := &hits{}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.mu.Lock()
		defer h.mu.Unlock()
		if strings.HasPrefix(r.Header.Get("X-Amz-Target"), "TrentService.") {
			h.kms++
			w.Header().Set("Content-Type", "application/x-amz-json-1.1")
			_, _ = w.Write([]byte(`{"Keys":[],"Truncated":false}`))
			return
		}
		h.s3++
		w.Header().Set("Content-Type", "application/xml")
		_, _ = w.Write([]byte(`<ListAllMyBucketsResult><Buckets></Buckets></ListAllMyBucketsResult>`))
	}))
	t.Cleanup(h.Close)
	return h
}

func (h *hits) counts() (int, int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.s3, h.kms
}

// TestServiceEndpoints checks that the S3 client and the KMS client each
// go where the standard settings send their own service, with the flags
// over them: requests are counted at two servers, one meant for S3 and
// one for KMS, and the printed aws commands carry each service's
// endpoint.
func TestServiceEndpoints(t *testing.T) {
	cases := []struct {
		name   string
		env    func(s3URL, kmsURL string) map[string]string
		opt    func(s3URL, kmsURL string) awsclient.Options
		config string // shared config file, %S3% and %KMS% replaced
		// bothS3 is set when both services must go to the S3 server.
		bothS3 bool
	}{
		{name: "AWS_ENDPOINT_URL_S3 and _KMS", env: func(s, k string) map[string]string {
			return map[string]string{"AWS_ENDPOINT_URL_S3": s, "AWS_ENDPOINT_URL_KMS": k}
		}},
		{name: "AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_KMS", env: func(s, k string) map[string]string {
			return map[string]string{"AWS_ENDPOINT_URL": s, "AWS_ENDPOINT_URL_KMS": k}
		}},
		{name: "--s3-endpoint-url and --kms-endpoint-url", opt: func(s, k string) awsclient.Options {
			return awsclient.Options{S3EndpointURL: s, KMSEndpointURL: k}
		}},
		{name: "--endpoint-url and --kms-endpoint-url", opt: func(s, k string) awsclient.Options {
			return awsclient.Options{EndpointURL: s, KMSEndpointURL: k}
		}},
		{name: "--kms-endpoint-url over AWS_ENDPOINT_URL_KMS", env: func(s, k string) map[string]string {
			return map[string]string{"AWS_ENDPOINT_URL": s, "AWS_ENDPOINT_URL_KMS": s}
		}, opt: func(s, k string) awsclient.Options { return awsclient.Options{KMSEndpointURL: k} }},
		{name: "profile's services section", opt: func(s, k string) awsclient.Options { return awsclient.Options{Profile: "eng"} },
			config: "[profile eng]\nregion = us-east-1\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = secret\nservices = eng\n\n[services eng]\ns3 =\n  endpoint_url = %S3%\nkms =\n  endpoint_url = %KMS%\n"},
		{name: "--endpoint-url beats AWS_ENDPOINT_URL_KMS, as the aws CLI's does", bothS3: true, env: func(s, k string) map[string]string {
			return map[string]string{"AWS_ENDPOINT_URL_KMS": k}
		}, opt: func(s, k string) awsclient.Options { return awsclient.Options{EndpointURL: s} }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			unsetEndpoints(t)
			s3Srv, kmsSrv := newHits(t), newHits(t)
			if c.env != nil {
				for k, v := range c.env(s3Srv.URL, kmsSrv.URL) {
					t.Setenv(k, v)
				}
			}
			if c.config != "" {
				f := filepath.Join(t.TempDir(), "config")
				text := strings.NewReplacer("%S3%", s3Srv.URL, "%KMS%", kmsSrv.URL).Replace(c.config)
				if err := os.WriteFile(f, []byte(text), 0o600); err != nil {
					t.Fatal(err)
				}
				t.Setenv("AWS_CONFIG_FILE", f)
			}
			var opt awsclient.Options
			if c.opt != nil {
				opt = c.opt(s3Srv.URL, kmsSrv.URL)
			}
			opt.DataDir = t.TempDir()
			b, err := awsclient.Open(context.Background(), opt)
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			ctx := context.Background()
			if _, err := b.S3.ListBuckets(ctx, &s3.ListBucketsInput{}); err != nil {
				t.Fatalf("list buckets: %v", err)
			}
			if _, err := b.KMS.ListKeys(ctx, &kms.ListKeysInput{}); err != nil {
				t.Fatalf("list keys: %v", err)
			}
			s3a, kmsa := s3Srv.counts()
			s3b, kmsb := kmsSrv.counts()
			wantKMSURL := kmsSrv.URL
			if c.bothS3 {
				wantKMSURL = s3Srv.URL
				if s3a != 1 || kmsa != 1 || s3b+kmsb != 0 {
					t.Fatalf("S3 server got %d S3 + %d KMS requests, KMS server %d + %d; want everything at the S3 server", s3a, kmsa, s3b, kmsb)
				}
			} else if s3a != 1 || kmsa != 0 || s3b != 0 || kmsb != 1 {
				t.Fatalf("S3 server got %d S3 + %d KMS requests, KMS server %d + %d; want 1 S3 there and 1 KMS here", s3a, kmsa, s3b, kmsb)
			}
			if b.Kind != awsclient.KindEndpoint || b.Endpoint != s3Srv.URL || b.KMSAt.Endpoint != wantKMSURL {
				t.Fatalf("backend: %v S3 %q KMS %q", b.Kind, b.Endpoint, b.KMSAt.Endpoint)
			}
			wantLabel := "S3 endpoint " + s3Srv.URL + " · KMS " + kmsSrv.URL + " · us-east-1"
			if c.bothS3 {
				wantLabel = "endpoint " + s3Srv.URL + " · us-east-1"
			}
			if b.Label != wantLabel {
				t.Fatalf("label %q, want %q", b.Label, wantLabel)
			}
			env := &actions.Env{Backend: b}
			if got := actions.AWSCommand(env, "kms", "list-keys").String(); !strings.Contains(got, "--endpoint-url "+wantKMSURL) {
				t.Fatalf("kms command: %s", got)
			}
			if got := actions.AWSCommand(env, "s3api", "list-buckets").String(); !strings.Contains(got, "--endpoint-url "+s3Srv.URL) {
				t.Fatalf("s3api command: %s", got)
			}
		})
	}
}

// TestKMSEndpointAlone: a KMS endpoint without an S3 one is refused by
// flag (the sandbox's S3 uses its own KMS) and ignored from the
// environment (the sandbox reads none of it); with --aws it points KMS
// only.
func TestKMSEndpointAlone(t *testing.T) {
	unsetEndpoints(t)
	_, err := awsclient.Open(context.Background(), awsclient.Options{DataDir: t.TempDir(), KMSEndpointURL: "https://127.0.0.1:1"})
	if err == nil || !strings.Contains(err.Error(), "--s3-endpoint-url") {
		t.Fatalf("want a usage error, got %v", err)
	}
	t.Setenv("AWS_ENDPOINT_URL_KMS", "https://127.0.0.1:1")
	b, err := awsclient.Open(context.Background(), awsclient.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if b.Kind != awsclient.KindSandbox {
		t.Fatalf("kind %v", b.Kind)
	}
	b.Close()
	b, err = awsclient.Open(context.Background(), awsclient.Options{AWS: true, Region: "eu-west-1", DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if b.Kind != awsclient.KindAWS || b.Label != "aws · profile default · KMS https://127.0.0.1:1 · eu-west-1" || b.Endpoint != "" {
		t.Fatalf("backend %v %q %q", b.Kind, b.Label, b.Endpoint)
	}
	got := actions.AWSCommand(&actions.Env{Backend: b}, "kms", "list-keys").String()
	if got != "aws kms list-keys --endpoint-url https://127.0.0.1:1 --region eu-west-1" {
		t.Fatalf("kms command: %s", got)
	}
	if got := actions.AWSCommand(&actions.Env{Backend: b}, "s3", "ls").String(); got != "aws s3 ls --region eu-west-1" {
		t.Fatalf("s3 command: %s", got)
	}
}

// TestKMSAtServeBesideAnotherEndpoint points S3 at one sandbox (standing
// in for another engine: the environment's credentials and AWS_CA_BUNDLE
// are its) and KMS at the `s3crypt serve` of --data: the KMS client signs
// with that sandbox's own credentials and trusts its CA, and a key made
// through it exists there only.
func TestKMSAtServeBesideAnotherEndpoint(t *testing.T) {
	unsetEndpoints(t)
	ctx := context.Background()
	engine, err := sandbox.Start(ctx, sandbox.Options{Dir: t.TempDir(), NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer engine.Close()
	kmsDir := t.TempDir()
	serve, err := sandbox.Start(ctx, sandbox.Options{Dir: kmsDir, NoSync: true, Region: "eu-west-1"})
	if err != nil {
		t.Fatal(err)
	}
	defer serve.Close()
	c := engine.Credentials()
	t.Setenv("AWS_ACCESS_KEY_ID", c.AccessKeyID)
	t.Setenv("AWS_SECRET_ACCESS_KEY", c.SecretAccessKey)
	t.Setenv("AWS_CA_BUNDLE", engine.CAFile())
	t.Setenv("AWS_ENDPOINT_URL", engine.Endpoint())
	t.Setenv("AWS_ENDPOINT_URL_KMS", serve.Endpoint())
	b, err := awsclient.Open(ctx, awsclient.Options{DataDir: kmsDir})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if b.Kind != awsclient.KindEndpoint || b.KMSAt.SandboxDir != kmsDir || b.KMSAt.CAFile != serve.CAFile() || b.KMSAt.Region != "eu-west-1" || b.S3At.SandboxDir != "" {
		t.Fatalf("backend: %v %+v %+v", b.Kind, b.S3At, b.KMSAt)
	}
	if !strings.Contains(b.Label, "· KMS "+serve.Endpoint()+" (s3crypt serve, data ") {
		t.Fatalf("label %q", b.Label)
	}
	if _, err := b.S3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("eng")}); err != nil {
		t.Fatalf("S3 at the engine: %v", err)
	}
	key, err := b.KMS.CreateKey(ctx, &kms.CreateKeyInput{})
	if err != nil {
		t.Fatalf("KMS at serve: %v", err)
	}
	if arn := aws.ToString(key.KeyMetadata.Arn); !strings.HasPrefix(arn, "arn:aws:kms:eu-west-1:") {
		t.Fatalf("key made elsewhere: %s", arn)
	}
	engineKeys, err := awsclient.SandboxConfig(ctx, engine)
	if err != nil {
		t.Fatal(err)
	}
	list, err := kms.NewFromConfig(engineKeys).ListKeys(ctx, &kms.ListKeysInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range list.Keys {
		if aws.ToString(k.KeyId) == aws.ToString(key.KeyMetadata.KeyId) {
			t.Fatal("the key was made in the engine's KMS, not serve's")
		}
	}
	cmd := actions.AWSCommand(&actions.Env{Backend: b}, "kms", "list-keys").String()
	if want := "aws kms list-keys --endpoint-url " + serve.Endpoint() + " --ca-bundle " + serve.CAFile() + " --region eu-west-1"; cmd != want {
		t.Fatalf("kms command %q, want %q", cmd, want)
	}
	if line := actions.CredentialsLine(b); !strings.Contains(line, "kms commands: the AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY of "+filepath.Join(kmsDir, "credentials.json")) {
		t.Fatalf("credentials line: %s", line)
	}
}
