package e2e

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/s3crypt/s3crypt/internal/testtool"
)

// Size of the terminal the TUI tests drive: large enough for the
// four-pane layout.
const (
	tuiCols = 120
	tuiRows = 36
)

// tuiTerm is the s3crypt terminal UI running in a detached tmux session
// on a tmux server of its own (its own socket, no user configuration),
// driven with send-keys and read with capture-pane.
type tuiTerm struct {
	t        testing.TB
	tmux     string
	socket   string
	name     string
	dataDir  string
	errFile  string // the binary's stderr
	cacheDir string // XDG_CACHE_HOME: holds s3crypt/ui.log
	env      []string
	last     string // the last screen read
}

var tuiSeq atomic.Int64

// startTUI builds s3crypt and opens its terminal UI on a fresh sandbox in
// dataDir (a new temporary directory when empty). The session and its
// tmux server are killed when the test ends; a failed test logs the last
// screen, the binary's stderr and the UI's log.
func startTUI(t testing.TB, dataDir string) *tuiTerm {
	t.Helper()
	return startTUIEnv(t, dataDir)
}

// startTUIEnv is startTUI with extra NAME=VALUE settings for s3crypt
// (they go into the environment of the test's own tmux server, which the
// session's command inherits).
func startTUIEnv(t testing.TB, dataDir string, env ...string) *tuiTerm {
	t.Helper()
	tmux := testtool.Require(t, "tmux")
	bin := testtool.BuildBinary(t)
	if dataDir == "" {
		dataDir = t.TempDir()
	}
	n := tuiSeq.Add(1)
	home := t.TempDir()
	term := &tuiTerm{t: t, tmux: tmux, dataDir: dataDir,
		socket:   fmt.Sprintf("s3crypt-e2e-%d-%d", os.Getpid(), n),
		name:     fmt.Sprintf("tui%d-%s", n, sessionSafe(t.Name())),
		errFile:  filepath.Join(home, "stderr.txt"),
		cacheDir: filepath.Join(home, "cache"),
	}
	// A controlled environment: the sandbox whatever the caller's AWS
	// settings, a UTF-8 locale so capture-pane keeps the box drawing.
	term.env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + home, "XDG_CACHE_HOME=" + term.cacheDir,
		"LANG=C.UTF-8", "LC_ALL=C.UTF-8", "TERM=xterm-256color", "TMPDIR=" + os.TempDir()}, env...)
	shell := fmt.Sprintf("exec %s --data %s 2>%s", shellQuote(bin), shellQuote(dataDir), shellQuote(term.errFile))
	if _, err := term.tmuxRun("new-session", "-d", "-s", term.name, "-x", fmt.Sprint(tuiCols), "-y", fmt.Sprint(tuiRows), shell); err != nil {
		t.Fatalf("start tmux: %v", err)
	}
	t.Cleanup(term.close)
	return term
}

// close logs what a failed test saw, then kills the tmux server.
func (term *tuiTerm) close() {
	if term.t.Failed() {
		if s, err := term.capture(); err == nil {
			term.last = s
		}
		term.t.Logf("last screen:\n%s", term.last)
		if b, err := os.ReadFile(term.errFile); err == nil && len(b) > 0 {
			term.t.Logf("s3crypt stderr:\n%s", b)
		}
		if b, err := os.ReadFile(filepath.Join(term.cacheDir, "s3crypt", "ui.log")); err == nil && len(b) > 0 {
			term.t.Logf("ui.log:\n%s", b)
		}
	}
	_, _ = term.tmuxRun("kill-server")
}

// tmuxRun runs one tmux command on the test's server.
func (term *tuiTerm) tmuxRun(args ...string) (string, error) {
	cmd := exec.Command(term.tmux, append([]string{"-L", term.socket, "-f", os.DevNull}, args...)...)
	cmd.Env = term.env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("tmux %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(errb.String()))
	}
	return out.String(), nil
}

// keys sends tmux key names (Enter, Down, C-s, q…), in order.
func (term *tuiTerm) keys(keys ...string) {
	term.t.Helper()
	if _, err := term.tmuxRun(append([]string{"send-keys", "-t", term.name}, keys...)...); err != nil {
		term.t.Fatalf("send %q: %v\nscreen:\n%s", keys, err, term.last)
	}
}

// typeText types s literally.
func (term *tuiTerm) typeText(s string) {
	term.t.Helper()
	if _, err := term.tmuxRun("send-keys", "-t", term.name, "-l", s); err != nil {
		term.t.Fatalf("type %q: %v", s, err)
	}
}

// clearAndType empties the focused text field (ctrl+u deletes to the
// start of the line; the cursor is at its end) and types s.
func (term *tuiTerm) clearAndType(s string) {
	term.t.Helper()
	term.keys("End", "C-u")
	term.typeText(s)
}

// capture reads the screen as text.
func (term *tuiTerm) capture() (string, error) {
	return term.tmuxRun("capture-pane", "-p", "-t", term.name)
}

// waitFor polls the screen until it holds every one of want, and returns
// it; the test fails with the screen after timeout.
func (term *tuiTerm) waitFor(timeout time.Duration, want ...string) string {
	term.t.Helper()
	return term.waitUntil(timeout, fmt.Sprintf("%q on screen", want), func(s string) bool {
		for _, w := range want {
			if !strings.Contains(s, w) {
				return false
			}
		}
		return true
	})
}

// waitUntil polls the screen until ok accepts it.
func (term *tuiTerm) waitUntil(timeout time.Duration, what string, ok func(screen string) bool) string {
	term.t.Helper()
	start := time.Now()
	deadline := start.Add(timeout)
	for {
		s, err := term.capture()
		if err != nil {
			term.t.Fatalf("waiting for %s: %v\nlast screen:\n%s", what, err, term.last)
		}
		term.last = s
		if ok(s) {
			if d := time.Since(start); d > 2*time.Second {
				term.t.Logf("waited %v for %s", d.Round(time.Millisecond), what)
			}
			return s
		}
		if time.Now().After(deadline) {
			term.t.Fatalf("no %s after %v; screen:\n%s", what, timeout, s)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// alive reports whether the tmux session (and so the UI) still runs.
func (term *tuiTerm) alive() bool {
	_, err := term.tmuxRun("has-session", "-t", term.name)
	return err == nil
}

// waitExit waits for the UI to exit and its session to end.
func (term *tuiTerm) waitExit(timeout time.Duration) {
	term.t.Helper()
	deadline := time.Now().Add(timeout)
	for term.alive() {
		if time.Now().After(deadline) {
			s, _ := term.capture()
			term.t.Fatalf("the UI still runs %v after quitting; screen:\n%s", timeout, s)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// line returns the screen's row i (0 is the header).
func line(screen string, i int) string {
	rows := strings.Split(screen, "\n")
	if i < 0 || i >= len(rows) {
		return ""
	}
	return rows[i]
}

// sessionSafe makes a test name usable as a tmux session name.
func sessionSafe(name string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' {
			return r
		}
		return '-'
	}, name)
}

// shellQuote quotes s for sh.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
