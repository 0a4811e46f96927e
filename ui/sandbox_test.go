package ui

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/s3crypt/s3crypt/actions"
	"github.com/s3crypt/s3crypt/awsclient"
)

// sandboxBackend opens a sandbox on a temporary directory. (The
// internal/sandboxtest helper imports cli, which imports this package, so
// an internal test cannot use it.)
func sandboxBackend(t testing.TB) *awsclient.Backend {
	t.Helper()
	b, err := awsclient.Open(context.Background(), awsclient.Options{DataDir: t.TempDir(), Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatalf("open sandbox: %v", err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// tappedWorker hides the worker's events from the model, so that a test
// can feed them itself (see until).
type tappedWorker struct{ *actions.Worker }

func (tappedWorker) Events() <-chan actions.Event { return nil }

// sandboxModel is a model on a real sandbox with a real worker; with tap,
// the test reads the worker's events itself.
func sandboxModel(t testing.TB, tap bool) (*Model, *awsclient.Backend, *actions.Worker) {
	t.Helper()
	b := sandboxBackend(t)
	ctx, cancel := context.WithCancel(context.Background())
	w := actions.NewWorker(ctx, &actions.Env{Backend: b}, 4)
	t.Cleanup(func() {
		cancel()
		sctx, c := context.WithTimeout(context.Background(), 10*time.Second)
		defer c()
		_ = w.Shutdown(sctx)
	})
	dark := true
	var uw Worker = w
	if tap {
		uw = tappedWorker{w}
	}
	m := New(Options{Data: NewData(b), Worker: uw, IsDark: &dark, Now: func() time.Time { return fixedNow },
		Backend: BackendInfo{Label: "sandbox", Sandbox: true, Region: b.Region}})
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 36})
	return m, b, w
}

// until feeds m the worker's events (and what they lead to) until cond
// holds.
func until(t *testing.T, m *Model, w *actions.Worker, cond func() bool, timeout time.Duration) {
	t.Helper()
	deadline := time.After(timeout)
	for !cond() {
		select {
		case ev := <-w.Events():
			send(m, workerEventMsg{ev: ev}, time.Second, 4)
		case <-time.After(100 * time.Millisecond):
			// Let pending listings and HEADs land.
		case <-deadline:
			t.Fatalf("timed out; status %q", m.status)
		}
	}
}

// TestSandboxUploadSSEKMS runs a real upload through the worker and sees
// its observed steps, its KMS cost and the object in the listing.
func TestSandboxUploadSSEKMS(t *testing.T) {
	m, b, w := sandboxModel(t, true)
	ctx := context.Background()
	if _, err := actions.RunSync(ctx, &actions.Env{Backend: b}, &actions.MakeBucket{Bucket: "demo"}, nil); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "report.txt")
	if err := os.WriteFile(file, []byte("hello sandbox"), 0o600); err != nil {
		t.Fatal(err)
	}
	send(m, openBucketMsg{bucket: "demo"}, 5*time.Second, 4)
	tr := true
	send(m, startJobMsg{action: &actions.Put{File: file, Bucket: "demo", Key: "report.txt", SSE: actions.SSEKMS, BucketKey: &tr},
		meta: jobMeta{Title: "upload report.txt", Transfer: true, Refresh: refreshObjects,
			Flow: flowSpec{Mode: flowSSEKMSBucketKey, Upload: true, Subject: "report.txt"}}}, time.Second, 2)
	j := m.jobs.selected()
	until(t, m, w, func() bool { return j.State != jobRunning }, 30*time.Second)
	if j.State != jobDone {
		t.Fatalf("job %v: %v", j.State, j.Err)
	}
	if j.kmsCalls(len(j.Steps)) != 1 {
		t.Fatalf("KMS calls %d, want 1 (a new bucket key)", j.kmsCalls(len(j.Steps)))
	}
	var wiped bool
	for _, s := range j.Steps {
		wiped = wiped || s.Op == "DataKeyWiped"
	}
	if !wiped {
		t.Fatal("no observed wipe step")
	}
	for _, msg := range run(m.objects.reload(), 10*time.Second) {
		send(m, msg, 10*time.Second, 4)
	}
	r, _ := m.objects.selected()
	if r.Key != "report.txt" || r.Enc.Mode != "SSE-KMS" || !r.Enc.BucketKey {
		t.Fatalf("listed %+v", r)
	}
	if s := ansi.Strip(m.View().Content); !strings.Contains(s, "SSE-KMS") || !strings.Contains(s, "aws s3api put-object") {
		t.Fatalf("screen lacks the encryption or the command:\n%s", s)
	}
}

// TestSandboxKeysList lists the sandbox's keys with the AWS owned key.
func TestSandboxKeysList(t *testing.T) {
	b := sandboxBackend(t)
	rows, err := NewData(b).ListKeys(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) == 0 || !rows[len(rows)-1].Owned {
		t.Fatalf("rows %+v: want the AWS owned key last", rows)
	}
}

// TestTeatestCreateBucket drives the whole program: create a bucket from
// the empty state and see it listed with its default encryption.
func TestTeatestCreateBucket(t *testing.T) {
	m, _, _ := sandboxModel(t, false)
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(120, 36),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.Ascii)))
	var l screenLog
	l.waitFor(t, tm, "no buckets yet")
	tm.Send(keyPress("n"))
	l.waitFor(t, tm, "Create a bucket")
	tm.Type("e2e-bucket")
	tm.Send(keyPress("enter"))
	l.waitFor(t, tm, "done")           // the flow pane's state
	time.Sleep(500 * time.Millisecond) // the list reloads
	tm.Send(keyPress("q"))
	fm := tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).(*Model)
	if r, ok := fm.buckets.selected(); !ok || r.Name != "e2e-bucket" || !r.Enc.SSECBlocked || r.Enc.SSE != "AES256" {
		t.Fatalf("final bucket %+v", r)
	}
	if s := ansi.Strip(fm.View().Content); !strings.Contains(s, "aws s3 mb s3://e2e-bucket") {
		t.Fatalf("final view lacks the command:\n%s", s)
	}
}

