package sandbox

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/s3crypt/s3crypt/internal/childproc"
)

// ChildOptions make Start serve the sandbox from a child process (an
// `s3crypt serve` on the same data directory) and attach to it, so that
// the work of the server (TLS, encryption, disk) runs at a lower
// scheduling priority than the caller's: a terminal UI stays responsive
// while the server encrypts a large upload on the same cores.
type ChildOptions struct {
	// Command is the child's argv for data directory dir: a program that
	// serves dir, prints Env() on its standard output once it does, and
	// stops on SIGTERM or when its standard input ends.
	Command func(dir string) []string
	// Nice is how much the child's nice value is raised once it serves
	// (0 leaves it as the caller's). Linux and the BSDs only.
	Nice int
	// LogFile receives the child's standard error, and why no child was
	// used when it could not start (ChildLogFile in Dir when empty). The
	// child's output never reaches the caller's terminal.
	LogFile string
	// ReadyTimeout bounds the wait for the child to serve
	// (DefaultChildReadyTimeout when zero).
	ReadyTimeout time.Duration
}

// ChildLogFile is the name of the child's log in the data directory.
const ChildLogFile = "serve.log"

// DefaultChildReadyTimeout is how long Start waits for a child to serve
// before it gives up and serves in-process.
const DefaultChildReadyTimeout = 10 * time.Second

// childStopTimeout is how long Close waits for the child after SIGTERM
// before it kills it. The child itself waits up to 10 s for requests in
// flight; the caller has gone by then, so there are none worth waiting for.
const childStopTimeout = 5 * time.Second

// maxChildLog is the size past which the log is started afresh (the old
// one kept as serve.log.1).
const maxChildLog = 1 << 20

// readyPrefix starts the last line Env prints: a child that printed it
// serves.
const readyPrefix = "export AWS_DEFAULT_REGION="

// errChildExited is a child that ended its output without serving.
var errChildExited = errors.New("it exited before it served")

// child is a sandbox process this one started and stops.
type child struct {
	proc  *childproc.Proc
	stdin *os.File // the write end of the child's standard input
}

// startChild starts the child for opt.Dir, waits until it serves and
// attaches to it.
func startChild(ctx context.Context, opt Options, logw *os.File) (*Sandbox, error) {
	co := opt.Child
	argv := co.Command(opt.Dir)
	if len(argv) == 0 {
		return nil, errors.New("no command to run")
	}
	cmd := exec.Command(argv[0], argv[1:]...) //nolint:gosec // G204: the command is this program's own executable (os.Executable), built by the caller

	stdinR, stdinW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	defer stdinR.Close()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		stdinW.Close()
		return nil, err
	}
	cmd.Stdin, cmd.Stderr = stdinR, logw
	proc, err := childproc.Start(cmd)
	if err != nil {
		stdinW.Close()
		return nil, fmt.Errorf("run %s: %w", argv[0], err)
	}
	c := &child{proc: proc, stdin: stdinW}
	ready := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		ok := false
		for sc.Scan() {
			if !ok && strings.HasPrefix(sc.Text(), readyPrefix) {
				ok = true
				ready <- nil
			}
		}
		if !ok {
			ready <- errChildExited
		}
		// Reading on to the end keeps the child from ever blocking on
		// its standard output (or dying of SIGPIPE).
	}()
	timeout := co.ReadyTimeout
	if timeout <= 0 {
		timeout = DefaultChildReadyTimeout
	}
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case err = <-ready:
	case <-timer.C:
		err = fmt.Errorf("it did not serve within %v", timeout)
	case <-ctx.Done():
		err = ctx.Err()
	}
	if err == nil {
		var sb *Sandbox
		sb, err = attach(ctx, opt.Dir, cmd.Process.Pid)
		if err == nil {
			err = sb.startFeed()
		}
		if err == nil {
			sb.child = c
			how := "at the caller's priority"
			if co.Nice > 0 {
				how = fmt.Sprintf("niced by %d", co.Nice)
				if perr := childproc.Lower(cmd.Process.Pid, co.Nice); perr != nil {
					how = fmt.Sprintf("at the caller's priority (lowering it failed: %v)", perr)
				}
			}
			fmt.Fprintf(logw, "%s s3crypt: sandbox process %d serves %s for process %d, %s\n", stamp(), cmd.Process.Pid, sb.endpoint, os.Getpid(), how)
			return sb, nil
		}
	}
	if errors.Is(err, errChildExited) { // its output ended: so does it, in a moment
		select {
		case <-c.proc.Exited():
			c.stdin.Close()
			return nil, fmt.Errorf("%w (%w; its standard error is in the log)", err, c.proc.Err())
		case <-time.After(time.Second):
		}
	}
	c.kill()
	return nil, err
}

