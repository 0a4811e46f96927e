// Package sandboxtest gives tests a backend on a fresh sandbox and a way to
// run the s3crypt command line in-process.
package sandboxtest

import (
	"bytes"
	"context"
	"os/exec"
	"testing"
	"time"

	"github.com/s3crypt/s3crypt/awsclient"
	"github.com/s3crypt/s3crypt/cli"
	"github.com/s3crypt/s3crypt/internal/testtool"
)

// Backend opens a sandbox backend on a new temporary data directory and
// closes it when the test ends.
func Backend(t testing.TB) *awsclient.Backend {
	t.Helper()
	return BackendIn(t, t.TempDir())
}

// BackendIn opens a sandbox backend on dir.
func BackendIn(t testing.TB, dir string) *awsclient.Backend {
	t.Helper()
	b, err := awsclient.Open(context.Background(), awsclient.Options{DataDir: dir, Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatalf("open sandbox backend: %v", err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// Result is one run of the command line.
type Result struct {
	Stdout, Stderr string
	Code           int
}

// CLI runs `s3crypt args…` in-process with a 2-minute timeout. Pass
// --data DIR to share a sandbox between runs (each run opens it anew).
func CLI(t testing.TB, args ...string) Result {
	t.Helper()
	t.Setenv("AWS_ENDPOINT_URL", "") // the sandbox, whatever the environment says
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var out, errb bytes.Buffer
	code := cli.Run(ctx, args, &out, &errb)
	return Result{Stdout: out.String(), Stderr: errb.String(), Code: code}
}

// DebianAWS returns the path of Debian's aws CLI (/usr/bin/aws), skipping
// the test without it (failing under S3CRYPT_REQUIRE_TOOLS=1).
func DebianAWS(t testing.TB) string {
	t.Helper()
	return testtool.Require(t, testtool.DebianAWS)
}

// AWS runs Debian's aws CLI with argv (as actions.Command.Full gives it,
// starting with "aws") against the backend's sandbox, with its credentials
// and no user configuration.
func AWS(t testing.TB, b *awsclient.Backend, argv []string) (stdout, stderr string, err error) {
	t.Helper()
	bin := DebianAWS(t)
	c := b.Sandbox.Credentials()
	cmd := exec.Command(bin, argv[1:]...)
	cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + t.TempDir(), "AWS_ACCESS_KEY_ID=" + c.AccessKeyID,
		"AWS_SECRET_ACCESS_KEY=" + c.SecretAccessKey, "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null",
		"AWS_PAGER=", "AWS_DEFAULT_OUTPUT=json", "AWS_EC2_METADATA_DISABLED=true"}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err = cmd.Run()
	return out.String(), errb.String(), err
}

// Shell runs script (an actions.Command's String, verbatim) through
// /bin/sh in dir with Debian's aws CLI first on PATH and only the
// backend's sandbox credentials in the environment: no endpoint, region
// or CA variable (AWS_CA_BUNDLE is the system bundle, as on this
// machine), so the command has to carry them itself.
func Shell(t testing.TB, b *awsclient.Backend, dir, script string) (stdout, stderr string, err error) {
	t.Helper()
	DebianAWS(t)
	sh := testtool.Require(t, "sh")
	c := b.Sandbox.Credentials()
	cmd := exec.Command(sh, "-c", script)
	cmd.Dir = dir
	cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + t.TempDir(), "AWS_ACCESS_KEY_ID=" + c.AccessKeyID,
		"AWS_SECRET_ACCESS_KEY=" + c.SecretAccessKey, "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null",
		"AWS_CA_BUNDLE=" + systemCABundle, "AWS_PAGER=", "AWS_EC2_METADATA_DISABLED=true"}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err = cmd.Run()
	return out.String(), errb.String(), err
}

// systemCABundle is Debian's bundle of public CAs, which does not hold
// the sandbox's CA.
const systemCABundle = "/etc/ssl/certs/ca-certificates.crt"
