package ui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/s3crypt/s3crypt/actions"
)

// TestDownloadRange: the download dialog's range reaches the Get as HTTP
// bytes=; a client-side object's range is refused until the opt-in is
// set (nothing is submitted), and then carries AllowUnauthenticatedRange;
// a malformed range is refused with the reason.
func TestDownloadRange(t *testing.T) {
	w := newFakeWorker()
	m := loaded(t, newFakeData(0), w, 120, 36, true)
	openObjects(m)

	// notes.txt is SSE-S3: a range needs no opt-in, and none is asked.
	press(m, "down", "down", "d", "tab")
	typeText(m, "10-19")
	if v := ansi.Strip(m.View().Content); strings.Contains(v, "Unauthenticated") {
		t.Fatalf("a server-side object's dialog asks for the client-side opt-in:\n%s", v)
	}
	press(m, "ctrl+s")
	if g, ok := w.submitted[0].(*actions.Get); !ok || g.Range != "bytes=10-19" || g.AllowUnauthenticatedRange {
		t.Fatalf("submitted %#v, want a Get of bytes=10-19", w.submitted[0])
	}

	// cse.json is client-side.
	press(m, "up", "d", "tab")
	if v := ansi.Strip(m.View().Content); strings.Contains(v, "Unauthenticated") {
		t.Fatalf("the opt-in shows before a range is typed:\n%s", v)
	}
	typeText(m, "-5")
	press(m, "ctrl+s")
	f, ok := m.dialog.(*form)
	if !ok || !strings.Contains(f.err, "never authenticated") || len(w.submitted) != 1 {
		t.Fatalf("a client-side range without the opt-in: dialog %T err %q, %d submitted", m.dialog, f.err, len(w.submitted))
	}
	press(m, "tab", "right", "ctrl+s")
	if g, ok := w.submitted[1].(*actions.Get); !ok || g.Range != "bytes=-5" || !g.AllowUnauthenticatedRange || g.Key != "reports/cse.json" {
		t.Fatalf("submitted %#v, want an opted-in Get of bytes=-5", w.submitted[1])
	}

	// Without a range the whole object is read and authenticated.
	press(m, "d", "ctrl+s")
	if g := w.submitted[2].(*actions.Get); g.Range != "" || g.AllowUnauthenticatedRange {
		t.Fatalf("submitted %#v, want a whole Get", g)
	}

	press(m, "d", "tab")
	typeText(m, "9-3")
	press(m, "ctrl+s")
	if f, ok := m.dialog.(*form); !ok || !strings.Contains(f.err, "ends before it starts") || len(w.submitted) != 3 {
		t.Fatalf("a reversed range: dialog %T, %d submitted", m.dialog, len(w.submitted))
	}
}
