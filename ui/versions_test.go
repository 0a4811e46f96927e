package ui

import (
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"

	"github.com/s3crypt/s3crypt/actions"
)

// TestBucketVersioningKeyReadsThenOffersToFlip: v on a bucket reads its
// versioning; the answer opens a confirm dialog whose yes enables (or,
// when enabled, suspends) it.
func TestBucketVersioningKeyReadsThenOffersToFlip(t *testing.T) {
	for _, tc := range []struct{ now, want string }{{"", actions.VersioningEnabled}, {actions.VersioningEnabled, actions.VersioningSuspended}} {
		w := newFakeWorker()
		m := loaded(t, newFakeData(0), w, 120, 36, true)
		press(m, "2", "v")
		if len(w.submitted) != 1 {
			t.Fatalf("v submitted %d jobs", len(w.submitted))
		}
		rv, ok := w.submitted[0].(*readVersioning)
		if !ok || rv.Bucket == "" {
			t.Fatalf("v submitted %#v", w.submitted[0])
		}
		send(m, jobEndedMsg{state: jobDone, result: versioningRead{actions.VersioningResult{Bucket: rv.Bucket, Status: tc.now}}}, 200*time.Millisecond, 3)
		press(m, "y")
		if len(w.submitted) != 2 {
			t.Fatalf("confirming submitted %d jobs", len(w.submitted))
		}
		if p, ok := w.submitted[1].(*actions.PutBucketVersioning); !ok || p.Bucket != rv.Bucket || p.Status != tc.want {
			t.Fatalf("versioning %q: submitted %#v, want %s", tc.now, w.submitted[1], tc.want)
		}
	}
}

// TestRotateKeyAsksThenRotates: o on an enabled symmetric customer key
// asks, then rotates it on demand.
func TestRotateKeyAsksThenRotates(t *testing.T) {
	w := newFakeWorker()
	m := loaded(t, newFakeData(0), w, 120, 36, true)
	press(m, "1")
	for range m.keys.rows {
		if r, _ := m.keys.selected(); r.Manager == "CUSTOMER" && r.Symmetric() && r.State == "Enabled" && !r.Owned {
			break
		}
		press(m, "down")
	}
	row, _ := m.keys.selected()
	press(m, "o", "y")
	if len(w.submitted) != 1 {
		t.Fatalf("o, y submitted %d jobs on %s", len(w.submitted), row.Name())
	}
	if a, ok := w.submitted[0].(*actions.RotateKey); !ok || a.KeyID != row.ID {
		t.Fatalf("submitted %#v", w.submitted[0])
	}
}

// TestReencryptFormSubmitsTheChosenEncryption: e on an object opens the
// re-encrypt form (SSE-KMS preselected, the mode's description below);
// ctrl+s submits a Reencrypt of that object.
func TestReencryptFormSubmitsTheChosenEncryption(t *testing.T) {
	w := newFakeWorker()
	m := loaded(t, newFakeData(0), w, 120, 36, true)
	openObjects(m)
	press(m, "down")
	row, _ := m.objects.selected()
	press(m, "e")
	if row.Enc.Mode == "SSE-C" {
		t.Skip("the fake's first object is SSE-C")
	}
	press(m, "ctrl+s")
	if len(w.submitted) != 1 {
		t.Fatalf("ctrl+s submitted %d jobs", len(w.submitted))
	}
	a, ok := w.submitted[0].(*actions.Reencrypt)
	if !ok || a.Bucket != "my-bucket" || a.Key != row.Key || a.Target.SSE != actions.SSEKMS {
		t.Fatalf("submitted %#v", w.submitted[0])
	}
}

// TestVersionScreens are the goldens of the new dialogs: the re-encrypt
// form, the versioning question and the rotation question.
func TestVersionScreens(t *testing.T) {
	for _, sc := range []struct {
		name  string
		setup func(m *Model)
	}{
		{"reencrypt-form", func(m *Model) { openObjects(m); press(m, "down", "e") }},
		{"versioning-confirm", func(m *Model) {
			press(m, "2")
			send(m, jobEndedMsg{state: jobDone, result: versioningRead{actions.VersioningResult{Bucket: "my-bucket"}}}, 200*time.Millisecond, 3)
		}},
		{"rotate-confirm", func(m *Model) {
			press(m, "1")
			for range m.keys.rows {
				if r, _ := m.keys.selected(); r.Manager == "CUSTOMER" && r.Symmetric() && r.State == "Enabled" && !r.Owned {
					break
				}
				press(m, "down")
			}
			press(m, "o")
		}},
	} {
		t.Run(sc.name, func(t *testing.T) {
			m := loaded(t, newFakeData(0), newFakeWorker(), 120, 36, true)
			sc.setup(m)
			golden.RequireEqual(t, m.View().Content)
		})
	}
}
