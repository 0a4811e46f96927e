package learn_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/s3crypt/s3crypt/awsclient"
	"github.com/s3crypt/s3crypt/internal/testtool"
	"github.com/s3crypt/s3crypt/learn"
)

// shell runs lesson lines as the learner would: sh in a work directory,
// with the built s3crypt first on PATH and the XDG homes of the test.
type shell struct {
	t    *testing.T
	sh   string
	dir  string
	env  []string
	pre  string // shell functions defined before each line
	logs bytes.Buffer
}

func newShell(t *testing.T, bin string, extraEnv ...string) *shell {
	t.Helper()
	s := &shell{t: t, sh: testtool.Require(t, "sh"), dir: t.TempDir()}
	s.env = append([]string{"PATH=" + filepath.Dir(bin) + ":/usr/bin:/bin", "HOME=" + s.dir, "LANG=C.UTF-8",
		"TMPDIR=" + os.TempDir(), "XDG_DATA_HOME=" + os.Getenv("XDG_DATA_HOME"), "XDG_STATE_HOME=" + os.Getenv("XDG_STATE_HOME"),
		"AWS_PAGER=", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null"}, extraEnv...)
	return s
}

// run executes line; its exit code does not matter (some steps are about
// a refusal): the checks decide. It returns the combined output.
func (s *shell) run(line string) string {
	s.t.Helper()
	if line == "" {
		return ""
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, s.sh, "-c", s.pre+line)
	cmd.Dir, cmd.Env = s.dir, s.env
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		s.t.Fatalf("%s: timed out", line)
	}
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		s.t.Fatalf("%s: %v", line, err)
	}
	s.logs.WriteString("$ " + line + "\n" + string(out))
	return string(out)
}

// solveS3crypt does a lesson through its s3crypt lines (each step's setup
// line first), with the test's backend holding the sandbox so that every
// s3crypt process attaches to it.
func solveS3crypt(t *testing.T, bin string, b *awsclient.Backend, l learn.Lesson) *shell {
	// The sandbox's exports too, for steps only the aws CLI can do: the
	// s3crypt lines still attach to the sandbox (AWS_ENDPOINT_URL is the
	// one serving S3CRYPT_DATA).
	env := []string{"S3CRYPT_DATA=" + learn.DataDir(l.ID)}
	for _, line := range b.Sandbox.Env() {
		env = append(env, strings.TrimPrefix(line, "export "))
	}
	s := newShell(t, bin, env...)
	if hasDebianAWS() {
		s.pre = `aws() { /usr/bin/aws --endpoint-url "$AWS_ENDPOINT_URL" "$@"; }` + "\n"
	}
	for i, st := range l.Steps {
		line := st.Ways.S3crypt
		if line == "" {
			line = st.Ways.AWS // none for s3crypt: the test runs what AWS's own CLI would
			if line != "" && !hasDebianAWS() {
				t.Skipf("step %d of %s has no s3crypt way and this machine has no %s", i+1, l.ID, testtool.DebianAWS)
			}
		}
		s.run(st.Setup)
		s.run(line)
	}
	return s
}

func hasDebianAWS() bool {
	_, err := os.Stat("/usr/bin/aws")
	return err == nil
}

// TestLessonSolutions: for every lesson, on a fresh lesson sandbox each
// step's check fails; after the lesson is done through its own s3crypt
// lines (run as shown by sh, with the built binary), every check passes.
func TestLessonSolutions(t *testing.T) {
	bin := testtool.BuildBinary(t)
	for _, l := range learn.Lessons() {
		if l.Coming {
			continue
		}
		t.Run(l.ID, func(t *testing.T) {
			lessonEnv(t)
			b := openLesson(t, l.ID)
			for _, r := range check(t, b, l) {
				if r.Passed || r.Why == "" {
					t.Errorf("fresh sandbox: step %d passed=%v why=%q", r.Step+1, r.Passed, r.Why)
				}
			}
			s := solveS3crypt(t, bin, b, l)
			failed := false
			for _, r := range check(t, b, l) {
				if !r.Passed {
					failed = true
					t.Errorf("after the solution: step %d (%s) not passed: %s", r.Step+1, l.Steps[r.Step].Goal, r.Why)
				}
			}
			if failed {
				t.Logf("what ran:\n%s", s.logs.String())
			}
		})
	}
}

