package ui

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/s3crypt/s3crypt/actions"
)

func TestNavigationBetweenViews(t *testing.T) {
	m := loaded(t, newFakeData(0), newFakeWorker(), 120, 36, true)
	if m.view != viewBuckets {
		t.Fatalf("starts on %v, want buckets", m.view)
	}
	press(m, "tab")
	if m.view != viewObjects || m.objects.bucket != "my-bucket" {
		t.Fatalf("tab: view %v bucket %q, want objects of the selected bucket", m.view, m.objects.bucket)
	}
	press(m, "1")
	if m.view != viewKeys {
		t.Fatalf("1: view %v", m.view)
	}
	press(m, "down", "down")
	if r, _ := m.keys.selected(); r.Name() != "alias/signer" {
		t.Fatalf("down down selects %q", r.Name())
	}
	press(m, "2", "down", "enter")
	if m.view != viewObjects || m.objects.bucket != "plain-bucket" {
		t.Fatalf("enter opens %q in view %v", m.objects.bucket, m.view)
	}
	press(m, "backspace")
	if m.view != viewBuckets {
		t.Fatalf("backspace at a bucket's root goes back to buckets, got %v", m.view)
	}
}

func TestObjectsDrillDownAndFilter(t *testing.T) {
	m := loaded(t, newFakeData(0), newFakeWorker(), 120, 36, true)
	send(m, openBucketMsg{bucket: "my-bucket"}, time.Second, 4)
	press(m, "enter") // reports/
	if m.objects.prefix != "reports/" {
		t.Fatalf("prefix %q", m.objects.prefix)
	}
	if r, _ := m.objects.selected(); !r.Folder || r.Key != "reports/2025/" {
		t.Fatalf("folders come first, got %+v", r)
	}
	press(m, "/")
	typeText(m, "secret")
	if len(m.objects.shown) != 1 {
		t.Fatalf("filter shows %d rows, want 1", len(m.objects.shown))
	}
	press(m, "enter")
	if r, _ := m.objects.selected(); r.Enc.Mode != "SSE-C" {
		t.Fatalf("secret.bin encryption %+v, want SSE-C from HEAD", r.Enc)
	}
	press(m, "esc") // clears the filter (no job to cancel)
	if len(m.objects.shown) != 5 {
		t.Fatalf("after esc %d rows, want 5", len(m.objects.shown))
	}
	press(m, "backspace")
	if m.objects.prefix != "" {
		t.Fatalf("backspace goes up, prefix %q", m.objects.prefix)
	}
}

func TestLazyPagingAndVisibleHeads(t *testing.T) {
	d := newFakeData(100_000)
	m := loaded(t, d, newFakeWorker(), 120, 36, true)
	send(m, openBucketMsg{bucket: "my-bucket"}, 2*time.Second, 4)
	send(m, keyPress("enter"), 2*time.Second, 6)
	if got := len(m.objects.rows); got != pageSize {
		t.Fatalf("first page holds %d rows, want %d", got, pageSize)
	}
	if d.heads > 40 {
		t.Fatalf("%d HEADs for one screen of rows", d.heads)
	}
	send(m, keyPress("end"), 2*time.Second, 6)
	if got := len(m.objects.rows); got != 2*pageSize {
		t.Fatalf("after End %d rows loaded, want the next page too (%d)", got, 2*pageSize)
	}
	if !strings.Contains(ansi.Strip(m.View().Content), "2000+") {
		t.Fatalf("the count does not say more remain:\n%s", ansi.Strip(m.View().Content))
	}
}

func TestCreateBucketDialogSubmitsAction(t *testing.T) {
	w := newFakeWorker()
	m := loaded(t, newFakeData(0), w, 120, 36, true)
	press(m, "n")
	if m.dialog == nil {
		t.Fatal("n opens no dialog")
	}
	press(m, "x") // too short: refused, the dialog stays
	press(m, "ctrl+s")
	if m.dialog == nil || len(w.submitted) != 0 {
		t.Fatalf("a 1-character name was submitted")
	}
	typeText(m, "yz")
	press(m, "enter")
	if m.dialog != nil {
		t.Fatal("dialog still open after submit")
	}
	if len(w.submitted) != 1 {
		t.Fatalf("submitted %d actions", len(w.submitted))
	}
	if mb, ok := w.submitted[0].(*actions.MakeBucket); !ok || mb.Bucket != "xyz" {
		t.Fatalf("submitted %#v", w.submitted[0])
	}
}

