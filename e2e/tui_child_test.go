package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/s3crypt/s3crypt/internal/testtool"
	"github.com/s3crypt/s3crypt/sandbox"
)

// The terminal UI serves its embedded sandbox from a child `s3crypt serve`
// at a lower priority (so the server's work never holds up the screen).
// These tests check that the child is there while the UI runs, with its
// output in the data directory, and gone when the UI is, however it ends.

// TestTUIChildSandboxGoneAfterQuit: q ends the UI and its child; the
// next UI on the same data directory starts a child of its own.
func TestTUIChildSandboxGoneAfterQuit(t *testing.T) {
	requireProc(t)
	term, _, kid := startTUIWithChild(t, "")
	if h := line(term.waitFor(tuiShort, "? help"), 0); !strings.Contains(h, "data "+term.dataDir) || strings.Contains(h, "in-process") || strings.Contains(h, "attached") {
		t.Fatalf("the header should show the embedded sandbox: %q", h)
	}
	if runtime.GOOS == "linux" {
		if n := niceOf(t, kid); n < 10 {
			t.Errorf("the child sandbox %d runs at nice %d, want ≥ 10", kid, n)
		}
	}
	if pid := serverJSONPID(t, term.dataDir); pid != kid {
		t.Errorf("server.json names process %d, the UI's child is %d", pid, kid)
	}
	// Work goes through the child: a bucket made in the UI.
	tuiCreateBucket(term, "tui-child")

	term.keys("q")
	term.waitExit(tuiShort)
	waitGone(t, kid, 5*time.Second)
	log := readChildLog(t, term.dataDir)
	for _, want := range []string{fmt.Sprintf("sandbox process %d serves", kid), "stopping the sandbox"} {
		if !strings.Contains(log, want) {
			t.Errorf("%s lacks %q:\n%s", sandbox.ChildLogFile, want, log)
		}
	}
	if b, _ := os.ReadFile(term.errFile); len(b) > 0 {
		t.Errorf("the UI wrote to its stderr: %q", b)
	}

	// The data directory is free, and what the child stored is kept: a
	// new UI starts a new child and lists the bucket.
	again, _, kid2 := startTUIWithChild(t, term.dataDir)
	if kid2 == kid {
		t.Fatalf("the second UI uses the first one's child %d", kid)
	}
	again.keys("2")
	again.waitFor(tuiShort, "tui-child")
	again.keys("q")
	again.waitExit(tuiShort)
	waitGone(t, kid2, 5*time.Second)
}

// TestTUIChildSandboxGoneAfterSIGKILL: a UI killed with SIGKILL (no
// chance to clean up) takes its child with it (Linux: the parent-death
// signal); a new UI on the same directory then starts normally, although
// the dead child left its server.json behind.
func TestTUIChildSandboxGoneAfterSIGKILL(t *testing.T) {
	requireProc(t)
	if runtime.GOOS != "linux" {
		t.Skip("the parent-death signal is Linux's; elsewhere the child stops when its standard input ends")
	}
	term, ui, kid := startTUIWithChild(t, "")
	if err := syscall.Kill(ui, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	term.waitExit(tuiShort)
	waitGone(t, kid, 5*time.Second)

	again := startTUI(t, term.dataDir)
	s := again.waitFor(tuiShort, "? help", "q quit", "no buckets yet")
	if h := line(s, 0); strings.Contains(h, "in-process") || strings.Contains(h, "attached") {
		t.Errorf("after the kill the UI should start its own child again: %q", h)
	}
	kid2 := sandboxChildOf(t, again.uiPID(), again.dataDir)
	again.keys("q")
	again.waitExit(tuiShort)
	waitGone(t, kid2, 5*time.Second)
}

// TestTUIInProcessSandboxOnRequest: S3CRYPT_UI_SANDBOX=in-process keeps
// the sandbox in the UI's process (no child), and a value it does not
// know is refused with the ones it does.
func TestTUIInProcessSandboxOnRequest(t *testing.T) {
	requireProc(t)
	term := startTUIEnv(t, "", "S3CRYPT_UI_SANDBOX=in-process")
	term.waitFor(tuiShort, "? help", "q quit")
	if kids := childrenOf(t, term.uiPID()); len(kids) != 0 {
		t.Fatalf("in-process, yet the UI has child processes %v", kids)
	}
	if pid := serverJSONPID(t, term.dataDir); pid != term.uiPID() {
		t.Errorf("server.json names process %d, not the UI %d", pid, term.uiPID())
	}
	term.keys("q")
	term.waitExit(tuiShort)

	refusesUnknownSetting(t, "S3CRYPT_UI_SANDBOX")
}

// startTUIWithChild opens the UI (startTUI), waits for its first frame
// and returns it with the UI's process id and its sandbox child's.
func startTUIWithChild(t testing.TB, dataDir string, env ...string) (term *tuiTerm, ui, child int) {
	t.Helper()
	term = startTUIEnv(t, dataDir, env...)
	term.waitFor(tuiShort, "? help", "q quit")
	ui = term.uiPID()
	return term, ui, sandboxChildOf(t, ui, term.dataDir)
}

// refusesUnknownSetting: the UI started with NAME=thread (a value NAME
// does not know) exits at once, naming the values it does know.
func refusesUnknownSetting(t testing.TB, name string) {
	t.Helper()
	bad := startTUIEnv(t, "", name+"=thread")
	bad.waitExit(tuiShort)
	b, _ := os.ReadFile(bad.errFile)
	if !strings.Contains(string(b), name+`="thread": use process`) || !strings.Contains(string(b), "in-process") {
		t.Errorf("an unknown %s should be refused with the choices: %q", name, b)
	}
}

// uiPID is the process id of the UI (the pane's program: the shell
// exec'd it).
func (term *tuiTerm) uiPID() int {
	term.t.Helper()
	out, err := term.tmuxRun("display-message", "-p", "-t", term.name, "#{pane_pid}")
	if err != nil {
		term.t.Fatalf("the UI's pid: %v", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(out))
	if err != nil {
		term.t.Fatalf("the UI's pid: %q", out)
	}
	return pid
}

// requireProc skips where there is no /proc to find processes in.
func requireProc(t *testing.T) {
	t.Helper()
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("needs /proc to find the UI's child process")
	}
}

// childrenOf lists the live child processes of pid.
func childrenOf(t testing.TB, pid int) []int {
	t.Helper()
	ents, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	var out []int
	for _, e := range ents {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if st, ok := procStat(p); ok && st.ppid == pid && st.state != "Z" {
			out = append(out, p)
		}
	}
	return out
}

// sandboxChildOf is the UI's one `s3crypt serve` child process, checked
// to serve dataDir. (Its other child, if any, is the transfer helper:
// workerChildOf.)
func sandboxChildOf(t testing.TB, ui int, dataDir string) int {
	t.Helper()
	return childRunning(t, ui, "serve", dataDir)
}

// childRunning is the UI's one child process running `s3crypt … verb` on
// dataDir.
func childRunning(t testing.TB, ui int, verb, dataDir string) int {
	t.Helper()
	kids := childrenOf(t, ui)
	var found []int
	var all [][]string
	for _, k := range kids {
		args := cmdlineOf(k)
		all = append(all, args)
		if slices.Contains(args, verb) && strings.Contains(strings.Join(args, " "), "--data "+dataDir) {
			found = append(found, k)
		}
	}
	if len(found) != 1 {
		t.Fatalf("the UI %d should have one child running s3crypt %s on %s; its children: %q", ui, verb, dataDir, all)
	}
	return found[0]
}

// cmdlineOf is process pid's argv (nil once it is gone).
func cmdlineOf(pid int) []string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil || len(b) == 0 {
		return nil
	}
	return strings.Split(strings.TrimRight(string(b), "\x00"), "\x00")
}

