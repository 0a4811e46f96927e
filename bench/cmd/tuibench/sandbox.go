package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// The terminal UI serves its sandbox from a child `s3crypt serve` at a
// lower priority (S3CRYPT_UI_SANDBOX=in-process, through -env, keeps it in
// the UI's process): these say which one a run measured, and check that
// the child ends with the UI.

// panePID is the process id of the pane's program (the UI: the shell
// exec'd it).
func (t *term) panePID() (int, error) {
	out, err := t.run("display-message", "-p", "-t", t.name, "#{pane_pid}")
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(strings.TrimSpace(out))
}

// sandboxChild is the UI's child process that runs `serve`, with its nice
// value, or pid 0 when the UI serves the sandbox itself (or /proc cannot
// tell).
func sandboxChild(ui int) (pid, nice int) {
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		ppid, n, ok := procStat(p)
		if !ok || ppid != ui {
			continue
		}
		if cmd, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", p)); err == nil && strings.Contains(string(cmd), "\x00serve\x00") {
			return p, n
		}
	}
	return 0, 0
}

// procStat reads the parent and the nice value of pid from /proc.
func procStat(pid int) (ppid, nice int, ok bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, 0, false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 || i+2 > len(s) {
		return 0, 0, false
	}
	f := strings.Fields(s[i+2:]) // from field 3, the state
	if len(f) < 17 || f[0] == "Z" {
		return 0, 0, false
	}
	ppid, _ = strconv.Atoi(f[1])
	nice, _ = strconv.Atoi(f[16])
	return ppid, nice, true
}

// describeSandbox says where the UI in the pane serves its sandbox.
func describeSandbox(t *term) (desc string, child int) {
	ui, err := t.panePID()
	if err != nil {
		return "unknown (" + err.Error() + ")", 0
	}
	pid, nice := sandboxChild(ui)
	if pid == 0 {
		return "in the UI's process", 0
	}
	return fmt.Sprintf("child process %d (s3crypt serve) at nice %d", pid, nice), pid
}

// waitGone waits up to timeout for process pid to end.
func waitGone(pid int, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		if err := syscall.Kill(pid, 0); err != nil {
			return nil //nolint:nilerr // the signal failing (ESRCH) is how a process that ended is told
		}
		if _, _, alive := procStat(pid); !alive {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the UI's child sandbox %d still runs %v after the UI quit", pid, timeout)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
