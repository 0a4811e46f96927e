package cli_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/s3crypt/s3crypt/cli"
	"github.com/s3crypt/s3crypt/sandbox"
)

// TestKMSEndpointBesideAnotherS3 is the recipe of the README's "S3 and KMS
// at different endpoints": S3 is one sandbox, standing in for another
// engine (the environment's credentials and AWS_CA_BUNDLE are its), and
// KMS is the sandbox served from --data, named by AWS_ENDPOINT_URL_KMS or
// --kms-endpoint-url. kms create-key, put --client-side and get work, the
// key lives in the KMS sandbox, and the printed kms commands name its
// endpoint and CA.
func TestKMSEndpointBesideAnotherS3(t *testing.T) {
	ctx := context.Background()
	engine, err := sandbox.Start(ctx, sandbox.Options{Dir: t.TempDir(), NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer engine.Close()
	kmsDir := t.TempDir()
	serve, err := sandbox.Start(ctx, sandbox.Options{Dir: kmsDir, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer serve.Close()
	for _, k := range []string{"AWS_ENDPOINT_URL_S3", "AWS_PROFILE", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	c := engine.Credentials()
	t.Setenv("AWS_ACCESS_KEY_ID", c.AccessKeyID)
	t.Setenv("AWS_SECRET_ACCESS_KEY", c.SecretAccessKey)
	t.Setenv("AWS_CA_BUNDLE", engine.CAFile())
	t.Setenv("AWS_CONFIG_FILE", "/dev/null")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
	t.Setenv("AWS_ENDPOINT_URL", engine.Endpoint())
	t.Setenv("AWS_ENDPOINT_URL_KMS", serve.Endpoint())
	run := func(args ...string) (string, string) {
		t.Helper()
		ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
		defer cancel()
		var out, errb bytes.Buffer
		if code := cli.Run(ctx, append([]string{"--data", kmsDir}, args...), &out, &errb); code != 0 {
			t.Fatalf("s3crypt %s: exit %d\n%s%s", strings.Join(args, " "), code, out.String(), errb.String())
		}
		return out.String(), errb.String()
	}
	run("kms", "create-key", "--alias", "alias/cse")
	run("mb", "s3://eng")
	src, data := objectsFile(t, 70000)
	_, putErr := run("--show-aws", "put", src, "s3://eng/doc", "--client-side", "--kms-key", "alias/cse")
	out := filepath.Join(t.TempDir(), "out.bin")
	getOut, getErr := run("--show-aws", "get", "s3://eng/doc", out)
	if got, _ := os.ReadFile(out); !bytes.Equal(got, data) || !strings.Contains(getOut, "client-side") {
		t.Fatalf("get: %d bytes, equal %v\n%s", len(got), bytes.Equal(got, data), getOut)
	}
	shown := putErr + getErr
	kmsArgs := "--endpoint-url " + serve.Endpoint() + " --ca-bundle " + serve.CAFile()
	s3Args := "--endpoint-url " + engine.Endpoint() + " --ca-bundle " + engine.CAFile()
	for _, line := range strings.Split(shown, "\n") {
		switch {
		case strings.HasPrefix(line, "$ aws kms ") && !strings.Contains(line, kmsArgs),
			strings.HasPrefix(line, "$ aws s3") && !strings.Contains(line, s3Args):
			t.Fatalf("printed command at the wrong endpoint: %s\n%s", line, shown)
		}
	}
	if !strings.Contains(shown, "$ aws kms decrypt") || !strings.Contains(shown, "kms commands: the AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY of "+filepath.Join(kmsDir, "credentials.json")) {
		t.Fatalf("--show-aws:\n%s", shown)
	}
	// The key is the KMS sandbox's: the engine's own KMS has no alias/cse.
	t.Setenv("AWS_ENDPOINT_URL_KMS", "")
	os.Unsetenv("AWS_ENDPOINT_URL_KMS")
	var o, e bytes.Buffer
	if code := cli.Run(ctx, []string{"--data", t.TempDir(), "kms", "describe-key", "--key-id", "alias/cse"}, &o, &e); code == 0 {
		t.Fatalf("alias/cse exists at the engine too:\n%s", o.String())
	}
	// The same with the flags instead of the environment.
	t.Setenv("AWS_ENDPOINT_URL", "")
	os.Unsetenv("AWS_ENDPOINT_URL")
	run("--s3-endpoint-url", engine.Endpoint(), "--kms-endpoint-url", serve.Endpoint(), "get", "s3://eng/doc", out)
	if got, _ := os.ReadFile(out); !bytes.Equal(got, data) {
		t.Fatal("get with the flags: bytes differ")
	}
}
