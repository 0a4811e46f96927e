package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"
)

// term is one pane of a private tmux server (its own socket, no user
// configuration) the UI runs in, 120 × 36.
type term struct {
	tmux, socket, name string
	env                []string
	// ctl, when set, carries keys and screen reads over one tmux
	// control-mode client instead of a new tmux process for each: a poll
	// every 2 ms then costs the machine a few per cent of a core, not a
	// quarter (perf sched showed the spawned clients were what the UI
	// waited behind most, after other programs).
	ctl *ctlClient
}

// ctlClient is a tmux control-mode client (tmux -C) attached to the
// bench's session, with pane output notifications turned off.
type ctlClient struct {
	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Reader
	mu  sync.Mutex
}

// startCtl attaches a control-mode client to the session.
func (t *term) startCtl() error {
	cmd := exec.Command(t.tmux, "-L", t.socket, "-f", os.DevNull, "-C", "attach-session", "-t", t.name)
	cmd.Env = t.env
	in, err := cmd.StdinPipe()
	if err != nil {
		return err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("tmux control client: %w", err)
	}
	c := &ctlClient{cmd: cmd, in: in, out: bufio.NewReaderSize(out, 1<<16)}
	// The attach's own %begin/%end comes first: replies then pair with
	// the commands sent.
	if _, err := c.reply("attach-session"); err != nil {
		c.close()
		return err
	}
	if _, err := c.run("refresh-client -f no-output"); err != nil {
		c.close()
		return err
	}
	got, err := c.run("display-message -p ready")
	if err == nil && got != "ready\n" {
		err = fmt.Errorf("%q for display-message -p ready", got)
	}
	if err != nil {
		c.close()
		return fmt.Errorf("tmux control client: %w", err)
	}
	t.ctl = c
	return nil
}

// run sends one command line and returns its output (between %begin and
// %end; notifications outside those are skipped).
func (c *ctlClient) run(line string) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, err := io.WriteString(c.in, line+"\n"); err != nil {
		return "", err
	}
	return c.reply(line)
}

// reply reads the output block of command line.
func (c *ctlClient) reply(line string) (string, error) {
	var b strings.Builder
	in := false
	for {
		l, err := c.out.ReadString('\n')
		if err != nil {
			return "", fmt.Errorf("tmux control client: %w", err)
		}
		switch {
		case !in && strings.HasPrefix(l, "%begin "):
			in = true
		case in && strings.HasPrefix(l, "%end "):
			return b.String(), nil
		case in && strings.HasPrefix(l, "%error "):
			return "", fmt.Errorf("tmux %s: %s", line, strings.TrimSpace(b.String()))
		case in:
			b.WriteString(l)
		}
	}
}

func (c *ctlClient) close() {
	c.in.Close()
	_ = c.cmd.Wait()
}

// quoteArg quotes s for a tmux command line.
func quoteArg(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// newTerm starts the tmux server with an idle pane that stays when its
// program exits, so programs can be respawned in it.
func newTerm(tmux, home string) (*term, error) {
	t := &term{tmux: tmux, socket: fmt.Sprintf("s3crypt-tuibench-%d", os.Getpid()), name: "bench",
		env: []string{"PATH=" + os.Getenv("PATH"), "HOME=" + home, "XDG_CACHE_HOME=" + home + "/cache",
			"LANG=C.UTF-8", "LC_ALL=C.UTF-8", "TERM=xterm-256color", "TMPDIR=" + os.TempDir()}}
	if _, err := t.run("new-session", "-d", "-s", t.name, "-x", "120", "-y", "36", "sleep 86400"); err != nil {
		return nil, err
	}
	if _, err := t.run("set-option", "-t", t.name, "remain-on-exit", "on"); err != nil {
		t.close()
		return nil, err
	}
	return t, nil
}

// close kills the tmux server.
func (t *term) close() {
	if t.ctl != nil {
		t.ctl.close()
	}
	_, _ = t.run("kill-server")
}

// run runs one tmux command on the bench's server.
func (t *term) run(args ...string) (string, error) {
	cmd := exec.Command(t.tmux, append([]string{"-L", t.socket, "-f", os.DevNull}, args...)...)
	cmd.Env = t.env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("tmux %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(errb.String()))
	}
	return out.String(), nil
}

// respawn kills whatever runs in the pane and starts shell there.
func (t *term) respawn(shell string) error {
	if _, err := t.run("clear-history", "-t", t.name); err != nil {
		return err
	}
	_, err := t.run("respawn-pane", "-k", "-t", t.name, shell)
	return err
}

// keys sends tmux key names.
func (t *term) keys(keys ...string) error {
	if t.ctl != nil {
		_, err := t.ctl.run("send-keys -t " + quoteArg(t.name) + " " + strings.Join(keys, " "))
		return err
	}
	_, err := t.run(append([]string{"send-keys", "-t", t.name}, keys...)...)
	return err
}

// typeText types s literally.
func (t *term) typeText(s string) error {
	if t.ctl != nil {
		_, err := t.ctl.run("send-keys -t " + quoteArg(t.name) + " -l " + quoteArg(s))
		return err
	}
	_, err := t.run("send-keys", "-t", t.name, "-l", s)
	return err
}

// screen reads the pane as text.
func (t *term) screen() (string, error) {
	if t.ctl != nil {
		return t.ctl.run("capture-pane -p -t " + quoteArg(t.name))
	}
	return t.run("capture-pane", "-p", "-t", t.name)
}

// dead reports whether the pane's program has exited.
func (t *term) dead() bool {
	out, err := t.run("display-message", "-p", "-t", t.name, "#{pane_dead}")
	return err == nil && strings.TrimSpace(out) == "1"
}

// waitFor polls the screen until it holds every one of want.
func (t *term) waitFor(timeout time.Duration, want ...string) (string, error) {
	return t.waitUntil(timeout, func(s string) bool {
		for _, w := range want {
			if !strings.Contains(s, w) {
				return false
			}
		}
		return true
	}, fmt.Sprintf("%q", want))
}

// waitUntil polls the screen until ok accepts it.
func (t *term) waitUntil(timeout time.Duration, ok func(string) bool, what string) (string, error) {
	deadline := time.Now().Add(timeout)
	for {
		s, err := t.screen()
		if err != nil {
			return "", err
		}
		if ok(s) {
			return s, nil
		}
		if time.Now().After(deadline) {
			return s, fmt.Errorf("no %s on screen after %v; screen:\n%s", what, timeout, s)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// quit presses q and waits for the program to exit.
func (t *term) quit() error {
	if err := t.keys("q"); err != nil {
		return err
	}
	deadline := time.Now().Add(10 * time.Second)
	for !t.dead() {
		if time.Now().After(deadline) {
			return fmt.Errorf("the UI did not exit after q")
		}
		time.Sleep(10 * time.Millisecond)
	}
	return nil
}
