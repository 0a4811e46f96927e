package ui

import (
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/s3crypt/s3crypt/actions"
	"github.com/s3crypt/s3crypt/keyflow"
	"github.com/s3crypt/s3crypt/modes"
)

// Test shorthands for the diagrams of the modes table's entries.
const (
	flowSSES3           = flowMode(modes.SSES3)
	flowSSEKMS          = flowMode(modes.SSEKMS)
	flowSSEKMSBucketKey = flowMode(modes.SSEKMSBucketKey)
	flowDSSEKMS         = flowMode(modes.DSSEKMS)
	flowSSEC            = flowMode(modes.SSEC)
	flowClientSide      = flowMode(modes.ClientSide)
)

// fakeMode is a mode the table does not have: registering it must be all
// it takes for the upload form to offer it, the upload to ask S3 for it
// and the flow panel to draw its steps.
func fakeMode() modes.Mode {
	return modes.Mode{ID: "FAKE-SEAL", Name: "fake seal", Short: "FAKE", API: "fake:seal", Offered: true, Tone: modes.ToneS3,
		Hint: "fake seal: a mode only this test knows",
		Upload: []modes.Step{{Actor: keyflow.You, To: keyflow.S3, Op: keyflow.OpRequest},
			{Actor: keyflow.S3, Op: "FakeSeal", Title: "seal"}, {Actor: keyflow.S3, To: keyflow.You, Op: keyflow.OpResponse}},
		Chips: []modes.Chip{modes.ChipS3RootKey, modes.ChipCiphertext}}
}

func TestATableEntryIsAllAModeNeeds(t *testing.T) {
	defer modes.Register(fakeMode())()
	w := newFakeWorker()
	m := loaded(t, newFakeData(0), w, 120, 36, true)
	send(m, openBucketMsg{bucket: "my-bucket"}, time.Second, 4)
	press(m, "enter", "u")
	typeText(m, "/tmp/report.pdf")
	press(m, "down", "down")
	if v := m.View().Content; !strings.Contains(v, "○ fake seal") {
		t.Fatalf("the upload form does not offer the fake mode:\n%s", v)
	}
	for range modes.Offered() {
		press(m, "right")
	}
	if v := m.View().Content; !strings.Contains(v, "◉ fake seal") || !strings.Contains(v, "a mode only this test knows") {
		t.Fatalf("the fake mode is not selected with its hint:\n%s", v)
	}
	press(m, "ctrl+s")
	if len(w.submitted) != 1 {
		t.Fatalf("submitted %d", len(w.submitted))
	}
	if p, ok := w.submitted[0].(*actions.Put); !ok || p.SSE != "fake:seal" {
		t.Fatalf("submitted %#v, want a Put asking for fake:seal", w.submitted[0])
	}
	j := m.jobs.selected()
	if j == nil || j.Meta.Flow.Mode != "FAKE-SEAL" {
		t.Fatalf("job flow %+v", j)
	}
	flow := renderFlow(m.c.Styles, flowView{Spec: j.Meta.Flow, State: jobRunning}, 0, 80, 16)
	for _, want := range []string{"FakeSeal", "S3 root key", "ciphertext"} {
		if !strings.Contains(ansi.Strip(flow), want) {
			t.Errorf("the flow panel does not draw %q from the table:\n%s", want, ansi.Strip(flow))
		}
	}
}