// TestTeatestCreateKeyAndDataKey creates a key, then a data key, and sees
// the data key dialog.
func TestTeatestCreateKeyAndDataKey(t *testing.T) {
	m, _, _ := sandboxModel(t, false)
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(120, 36),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.Ascii)))
	var l screenLog
	tm.Send(keyPress("1"))
	l.waitFor(t, tm, "AWS owned key")
	tm.Send(keyPress("n"))
	l.waitFor(t, tm, "Create a KMS key")
	tm.Send(keyPress("down"))
	tm.Type("demo")
	tm.Send(keyPress("ctrl+s"))
	l.waitFor(t, tm, "done")
	time.Sleep(500 * time.Millisecond) // the list reloads
	tm.Send(keyPress("g"))             // customer keys come first
	tm.Send(keyPress("d"))
	l.waitFor(t, tm, "Generate a data key")
	tm.Send(keyPress("ctrl+s"))
	l.waitFor(t, tm, "Data key from")
	tm.Send(keyPress("esc"))
	time.Sleep(300 * time.Millisecond) // the dialog closes
	tm.Send(keyPress("q"))
	fm := tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).(*Model)
	j := fm.jobs.selected()
	if j == nil || j.State != jobDone || j.kmsCalls(len(j.Steps)) < 1 {
		t.Fatalf("data key job %+v", j)
	}
	if fm.dialog != nil {
		t.Fatalf("dialog %T still open", fm.dialog)
	}
}

// screenLog accumulates a test program's output: WaitFor consumes what it
// reads, and the renderer sends only what changed.
type screenLog struct{ seen strings.Builder }

// waitFor waits until s has appeared in the output so far.
func (l *screenLog) waitFor(t *testing.T, tm *teatest.TestModel, s string) {
	t.Helper()
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
		l.seen.Write(b)
		return strings.Contains(ansi.Strip(l.seen.String()), s)
	}, teatest.WithDuration(20*time.Second), teatest.WithCheckInterval(50*time.Millisecond))
}
