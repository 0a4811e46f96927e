package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/s3crypt/s3crypt/internal/testtool"
)

// cliReadTimeout bounds how long the CLI waits for a response, so a
// server that never answers fails a step in seconds, not minutes.
const cliReadTimeout = "10"

// shell runs AWS CLI commands as a user would type them: through /bin/sh
// (so `~`, redirections, pipes and line continuations behave as in the
// blog), in a working directory that is also $HOME, with `aws` a shell
// function that passes --endpoint-url (Debian's awscli 2.9 ignores
// AWS_ENDPOINT_URL).
type shell struct {
	t       *testing.T
	srv     *testtool.Serve
	aws     string // the AWS CLI binary
	sh      string
	home    string
	secrets []string
}

// result is one command's outcome.
type result struct {
	script, stdout, stderr string
	code                   int
}

func newShell(t *testing.T, srv *testtool.Serve, aws string) *shell {
	t.Helper()
	s := &shell{t: t, srv: srv, aws: aws, sh: testtool.Require(t, "sh"), home: t.TempDir(), secrets: []string{srv.Secret}}
	return s
}

// secret registers a value that must never appear in a log.
func (s *shell) secret(v string) {
	if v = strings.TrimSpace(v); v != "" {
		s.secrets = append(s.secrets, v)
	}
}

// plaintextField matches a data key in JSON, YAML or text output.
var plaintextField = regexp.MustCompile(`("Plaintext"\s*:\s*"|Plaintext:\s*)[A-Za-z0-9+/=]+`)

// maxRetries is what CLI v2 adds to an error when retries are limited.
var maxRetries = regexp.MustCompile(` \(reached max retries: \d+\)`)

// mask hides every registered secret and every Plaintext field.
func (s *shell) mask(text string) string {
	for _, v := range s.secrets {
		text = strings.ReplaceAll(text, v, "<masked>")
	}
	return plaintextField.ReplaceAllString(text, "${1}<masked>")
}

// run executes script and logs it (masked).
func (s *shell) run(script string) result {
	s.t.Helper()
	s.t.Logf("$ %s", s.mask(script))
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	prelude := `aws() { "$S3CRYPT_AWS" --endpoint-url "$AWS_ENDPOINT_URL" --cli-read-timeout ` + cliReadTimeout + ` "$@"; }` + "\n"
	cmd := exec.CommandContext(ctx, s.sh, "-c", prelude+script)
	cmd.Dir = s.home
	cmd.Env = append(s.srv.Env(), "HOME="+s.home, "S3CRYPT_AWS="+s.aws, "AWS_MAX_ATTEMPTS=1", "AWS_CLI_AUTO_PROMPT=off")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := result{script: script, stdout: stdout.String(), stderr: stderr.String()}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	case err != nil:
		s.t.Fatalf("run %q: %v", s.mask(script), err)
	}
	return r
}

// describe is a masked account of r for failure messages.
func (s *shell) describe(r result) string {
	return fmt.Sprintf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, s.mask(r.stdout), s.mask(r.stderr))
}

// ok runs script and fails the test unless it exits 0.
func (s *shell) ok(script string) result {
	s.t.Helper()
	r := s.run(script)
	if r.code != 0 {
		s.t.Fatalf("want success, got %s", s.describe(r))
	}
	return r
}

// fails runs script and fails the test unless it exits with code (any
// non-zero code when code is -1) and stderr holds every one of want.
func (s *shell) fails(script string, code int, want ...string) result {
	s.t.Helper()
	r := s.run(script)
	if r.code == 0 || (code >= 0 && r.code != code) {
		s.t.Errorf("want exit %d, got %s", code, s.describe(r))
		return r
	}
	stderr := maxRetries.ReplaceAllString(r.stderr, "")
	for _, w := range want {
		if !strings.Contains(stderr, w) {
			s.t.Errorf("stderr lacks %q; got %s", w, s.describe(r))
		}
	}
	return r
}

// jsonOut decodes r's stdout.
func (s *shell) jsonOut(r result) map[string]any {
	s.t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &m); err != nil {
		s.t.Fatalf("decode JSON output: %v\n%s", err, s.describe(r))
	}
	return m
}

// file reads a file in the working directory.
func (s *shell) file(name string) []byte {
	s.t.Helper()
	b, err := os.ReadFile(filepath.Join(s.home, name))
	if err != nil {
		s.t.Fatalf("read %s: %v", name, err)
	}
	return b
}

// write creates a file in the working directory.
func (s *shell) write(name string, data []byte) {
	s.t.Helper()
	if err := os.WriteFile(filepath.Join(s.home, name), data, 0o600); err != nil {
		s.t.Fatalf("write %s: %v", name, err)
	}
}

// get walks m along path (map keys, or list indexes as ints).
func get(m any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			mm, ok := m.(map[string]any)
			if !ok {
				return nil
			}
			m = mm[k]
		case int:
			l, ok := m.([]any)
			if !ok || k >= len(l) {
				return nil
			}
			m = l[k]
		}
	}
	return m
}

// str is get as a string ("" when absent).
func str(m any, path ...any) string {
	v, _ := get(m, path...).(string)
	return v
}

// want fails the test unless got equals want.
func want[T comparable](t *testing.T, what string, got, want T) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

// TestMask checks what the seed tests log cannot hold a data key, an
// SSE-C key or the sandbox secret.
func TestMask(t *testing.T) {
	s := &shell{secrets: []string{"SECRETACCESSKEY", "c3NlYy1rZXk="}}
	in := `{"Plaintext": "AAAAkey/+=", "KeyId": "arn"}` + "\nPlaintext: BBBBkey==\nsent c3NlYy1rZXk= with SECRETACCESSKEY\n"
	got := s.mask(in)
	for _, leak := range []string{"AAAAkey", "BBBBkey", "c3NlYy1rZXk=", "SECRETACCESSKEY"} {
		if strings.Contains(got, leak) {
			t.Errorf("mask left %q in %q", leak, got)
		}
	}
	if !strings.Contains(got, `"KeyId": "arn"`) {
		t.Errorf("mask removed more than secrets: %q", got)
	}
}