type stat struct {
	state string
	ppid  int
	nice  int
}

// procStat reads /proc/pid/stat: state, parent and nice value.
func procStat(pid int) (stat, bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return stat{}, false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 || i+2 > len(s) {
		return stat{}, false
	}
	f := strings.Fields(s[i+2:]) // field 3 (state) onwards
	if len(f) < 17 {
		return stat{}, false
	}
	ppid, _ := strconv.Atoi(f[1])
	nice, _ := strconv.Atoi(f[16])
	return stat{state: f[0], ppid: ppid, nice: nice}, true
}

func niceOf(t testing.TB, pid int) int {
	t.Helper()
	st, ok := procStat(pid)
	if !ok {
		t.Fatalf("no process %d", pid)
	}
	return st.nice
}

// waitGone waits for process pid to end (a zombie nobody reaps counts
// as ended: it runs nothing and holds no file).
func waitGone(t testing.TB, pid int, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := syscall.Kill(pid, 0)
		st, ok := procStat(pid)
		if errors.Is(err, syscall.ESRCH) || !ok || st.state == "Z" || st.state == "X" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the child sandbox %d still runs %v after the UI ended (state %s)", pid, timeout, st.state)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// serverJSONPID is the process server.json in dataDir names as serving.
func serverJSONPID(t testing.TB, dataDir string) int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dataDir, "server.json"))
	if err != nil {
		t.Fatal(err)
	}
	var info struct {
		PID int `json:"pid"`
	}
	if err := json.Unmarshal(b, &info); err != nil {
		t.Fatalf("server.json: %v", err)
	}
	return info.PID
}

func readChildLog(t testing.TB, dataDir string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dataDir, sandbox.ChildLogFile))
	if err != nil {
		t.Fatalf("the child sandbox's log: %v", err)
	}
	return string(b)
}

// TestServeStopsWhenStdinEnds: `serve --stop-with-stdin` (how the UI's
// child follows the UI where there is no parent-death signal) stops
// cleanly, and lets go of its data directory, when its standard input
// ends.
func TestServeStopsWhenStdinEnds(t *testing.T) {
	bin := testtool.BuildBinary(t)
	dir := t.TempDir()
	cmd := exec.Command(bin, "serve", "--data", dir, "--stop-with-stdin")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "# data: ") {
				ready <- true
			}
		}
		exited <- cmd.Wait()
	}()
	select {
	case <-ready:
	case err := <-exited:
		t.Fatalf("serve exited before it served: %v\n%s", err, stderr.String())
	case <-time.After(testtool.ReadyTimeout):
		_ = cmd.Process.Kill()
		t.Fatalf("serve did not serve within %v", testtool.ReadyTimeout)
	}
	if pid := serverJSONPID(t, dir); pid != cmd.Process.Pid {
		t.Fatalf("server.json names %d, serve is %d", pid, cmd.Process.Pid)
	}
	stdin.Close()
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("serve exited with %v after its stdin ended\n%s", err, stderr.String())
		}
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("serve still runs 10 s after its standard input ended")
	}
	if _, err := os.Stat(filepath.Join(dir, "server.json")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("serve left server.json behind after a clean stop: %v", err)
	}
}
