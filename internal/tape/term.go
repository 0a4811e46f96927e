package tape

import (
	"errors"
	"fmt"
	"image/color"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/charmbracelet/x/vt"
	"github.com/charmbracelet/x/xpty"
)

// term is a shell on a pseudo-terminal whose output a virtual terminal
// reads.
type term struct {
	pty *xpty.UnixPty
	cmd *exec.Cmd

	mu  sync.Mutex // guards em and gen
	em  *vt.Emulator
	gen uint64 // counts writes to em: a changed gen may mean a changed screen

	changed chan struct{} // a non-blocking poke after each write
	exited  chan struct{} // closed when the output ends (the shell exited)
}

// startTerm runs argv in a cols×rows pseudo-terminal as the leader of a
// new session with the terminal as its controlling tty (job control and
// SIGHUP work as in a real terminal), in dir with env.
func startTerm(argv []string, dir string, env []string, cols, rows int) (*term, error) {
	p, err := xpty.NewUnixPty(cols, rows)
	if err != nil {
		return nil, fmt.Errorf("open a pseudo-terminal: %w", err)
	}
	cmd := exec.Command(argv[0], argv[1:]...) //nolint:gosec // the shell the tape runs in
	cmd.Dir, cmd.Env = dir, env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := p.Start(cmd); err != nil {
		_ = p.Close()
		return nil, fmt.Errorf("start %s: %w", argv[0], err)
	}
	// The child holds the slave now; keeping it open here would keep the
	// master from ever reading EOF.
	_ = p.Slave().Close()
	em := vt.NewEmulator(cols, rows)
	// VHS's default theme's background and foreground (a dark terminal:
	// what the emulator answers a program that asks).
	em.SetDefaultBackgroundColor(color.RGBA{R: 0x17, G: 0x17, B: 0x17, A: 0xff})
	em.SetDefaultForegroundColor(color.RGBA{R: 0xdd, G: 0xdd, B: 0xdd, A: 0xff})
	t := &term{pty: p, cmd: cmd, em: em, changed: make(chan struct{}, 1), exited: make(chan struct{})}
	go t.readOutput()
	// What the emulator answers (device attributes, colours, cursor
	// position) and the keys sent to it go to the program, through a
	// queue: the emulator writes them into a synchronous pipe, sometimes
	// while it holds t.mu, and a program that is busy writing output
	// (blocked until readOutput, which waits for t.mu) must never hold
	// up that pipe.
	q := &inputQueue{}
	q.cond = sync.NewCond(&q.mu)
	go q.fill(em)
	go q.drain(p)
	return t, nil
}

// inputQueue carries the emulator's input pipe to the pseudo-terminal
// without ever blocking the pipe's writer.
type inputQueue struct {
	mu   sync.Mutex
	cond *sync.Cond
	buf  []byte
	done bool
}

// fill reads the emulator's input pipe into the queue until it closes.
func (q *inputQueue) fill(r io.Reader) {
	b := make([]byte, 4096)
	for {
		n, err := r.Read(b)
		q.mu.Lock()
		q.buf = append(q.buf, b[:n]...)
		q.done = err != nil
		q.cond.Signal()
		q.mu.Unlock()
		if err != nil {
			return
		}
	}
}

// drain writes the queue to w until it is closed and empty, or w fails.
func (q *inputQueue) drain(w io.Writer) {
	for {
		q.mu.Lock()
		for len(q.buf) == 0 && !q.done {
			q.cond.Wait()
		}
		b, done := q.buf, q.done
		q.buf = nil
		q.mu.Unlock()
		if len(b) > 0 {
			if _, err := w.Write(b); err != nil {
				return
			}
		}
		if done && len(b) == 0 {
			return
		}
	}
}

// readOutput feeds the program's output to the emulator until it ends.
func (t *term) readOutput() {
	defer close(t.exited)
	buf := make([]byte, 32<<10)
	for {
		n, err := t.pty.Read(buf)
		if n > 0 {
			t.mu.Lock()
			_, _ = t.em.Write(buf[:n])
			t.gen++
			t.mu.Unlock()
			select {
			case t.changed <- struct{}{}:
			default:
			}
		}
		if err != nil {
			return
		}
	}
}

// sendKey sends one key press, encoded as the emulator's modes ask
// (application cursor keys, for one).
// It holds the lock while the emulator writes to its input pipe, which
// the copier goroutine drains without taking the lock.
func (t *term) sendKey(k vt.KeyPressEvent) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.em.SendKey(k)
}

// sendText types s as it is.
func (t *term) sendText(s string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.em.SendText(s)
}

// generation is the count of output writes so far.
func (t *term) generation() uint64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.gen
}

