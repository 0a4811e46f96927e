package ui

import (
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/s3crypt/s3crypt/actions"
)

// TestObjectVersionsExpandInTheList: V on an object lists its versions (a
// job, not I/O in Update); the answer puts one row per version under the
// object, each with its own encryption, delete markers as such; d, i and x
// on a version row act on that version id; V folds them away.
func TestObjectVersionsExpandInTheList(t *testing.T) {
	w := newFakeWorker()
	m := loaded(t, newFakeData(0), w, 120, 36, true)
	openObjects(m)
	press(m, "down", "down")
	row, _ := m.objects.selected()
	if row.Key != "reports/notes.txt" {
		t.Fatalf("selected %q, the sample versions are of reports/notes.txt", row.Key)
	}
	send(m, keyPress("V"), 2*time.Second, 6)
	if len(w.submitted) != 1 {
		t.Fatalf("V submitted %d jobs", len(w.submitted))
	}
	a, ok := w.submitted[0].(*listObjectVersions)
	if !ok || a.Key != row.Key || a.Prefix != row.Key || a.Bucket != "my-bucket" {
		t.Fatalf("submitted %#v", w.submitted[0])
	}
	rowsBefore := len(m.objects.shown)
	send(m, jobEndedMsg{state: jobDone, result: sampleVersions()}, 200*time.Millisecond, 3)
	if got := len(m.objects.shown); got != rowsBefore+4 {
		t.Fatalf("%d rows shown after expanding, want %d", got, rowsBefore+4)
	}
	view := ansi.Strip(m.View().Content)
	for _, want := range []string{"└ 3HL4kqtJ… current", "delete marker", "└ gKGyTUuK… noncurrent", "md5 Xz3a", "md5 Q8mK"} {
		if !strings.Contains(view, want) {
			t.Errorf("the list lacks %q:\n%s", want, view)
		}
	}
	// The cursor is on the newest version, a delete marker: no download
	// or inspect, and x deletes the marker itself.
	sel, _ := m.objects.selected()
	if sel.Version == nil || !sel.Version.Marker {
		t.Fatalf("after expanding the cursor is on %#v, want the delete marker", sel)
	}
	press(m, "i")
	if len(w.submitted) != 1 {
		t.Fatalf("i on a delete marker submitted %#v", w.submitted[1:])
	}
	press(m, "x")
	send(m, keyPress("y"), 2*time.Second, 6)
	if d, ok := w.submitted[len(w.submitted)-1].(*actions.DeleteObject); !ok || d.Key != row.Key || d.VersionID != "3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrH" {
		t.Fatalf("x, y on the marker submitted %#v", w.submitted[len(w.submitted)-1])
	}
	// i on an older version HEADs that version.
	press(m, "down", "down")
	n := len(w.submitted)
	send(m, keyPress("i"), 2*time.Second, 6)
	if len(w.submitted) != n+1 {
		t.Fatalf("i on a version submitted %d jobs", len(w.submitted)-n)
	}
	if h, ok := w.submitted[n].(*actions.Head); !ok || h.Key != row.Key || h.VersionID != "mUDhfj9lYhC3fF0D6CXOw8GQs0bqLa2P" {
		t.Fatalf("i on the third version submitted %#v", w.submitted[n])
	}
	// d opens the download form; its job reads that version.
	press(m, "d")
	send(m, keyPress("ctrl+s"), 2*time.Second, 6)
	send(m, keyPress("ctrl+s"), 2*time.Second, 6) // SSE-C without a key: said once, sent on the second
	g, ok := w.submitted[len(w.submitted)-1].(*actions.Get)
	if !ok || g.VersionID != "mUDhfj9lYhC3fF0D6CXOw8GQs0bqLa2P" {
		t.Fatalf("download of a version submitted %#v", w.submitted[len(w.submitted)-1])
	}
	// V on a version folds the versions away, the cursor back on the object.
	press(m, "V")
	if got := len(m.objects.shown); got != rowsBefore {
		t.Fatalf("%d rows after folding, want %d", got, rowsBefore)
	}
	if sel, _ := m.objects.selected(); sel.Key != row.Key || sel.Version != nil {
		t.Fatalf("after folding the cursor is on %#v", sel)
	}
}

// TestObjectVersionRowsScreens: goldens of an object expanded to its
// versions, at 80x24 and 120x36.
func TestObjectVersionRowsScreens(t *testing.T) {
	for _, size := range []struct {
		name string
		w, h int
	}{{"80x24", 80, 24}, {"120x36", 120, 36}} {
		t.Run(size.name, func(t *testing.T) {
			m := loaded(t, newFakeData(0), newFakeWorker(), size.w, size.h, true)
			openObjects(m)
			press(m, "down", "down", "V")
			send(m, jobEndedMsg{state: jobDone, result: sampleVersions()}, 200*time.Millisecond, 3)
			press(m, "down")
			golden.RequireEqual(t, m.View().Content)
		})
	}
}
