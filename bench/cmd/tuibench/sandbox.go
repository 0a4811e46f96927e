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

// usage is what a process and its threads used of the CPUs: time on a
// CPU, and time runnable but waiting for one (the run-queue delay of
// /proc/PID/task/*/schedstat, which counts every wait: for the process's
// own other threads, its children, and every other program).
type usage struct {
	cpu, wait time.Duration
}

func (u usage) sub(v usage) usage { return usage{u.cpu - v.cpu, u.wait - v.wait} }

// usageOf sums the schedstat of pid's live threads (zero when /proc
// cannot tell).
func usageOf(pid int) usage {
	var u usage
	tasks, _ := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	for _, t := range tasks {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/schedstat", pid, t.Name()))
		if err != nil {
			continue
		}
		f := strings.Fields(string(b))
		if len(f) < 2 {
			continue
		}
		run, _ := strconv.ParseInt(f[0], 10, 64)
		wait, _ := strconv.ParseInt(f[1], 10, 64)
		u.cpu += time.Duration(run)
		u.wait += time.Duration(wait)
	}
	return u
}

// family is the UI's process and its children (the sandbox's `serve`,
// the transfer helper's `worker`), by role.
func family(ui int) map[string]int {
	out := map[string]int{"ui": ui}
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if ppid, _, ok := procStat(p); !ok || ppid != ui {
			continue
		}
		cmd, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", p))
		switch {
		case strings.Contains(string(cmd), "\x00serve\x00"):
			out["serve"] = p
		case strings.Contains(string(cmd), "\x00worker\x00"):
			out["worker"] = p
		}
	}
	return out
}

// usages reads usageOf for each process of fam.
func usages(fam map[string]int) map[string]usage {
	out := map[string]usage{}
	for role, pid := range fam {
		out[role] = usageOf(pid)
	}
	return out
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
