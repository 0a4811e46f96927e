package e2e

import (
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The terminal UI runs its uploads and downloads in a helper process, an
// `s3crypt worker` at a lower priority, so that the UI's process only
// draws (bench/tui.sh). These tests check that the helper is there, niced,
// does the transfer the flow panel shows, and is gone when the UI is,
// however it ends.

// TestTUITransfersRunInNicedHelper: the helper starts with the first
// transfer (not before the first frame); an upload and a download made in
// the UI run in it (it reads the file; the UI's process does not), the
// flow shows S3's observed steps, and q ends the helper with the UI.
func TestTUITransfersRunInNicedHelper(t *testing.T) {
	requireProc(t)
	files := t.TempDir()
	src := filepath.Join(files, "big.bin")
	want := make([]byte, 12<<20)
	if _, err := rand.Read(want); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(src, want, 0o600); err != nil {
		t.Fatal(err)
	}
	term, ui, serve := startTUIWithChild(t, "")
	tuiCreateBucket(term, "worker")
	if kids := childrenOf(t, ui); len(kids) != 1 {
		t.Errorf("before any transfer the UI should have one child, the sandbox: %v", kids)
	}
	uiRead := readBytes(t, ui)

	tuiUpload(term, "worker", src)
	helper := childRunning(t, ui, "worker", term.dataDir)
	if runtime.GOOS == "linux" {
		if n := niceOf(t, helper); n < 10 {
			t.Errorf("the transfer helper %d runs at nice %d, want ≥ 10", helper, n)
		}
	}
	// Its command line names the data directory and tuning, nothing else.
	args := cmdlineOf(helper)
	if i := slices.Index(args, "worker"); i < 0 || !slices.Equal(args[1:i], []string{"--data", term.dataDir}) ||
		len(args) != i+3 || args[i+1] != "--concurrency" {
		t.Errorf("the helper's command line: %q", args)
	}

	got := filepath.Join(files, "big.out")
	term.keys("d")
	term.waitFor(tuiShort, "Download s3://worker/big.bin", "Save as")
	term.clearAndType(got)
	term.waitFor(tuiShort, tail(got))
	term.keys("C-s")
	term.waitFor(tuiJob, "✓ download big.bin", "saved "+got)
	assertFile(t, got, want)

	// The helper read the 12 MiB file (and the TLS stream of the
	// download); the UI read neither.
	if n := readBytes(t, helper); n < int64(len(want)) {
		t.Errorf("the helper read %d bytes, want ≥ %d: did it run the transfers?", n, len(want))
	}
	if n := readBytes(t, ui) - uiRead; n > int64(len(want))/2 {
		t.Errorf("the UI's process read %d bytes during the transfers: it should only draw", n)
	}
	if kids := childrenOf(t, ui); len(kids) != 2 {
		t.Errorf("after two transfers the UI should have two children, the sandbox and one helper: %v", kids)
	}

	term.keys("q")
	term.waitExit(tuiShort)
	waitGone(t, helper, 5*time.Second)
	waitGone(t, serve, 5*time.Second)
	if log := readUILog(t, term); !strings.Contains(log, fmt.Sprintf("transfer helper process %d runs", helper)) {
		t.Errorf("ui.log does not say the helper started:\n%s", log)
	}
}

// tuiUpload uploads src to bucket (opened from the Buckets view, empty)
// with the bucket default, and waits for S3's observed steps.
func tuiUpload(term *tuiTerm, bucket, src string) {
	term.t.Helper()
	tuiStartUpload(term, bucket, src)
	term.waitFor(tuiJob, "✓ upload "+filepath.Base(src), "S3 stored the object")
}

// tuiStartUpload is tuiUpload up to sending the form (C-s).
func tuiStartUpload(term *tuiTerm, bucket, src string) {
	term.t.Helper()
	term.keys("Enter")
	term.waitFor(tuiShort, "empty — press u to upload")
	term.keys("u")
	term.waitFor(tuiShort, "Upload to s3://"+bucket+"/")
	term.typeText(src)
	term.waitFor(tuiShort, tail(src))
	term.keys("C-s")
}

// TestTUIHelperGoneAfterSIGKILL: a UI killed with SIGKILL mid-upload
// takes its transfer helper with it (Linux: the parent-death signal).
func TestTUIHelperGoneAfterSIGKILL(t *testing.T) {
	requireProc(t)
	if runtime.GOOS != "linux" {
		t.Skip("the parent-death signal is Linux's; elsewhere the helper stops when its standard input ends")
	}
	src := filepath.Join(t.TempDir(), "sparse.bin")
	f, err := os.Create(src)
	if err == nil {
		err = f.Truncate(2 << 30) // long enough to be mid-way when killed
	}
	if err == nil {
		err = f.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
	term, ui, serve := startTUIWithChild(t, "")
	tuiCreateBucket(term, "killed")
	tuiStartUpload(term, "killed", src)
	term.waitFor(tuiJob, "1 running")
	helper := childRunning(t, ui, "worker", term.dataDir)
	if err := syscall.Kill(ui, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	term.waitExit(tuiShort)
	waitGone(t, helper, 5*time.Second)
	waitGone(t, serve, 5*time.Second)
}

// TestTUIJobsInProcessOnRequest: with S3CRYPT_UI_JOBS=in-process an
// upload starts no helper (the sandbox is the UI's one child), and a
// value it does not know is refused with the ones it does.
func TestTUIJobsInProcessOnRequest(t *testing.T) {
	requireProc(t)
	src := filepath.Join(t.TempDir(), "small.bin")
	if err := os.WriteFile(src, []byte("in the UI's own process"), 0o600); err != nil {
		t.Fatal(err)
	}
	term, ui, _ := startTUIWithChild(t, "", "S3CRYPT_UI_JOBS=in-process")
	tuiCreateBucket(term, "inproc")
	tuiUpload(term, "inproc", src)
	if kids := childrenOf(t, ui); len(kids) != 1 {
		t.Errorf("with S3CRYPT_UI_JOBS=in-process the UI should have one child, the sandbox: %v", kids)
	}
	term.keys("q")
	term.waitExit(tuiShort)

	refusesUnknownSetting(t, "S3CRYPT_UI_JOBS")
}

// readBytes is how many bytes process pid has read (rchar of
// /proc/pid/io: files and sockets alike).
func readBytes(t testing.TB, pid int) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/io", pid))
	if err != nil {
		t.Skipf("cannot read the I/O counters of process %d: %v", pid, err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "rchar: "); ok {
			n, _ := strconv.ParseInt(v, 10, 64)
			return n
		}
	}
	t.Fatalf("no rchar in /proc/%d/io", pid)
	return 0
}

// readUILog is the UI's log (ui.log under its XDG_CACHE_HOME).
func readUILog(t testing.TB, term *tuiTerm) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(term.cacheDir, "s3crypt", "ui.log"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