// snapshot copies the screen.
func (t *term) snapshot() *Snapshot {
	t.mu.Lock()
	defer t.mu.Unlock()
	em := t.em
	w, h := em.Width(), em.Height()
	s := &Snapshot{Cols: w, Rows: h, Cells: make([][]Cell, h), Gen: t.gen}
	pos := em.CursorPosition()
	s.CursorX, s.CursorY, s.CursorHidden = pos.X, pos.Y, em.CursorHidden()
	defFg, defBg := em.ForegroundColor(), em.BackgroundColor()
	for y := range h {
		row := make([]Cell, w)
		for x := range w {
			c := em.CellAt(x, y)
			cell := Cell{Content: " ", Width: 1, Fg: rgba(defFg), Bg: rgba(defBg)}
			if c != nil {
				cell.Content, cell.Width = c.Content, c.Width
				if c.Style.Fg != nil {
					cell.Fg = rgba(c.Style.Fg)
				}
				if c.Style.Bg != nil {
					cell.Bg = rgba(c.Style.Bg)
				}
				cell.Attrs = c.Style.Attrs
				cell.Underline = c.Style.Underline != 0
			}
			row[x] = cell
		}
		s.Cells[y] = row
	}
	return s
}

// rgba converts any colour the emulator holds (basic, indexed, RGB) to
// RGBA, through the emulator's own palette for the indexed ones.
func rgba(c color.Color) color.RGBA {
	if c == nil {
		return color.RGBA{A: 0xff}
	}
	r, g, b, _ := c.RGBA()
	return color.RGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8), A: 0xff} //nolint:gosec // 16-bit channels to 8
}

// close ends the shell and every process still in its session (a
// background `s3crypt serve` the tape left running), then the terminal.
func (t *term) close() error {
	pid := t.cmd.Process.Pid
	killSession(pid, syscall.SIGHUP)
	_ = t.cmd.Process.Signal(syscall.SIGHUP)
	err := t.pty.Master().Close()
	// The output ends once no process holds the terminal: what is still
	// shutting down closeGrace after SIGHUP (a loaded machine, a program
	// that lingers) gets SIGKILL, with the rest of the session; waiting
	// on without a bound hung a replay for minutes.
	var held error
	select {
	case <-t.exited:
	case <-time.After(closeGrace):
		procs := sessionProcs(pid)
		killSession(pid, syscall.SIGKILL)
		_ = t.cmd.Process.Kill()
		select {
		case <-t.exited:
		case <-time.After(closeGrace):
			held = fmt.Errorf("the tape's terminal is still open %v after SIGKILL to its session (%s)", closeGrace, strings.Join(procs, "; "))
		}
	}
	waited := make(chan struct{})
	go func() { _ = t.cmd.Wait(); close(waited) }()
	select {
	case <-waited:
	case <-time.After(5 * time.Second): // a shell that ignores SIGHUP
		_ = t.cmd.Process.Kill()
		<-waited
	}
	killSession(pid, syscall.SIGKILL)
	// End the copier by closing the emulator's input pipe (Emulator.Close
	// would write a flag its Read reads unguarded).
	if pw, ok := t.em.InputPipe().(io.Closer); ok {
		_ = pw.Close()
	}
	if err != nil && !errors.Is(err, os.ErrClosed) {
		return fmt.Errorf("close the pseudo-terminal: %w", err)
	}
	return held
}

// closeGrace is how long close waits for the tape's programs to end,
// after SIGHUP and again after SIGKILL.
const closeGrace = 5 * time.Second

// sessionProcs lists the processes of session sid, "pid command" each.
func sessionProcs(sid int) []string {
	var out []string
	eachProc(func(pid, session int) {
		if session == sid {
			cmd, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
			out = append(out, fmt.Sprintf("%d %s", pid, strings.TrimSpace(strings.ReplaceAll(string(cmd), "\x00", " "))))
		}
	})
	return out
}

// killSession sends sig to every process of session sid (the shell's
// session: Setsid made the shell its leader), read from /proc.
func killSession(sid int, sig syscall.Signal) {
	eachProc(func(pid, session int) {
		if session == sid {
			_ = syscall.Kill(pid, sig)
		}
	})
}

// eachProc calls f with each process's id and session id, read from /proc
// (this process left out).
func eachProc(f func(pid, session int)) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return
	}
	for _, e := range entries {
		var pid int
		if _, err := fmt.Sscanf(e.Name(), "%d", &pid); err != nil || pid == os.Getpid() {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid pgrp session …; comm may hold spaces.
		i := strings.LastIndexByte(string(b), ')')
		if i < 0 {
			continue
		}
		var state string
		var ppid, pgrp, session int
		if _, err := fmt.Sscanf(string(b[i+1:]), " %s %d %d %d", &state, &ppid, &pgrp, &session); err != nil {
			continue
		}
		f(pid, session)
	}
}