// stop asks the child to stop (its standard input ends, SIGTERM) and
// waits for it, killing it after childStopTimeout.
func (c *child) stop() error {
	c.stdin.Close()
	_ = c.proc.Cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.proc.Exited():
	case <-time.After(childStopTimeout):
		c.kill()
		return fmt.Errorf("the sandbox process %d did not stop within %v; killed", c.proc.PID(), childStopTimeout)
	}
	var ee *exec.ExitError
	if errors.As(c.proc.Err(), &ee) && !terminatedByUs(ee) {
		return fmt.Errorf("the sandbox process %d: %w", c.proc.PID(), c.proc.Err())
	}
	return nil
}

// terminatedByUs reports whether the child ended from the SIGTERM stop
// sent: it sees its stdin close and the signal at once, and once its
// shutdown has let go of SIGTERM the signal's default action ends it.
// That is the stop asked for, not a failure.
func terminatedByUs(ee *exec.ExitError) bool {
	ws, ok := ee.Sys().(syscall.WaitStatus)
	return ok && ws.Signaled() && ws.Signal() == syscall.SIGTERM
}

// kill ends the child at once and waits for it.
func (c *child) kill() {
	c.stdin.Close()
	c.proc.Kill()
}

// openChildLog opens (creating) the child's log for appending; a log
// past maxChildLog is moved to name.1 first.
func openChildLog(path string) (*os.File, error) {
	if fi, err := os.Stat(path); err == nil && fi.Size() > maxChildLog {
		_ = os.Rename(path, path+".1")
	}
	return os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
}

// stamp is the time at the start of a line the parent writes to the log,
// as log.LstdFlags writes it.
func stamp() string { return time.Now().Format("2006/01/02 15:04:05") }

// startWithChild is Start with opt.Child set: attach to the process that
// serves opt.Dir, else start a child and attach to it, else serve
// in-process (Fallback says why).
func startWithChild(ctx context.Context, opt Options) (*Sandbox, error) {
	inproc := opt
	inproc.Child = nil
	held, err := dirHeld(filepath.Join(opt.Dir, "data"))
	if err != nil { // this platform cannot tell: as without a child
		return Start(ctx, inproc)
	}
	if held {
		return attach(ctx, opt.Dir, 0)
	}
	logPath := opt.Child.LogFile
	if logPath == "" {
		logPath = filepath.Join(opt.Dir, ChildLogFile)
	}
	logw, lerr := openChildLog(logPath)
	var sb *Sandbox
	if lerr == nil {
		sb, err = startChild(ctx, opt, logw)
		logw.Close() // the child has its own descriptor
		if err == nil {
			return sb, nil
		}
	} else {
		err = fmt.Errorf("open its log: %w", lerr)
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	why := fmt.Errorf("the sandbox process did not start: %w", err)
	if lerr == nil {
		if f, ferr := os.OpenFile(logPath, os.O_WRONLY|os.O_APPEND, 0o600); ferr == nil {
			fmt.Fprintf(f, "%s s3crypt: %v; serving the sandbox in the calling process instead\n", stamp(), why)
			f.Close()
		}
	}
	sb, err = Start(ctx, inproc)
	if err != nil {
		return nil, err
	}
	sb.fallback = why
	return sb, nil
}

// ChildPID is the process id of the child that serves this sandbox, or 0
// when this process did not start one.
func (sb *Sandbox) ChildPID() int {
	if sb.child == nil {
		return 0
	}
	return sb.child.proc.PID()
}

// Fallback says why the sandbox is served in-process although
// Options.Child asked for a child process (nil otherwise).
func (sb *Sandbox) Fallback() error { return sb.fallback }