// TestLessonThroughAWSCLI does lessons through Debian's aws CLI against
// `s3crypt learn serve ID` (another process), and checks them with
// `s3crypt learn check ID --json` (a third): the same checks pass as
// through s3crypt's verbs.
func TestLessonThroughAWSCLI(t *testing.T) {
	awsPath := testtool.Require(t, testtool.DebianAWS)
	bin := testtool.BuildBinary(t)
	// Four lessons by default (KMS keys, KMS data, SSE-KMS, bucket
	// defaults); S3CRYPT_LEARN_AWS_ALL=1 runs every lesson all of whose
	// steps have an aws way (each aws call costs the CLI's start-up).
	ids := []string{"02-kms-keys", "04-kms-encrypt-decrypt", "07-sse-kms-customer-key", "10-bucket-default-encryption"}
	if os.Getenv("S3CRYPT_LEARN_AWS_ALL") == "1" {
		ids = nil
		for _, l := range learn.Lessons() {
			all := !l.Coming
			for _, st := range l.Steps {
				all = all && st.Ways.AWS != "" && !strings.Contains(st.Hint, "aws CLI 2.32")
			}
			if all {
				ids = append(ids, l.ID)
			}
		}
	}
	for _, id := range ids {
		l, ok := learn.Find(id)
		if !ok {
			t.Fatalf("no lesson %s", id)
		}
		t.Run(id, func(t *testing.T) {
			lessonEnv(t)
			exports := startLearnServe(t, bin, l.ID)
			s := newShell(t, bin, exports...)
			s.pre = `aws() { "` + awsPath + `" --endpoint-url "$AWS_ENDPOINT_URL" "$@"; }` + "\n"
			if got := learnCheck(t, s, l); got.Passed != 0 {
				t.Errorf("fresh sandbox: %d steps passed", got.Passed)
			}
			for i, st := range l.Steps {
				if st.Ways.AWS == "" {
					t.Fatalf("step %d has no aws way", i+1)
				}
				s.run(st.Setup)
				s.run(st.Ways.AWS)
			}
			got := learnCheck(t, s, l)
			for _, st := range got.Steps {
				if !st.Passed {
					t.Errorf("step %d (%s) not passed: %s", st.Step, st.Goal, st.Why)
				}
			}
			if t.Failed() {
				t.Logf("what ran:\n%s", s.logs.String())
			}
		})
	}
}

type checkJSON struct {
	Passed, Total int
	Steps         []struct {
		Step   int
		Goal   string
		Passed bool
		Why    string
	}
}

// learnCheck runs `s3crypt learn check ID --json` in the shell.
func learnCheck(t *testing.T, s *shell, l learn.Lesson) checkJSON {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, s.sh, "-c", `s3crypt learn check `+l.ID+` --json`)
	cmd.Dir, cmd.Env = s.dir, s.env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var got checkJSON
	if jerr := json.Unmarshal(out.Bytes(), &got); jerr != nil {
		t.Fatalf("learn check: %v (%v): %s %s", jerr, err, out.String(), errb.String())
	}
	if (err == nil) != (got.Passed == got.Total) {
		t.Errorf("learn check exit %v with %d of %d passed", err, got.Passed, got.Total)
	}
	if got.Total != len(l.Steps) {
		t.Fatalf("learn check: %d steps, want %d", got.Total, len(l.Steps))
	}
	return got
}

// startLearnServe runs `s3crypt learn serve ID` until the test ends and
// returns its export lines as environment entries.
func startLearnServe(t *testing.T, bin, id string) []string {
	t.Helper()
	cmd := exec.Command(bin, "learn", "serve", id)
	cmd.Env = append(withoutAWS(os.Environ()), "XDG_DATA_HOME="+os.Getenv("XDG_DATA_HOME"), "XDG_STATE_HOME="+os.Getenv("XDG_STATE_HOME"))
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var errb bytes.Buffer
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	lines := make(chan string, 32)
	go func() {
		defer close(lines)
		buf := make([]byte, 4096)
		var acc string
		for {
			n, err := stdout.Read(buf)
			acc += string(buf[:n])
			for {
				i := strings.IndexByte(acc, '\n')
				if i < 0 {
					break
				}
				lines <- acc[:i]
				acc = acc[i+1:]
			}
			if err != nil {
				return
			}
		}
	}()
	var env []string
	timeout := time.After(60 * time.Second)
	for {
		select {
		case line, ok := <-lines:
			if !ok {
				t.Fatalf("learn serve ended: %s", errb.String())
			}
			if v, ok := strings.CutPrefix(line, "export "); ok {
				env = append(env, v)
			}
			if strings.HasPrefix(line, "# data: ") {
				go func() {
					for range lines {
					}
				}()
				if !hasEnv(env, "S3CRYPT_DATA=") || !hasEnv(env, "AWS_ENDPOINT_URL=") {
					t.Fatalf("learn serve printed %v", env)
				}
				return env
			}
		case <-timeout:
			t.Fatalf("learn serve printed no exports: %s", errb.String())
		}
	}
}

func hasEnv(env []string, prefix string) bool {
	for _, e := range env {
		if strings.HasPrefix(e, prefix) {
			return true
		}
	}
	return false
}

func withoutAWS(env []string) []string {
	var out []string
	for _, e := range env {
		if !strings.HasPrefix(e, "AWS_") && !strings.HasPrefix(e, "S3CRYPT_") {
			out = append(out, e)
		}
	}
	return out
}

// TestLearnServeJoinsTheSandboxThatHoldsIt: while another process serves a
// lesson's sandbox (the TUI with the lesson open), `s3crypt learn serve`
// prints the export lines of that sandbox and ends, instead of refusing a
// directory in use: the learner need not leave the lesson to use the aws
// CLI.
func TestLearnServeJoinsTheSandboxThatHoldsIt(t *testing.T) {
	bin := testtool.BuildBinary(t)
	lessonEnv(t)
	b := openLesson(t, "08-sse-c")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "learn", "serve", "8")
	cmd.Env = append(withoutAWS(os.Environ()), "XDG_DATA_HOME="+os.Getenv("XDG_DATA_HOME"), "XDG_STATE_HOME="+os.Getenv("XDG_STATE_HOME"))
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("learn serve 8 while the sandbox is open: %v: %s", err, out)
	}
	for _, want := range []string{"export AWS_ENDPOINT_URL=" + b.Sandbox.Endpoint() + "\n",
		"export S3CRYPT_DATA=" + learn.DataDir("08-sse-c") + "\n", "served by another s3crypt"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("learn serve printed no %q:\n%s", want, out)
		}
	}
}