func TestDeleteObjectNeedsConfirmation(t *testing.T) {
	w := newFakeWorker()
	m := loaded(t, newFakeData(0), w, 120, 36, true)
	send(m, openBucketMsg{bucket: "my-bucket"}, time.Second, 4)
	press(m, "enter", "down", "x")
	if _, ok := m.dialog.(*confirm); !ok {
		t.Fatalf("x opened %T, want a confirmation", m.dialog)
	}
	press(m, "n")
	if m.dialog != nil || len(w.submitted) != 0 {
		t.Fatal("n did not cancel")
	}
	press(m, "x", "y")
	if len(w.submitted) != 1 {
		t.Fatalf("y submitted %d actions", len(w.submitted))
	}
	if d, ok := w.submitted[0].(*actions.DeleteObject); !ok || d.Key != "reports/cse.json" {
		t.Fatalf("submitted %#v", w.submitted[0])
	}
}

func TestUploadDialogBuildsPut(t *testing.T) {
	w := newFakeWorker()
	m := loaded(t, newFakeData(0), w, 120, 36, true)
	send(m, openBucketMsg{bucket: "my-bucket"}, time.Second, 4)
	press(m, "enter", "u")
	typeText(m, "/tmp/report.pdf")
	press(m, "down", "down", "right", "right", "right", "down", "right") // SSE-KMS + bucket key, alias/demo
	press(m, "ctrl+s")
	if len(w.submitted) != 1 {
		t.Fatalf("submitted %d", len(w.submitted))
	}
	p, ok := w.submitted[0].(*actions.Put)
	if !ok {
		t.Fatalf("submitted %T", w.submitted[0])
	}
	if p.Key != "reports/report.pdf" || p.SSE != actions.SSEKMS || p.KMSKey != "alias/demo" || p.BucketKey == nil || !*p.BucketKey {
		t.Fatalf("put = %+v", p)
	}
	if j := m.jobs.selected(); j == nil || j.Meta.Flow.Mode != flowSSEKMSBucketKey {
		t.Fatalf("job flow %+v", j)
	}
}

func TestUploadDialogBuildsClientSidePut(t *testing.T) {
	w := newFakeWorker()
	m := loaded(t, newFakeData(0), w, 120, 36, true)
	send(m, openBucketMsg{bucket: "my-bucket"}, time.Second, 4)
	press(m, "enter", "u")
	typeText(m, "/tmp/notes.txt")
	press(m, "down", "down", "right", "right", "right", "right", "right", "right") // client-side
	press(m, "ctrl+s")
	if len(w.submitted) != 1 {
		t.Fatalf("submitted %d", len(w.submitted))
	}
	p, ok := w.submitted[0].(*actions.Put)
	if !ok || p.ClientSide == nil || p.ClientSide.KMSKey == "" || p.SSE != "" {
		t.Fatalf("submitted %#v", w.submitted[0])
	}
	if j := m.jobs.selected(); j == nil || j.Meta.Flow.Mode != flowClientSide {
		t.Fatalf("job flow %+v", j)
	}
}

func TestWorkerEventsDriveJobAndReplay(t *testing.T) {
	w := newFakeWorker()
	m := loaded(t, newFakeData(0), w, 120, 36, true)
	withUploadJob(m, 8, actions.DoneEvent{Job: 1, KMS: actions.KMSRequests{S3: 1, S3Seen: true}})
	j := m.jobs.selected()
	if j.State != jobDone || len(j.Steps) != 8 || j.kmsCalls(8) != 1 {
		t.Fatalf("job %v with %d steps, %d KMS calls", j.State, len(j.Steps), j.kmsCalls(8))
	}
	if len(m.log.entries) != 1 {
		t.Fatalf("log holds %d commands", len(m.log.entries))
	}
	press(m, "left", "left")
	if got := m.shownSteps(j); got != 6 {
		t.Fatalf("after ←← shown %d, want 6", got)
	}
	press(m, "right", "right", "right")
	if m.replay != -1 {
		t.Fatalf("→ past the end should follow live again, replay=%d", m.replay)
	}
	if !strings.Contains(m.status, "KMS calls 1") {
		t.Fatalf("status %q does not give the KMS cost", m.status)
	}
}

