// Package sandboxtest gives tests a backend on a fresh sandbox and a way to
// run the s3crypt command line in-process.
package sandboxtest

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/s3crypt/s3crypt/awsclient"
	"github.com/s3crypt/s3crypt/cli"
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
