// Package childproc starts helper processes of s3crypt's own (the sandbox
// server, the terminal UI's transfer worker) so that they end with their
// parent and run at a lower scheduling priority than it. It is shared by
// packages sandbox and actions, which must not import each other.
//
// Written by hand: os/exec starts and waits, but the parent-death signal
// needs the starting OS thread kept alive, and renicing a running Go
// program means renicing each of its threads (Linux).
package childproc

import (
	"os/exec"
	"runtime"
)

// Proc is a started child process.
type Proc struct {
	Cmd    *exec.Cmd
	exited chan struct{}
	err    error // how it exited, set before exited is closed
}

// Start starts cmd in a process group of its own (the terminal's Ctrl+C
// and Ctrl+Z are the caller's to handle) and, on Linux, has the kernel
// kill it when the caller dies, even by SIGKILL. Any SysProcAttr on cmd is
// replaced.
//
// It starts the process from a goroutine locked to its OS thread until
// the process has exited: on Linux the parent-death signal fires when the
// thread that started the child ends, not the process.
func Start(cmd *exec.Cmd) (*Proc, error) {
	cmd.SysProcAttr = procAttr()
	p := &Proc{Cmd: cmd, exited: make(chan struct{})}
	started := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread ends with this goroutine
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		p.err = cmd.Wait()
		close(p.exited)
	}()
	if err := <-started; err != nil {
		return nil, err
	}
	return p, nil
}

// PID is the child's process id.
func (p *Proc) PID() int { return p.Cmd.Process.Pid }

// Exited is closed once the child has exited and been waited for.
func (p *Proc) Exited() <-chan struct{} { return p.exited }

// Err is how the child exited (nil for status 0); valid once Exited is
// closed.
func (p *Proc) Err() error { return p.err }

// Kill ends the child at once and waits for it.
func (p *Proc) Kill() {
	_ = p.Cmd.Process.Kill()
	<-p.exited
}

// Lower raises the nice value of process pid by n, to at most 19, relative
// to the caller's (Linux and the BSDs; elsewhere it does nothing).
func Lower(pid, n int) error { return lowerPriority(pid, n) }
