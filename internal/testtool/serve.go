package testtool

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// ReadyTimeout is how long Launch waits for `serve` to print its exports.
const ReadyTimeout = 20 * time.Second

// stopTimeout is how long Stop waits after SIGTERM before it kills.
const stopTimeout = 15 * time.Second

// Serve is a running `s3crypt serve` child process and what it printed.
type Serve struct {
	// Endpoint is the HTTPS endpoint (AWS_ENDPOINT_URL).
	Endpoint string
	// CAFile is the sandbox CA certificate (AWS_CA_BUNDLE).
	CAFile string
	// AccessKeyID and Secret are the sandbox credentials.
	AccessKeyID string
	Secret      string
	// Region is AWS_REGION.
	Region string
	// Dir is the data directory.
	Dir string

	cmd    *exec.Cmd
	killed atomic.Bool
	stderr *syncBuffer
	exited chan struct{}
	err    error // set before exited is closed
}

// exportNames are the variables `serve` prints, AWS_DEFAULT_REGION last.
var exportNames = []string{"AWS_ENDPOINT_URL", "AWS_CA_BUNDLE", "AWS_ACCESS_KEY_ID",
	"AWS_SECRET_ACCESS_KEY", "AWS_REGION", "AWS_DEFAULT_REGION"}

// StartServe launches `bin serve --data dataDir extraArgs...`, waits for
// its export lines and stops it when the test ends.
func StartServe(t testing.TB, bin, dataDir string, extraArgs ...string) *Serve {
	t.Helper()
	s, err := Launch(bin, dataDir, extraArgs...)
	if err != nil {
		t.Fatalf("start s3crypt serve: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Stop(); err != nil {
			t.Errorf("stop s3crypt serve: %v", err)
		}
	})
	return s
}

// Launch is StartServe without a test: the caller must Stop or Kill.
func Launch(bin, dataDir string, extraArgs ...string) (*Serve, error) {
	args := append([]string{"serve", "--data", dataDir}, extraArgs...)
	cmd := exec.Command(bin, args...)
	cmd.Env = withoutAWSEnv(os.Environ())
	lines := make(chan string, 16)
	cmd.Stdout = &lineWriter{lines: lines}
	s := &Serve{Dir: dataDir, cmd: cmd, stderr: &syncBuffer{}, exited: make(chan struct{})}
	cmd.Stderr = s.stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("run %s: %w", bin, err)
	}
	go func() {
		s.err = cmd.Wait()
		close(lines)
		close(s.exited)
	}()
	err := s.readExports(lines)
	go func() { // keep the pipe drained so the server never blocks on stdout
		for range lines {
		}
	}()
	if err != nil {
		s.Kill()
		return nil, fmt.Errorf("%w; stderr: %s", err, strings.TrimSpace(s.Stderr()))
	}
	return s, nil
}

// readExports fills s from the export lines, within ReadyTimeout.
func (s *Serve) readExports(lines <-chan string) error {
	vals := map[string]string{}
	timer := time.NewTimer(ReadyTimeout)
	defer timer.Stop()
	for vals["AWS_DEFAULT_REGION"] == "" {
		select {
		case line, ok := <-lines:
			if !ok {
				<-s.exited
				return fmt.Errorf("serve exited before it was ready: %w", s.err)
			}
			if name, val, found := strings.Cut(strings.TrimPrefix(line, "export "), "="); found && strings.HasPrefix(line, "export ") {
				vals[name] = val
			}
		case <-timer.C:
			return fmt.Errorf("serve printed no exports within %s", ReadyTimeout)
		}
	}
	for _, n := range exportNames {
		if vals[n] == "" {
			return fmt.Errorf("serve did not print %s", n)
		}
	}
	s.Endpoint, s.CAFile, s.Region = vals["AWS_ENDPOINT_URL"], vals["AWS_CA_BUNDLE"], vals["AWS_REGION"]
	s.AccessKeyID, s.Secret = vals["AWS_ACCESS_KEY_ID"], vals["AWS_SECRET_ACCESS_KEY"]
	return nil
}

// PID is the server's process id.
func (s *Serve) PID() int { return s.cmd.Process.Pid }

// Stderr is what the server has written to stderr so far.
func (s *Serve) Stderr() string { return s.stderr.String() }

// Env is the environment for an AWS CLI child process: this process's
// environment without any AWS_* variable, then the sandbox's exports, the
// sandbox CA as AWS_CA_BUNDLE, no config or credentials file (so no user
// profile leaks in), no pager and JSON output.
func (s *Serve) Env() []string {
	return append(withoutAWSEnv(os.Environ()),
		"AWS_ENDPOINT_URL="+s.Endpoint,
		"AWS_CA_BUNDLE="+s.CAFile,
		"AWS_ACCESS_KEY_ID="+s.AccessKeyID,
		"AWS_SECRET_ACCESS_KEY="+s.Secret,
		"AWS_REGION="+s.Region,
		"AWS_DEFAULT_REGION="+s.Region,
		"AWS_CONFIG_FILE="+os.DevNull,
		"AWS_SHARED_CREDENTIALS_FILE="+os.DevNull,
		"AWS_PAGER=",
		"AWS_DEFAULT_OUTPUT=json",
	)
}

// withoutAWSEnv drops every AWS_* variable from env.
func withoutAWSEnv(env []string) []string {
	out := make([]string, 0, len(env))
	for _, kv := range env {
		if !strings.HasPrefix(kv, "AWS_") {
			out = append(out, kv)
		}
	}
	return out
}

// Stop sends SIGTERM and waits for the server to exit (killing it after
// 15 s). It reports a non-zero exit, and a server that had already died
// on its own; stopping twice, or after Kill, is a no-op.
func (s *Serve) Stop() error {
	select {
	case <-s.exited:
		if s.err != nil && !s.killed.Load() {
			return fmt.Errorf("serve had exited on its own with %w; stderr: %s", s.err, strings.TrimSpace(s.Stderr()))
		}
		return nil
	default:
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(stopTimeout):
		s.Kill()
		return fmt.Errorf("serve did not stop within %s of SIGTERM; killed", stopTimeout)
	}
	if s.err != nil {
		return fmt.Errorf("serve exited with %w; stderr: %s", s.err, strings.TrimSpace(s.Stderr()))
	}
	return nil
}

// Kill sends SIGKILL and waits for the process to be gone.
func (s *Serve) Kill() {
	s.killed.Store(true)
	if err := s.cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return
	}
	<-s.exited
}

// Exited reports whether the server process has ended.
func (s *Serve) Exited() bool {
	select {
	case <-s.exited:
		return true
	default:
		return false
	}
}

// lineWriter turns the server's stdout into lines on a channel.
type lineWriter struct {
	lines   chan<- string
	partial []byte
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.partial = append(w.partial, p...)
	for {
		i := bytes.IndexByte(w.partial, '\n')
		if i < 0 {
			return len(p), nil
		}
		w.lines <- string(w.partial[:i])
		w.partial = w.partial[i+1:]
	}
}

// syncBuffer is a bytes.Buffer safe for one writer and concurrent readers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

var _ io.Writer = (*syncBuffer)(nil)