func TestEscCancelsSelectedJob(t *testing.T) {
	w := newFakeWorker()
	m := loaded(t, newFakeData(0), w, 120, 36, true)
	withUploadJob(m, 2, nil)
	press(m, "esc")
	if len(w.cancelled) != 1 || w.cancelled[0] != 1 {
		t.Fatalf("cancelled %v", w.cancelled)
	}
	m.Update(workerEventMsg{ev: actions.CancelledEvent{Job: 1}})
	if m.jobs.selected().State != jobCancelled || !strings.Contains(m.status, "cancelled") {
		t.Fatalf("state %v status %q", m.jobs.selected().State, m.status)
	}
}

func TestQuitDuringTransferAsks(t *testing.T) {
	w := newFakeWorker()
	m := loaded(t, newFakeData(0), w, 120, 36, true)
	withUploadJob(m, 2, nil)
	_, cmd := m.Update(keyPress("q"))
	if cmd != nil || !m.quitAsk {
		t.Fatal("q quit during a transfer without asking")
	}
	press(m, "n")
	if m.quitAsk {
		t.Fatal("n did not dismiss the question")
	}
	m.Update(keyPress("q"))
	_, cmd = m.Update(keyPress("y"))
	if _, ok := cmd().(tea.QuitMsg); !ok || len(w.cancelled) != 1 {
		t.Fatalf("y: cancelled %v", w.cancelled)
	}
}

func TestFailedJobExplainsWhereYouLook(t *testing.T) {
	m := loaded(t, newFakeData(0), newFakeWorker(), 120, 36, true)
	withUploadJob(m, 1, actions.FailedEvent{Job: 1, Err: &actions.Error{Op: "upload", What: "the KMS key is disabled",
		Fix: "Enable it"}})
	if !m.statusErr || !strings.Contains(m.status, "the KMS key is disabled") || !strings.Contains(m.status, "Enable it") {
		t.Fatalf("status %q", m.status)
	}
	if s := ansi.Strip(m.View().Content); !strings.Contains(s, "fix: Enable it") {
		t.Fatalf("the flow pane does not show the fix:\n%s", s)
	}
}

func TestStaleObjectPagesDropped(t *testing.T) {
	m := loaded(t, newFakeData(0), newFakeWorker(), 120, 36, true)
	send(m, openBucketMsg{bucket: "my-bucket"}, time.Second, 4)
	gen := m.objects.gen
	m.Update(objectsLoadedMsg{gen: gen - 1, page: ObjectPage{Rows: []ObjectRow{{Key: "stale"}}}})
	for _, r := range m.objects.rows {
		if r.Key == "stale" {
			t.Fatal("a page of an earlier listing was shown")
		}
	}
}

func TestMouseClickSelectsAndFocuses(t *testing.T) {
	m := loaded(t, newFakeData(0), newFakeWorker(), 120, 36, true)
	// Row 0 of the buckets table is screen line 1 (pane top) + 1 (border) + 1 (header).
	m.Update(tea.MouseClickMsg{X: 5, Y: 4, Button: tea.MouseLeft})
	if r, _ := m.buckets.selected(); r.Name != "plain-bucket" {
		t.Fatalf("click selected %q", r.Name)
	}
	fl := m.lay.flow
	m.Update(tea.MouseClickMsg{X: fl.x + 3, Y: fl.y + 3, Button: tea.MouseLeft})
	if m.focus != paneFlow {
		t.Fatalf("click on the flow focused %v", m.focus)
	}
}

func TestCopyUsesClipboard(t *testing.T) {
	m := loaded(t, newFakeData(0), newFakeWorker(), 120, 36, true)
	withUploadJob(m, 1, nil)
	_, cmd := m.Update(keyPress("c"))
	if cmd == nil || !strings.Contains(m.status, "aws s3api put-object") {
		t.Fatalf("c: status %q", m.status)
	}
}

func TestResizeReflows(t *testing.T) {
	m := loaded(t, newFakeData(0), newFakeWorker(), 120, 36, true)
	for _, sz := range [][2]int{{80, 24}, {200, 60}, {100, 25}} {
		m.Update(tea.WindowSizeMsg{Width: sz[0], Height: sz[1]})
		lines := strings.Split(m.View().Content, "\n")
		if len(lines) != sz[1] {
			t.Errorf("%dx%d: %d lines", sz[0], sz[1], len(lines))
		}
		for i, l := range lines {
			if w := ansi.StringWidth(l); w > sz[0] {
				t.Errorf("%dx%d: line %d is %d wide", sz[0], sz[1], i, w)
			}
		}
	}
}
