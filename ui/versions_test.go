package ui

import (
	"strings"
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
		press(m, "2")
		send(m, keyPress("v"), 2*time.Second, 6)
		if len(w.submitted) != 1 {
			t.Fatalf("v submitted %d jobs", len(w.submitted))
		}
		rv, ok := w.submitted[0].(*readVersioning)
		if !ok || rv.Bucket == "" {
			t.Fatalf("v submitted %#v", w.submitted[0])
		}
		send(m, jobEndedMsg{state: jobDone, result: versioningRead{actions.VersioningResult{Bucket: rv.Bucket, Status: tc.now}}}, 200*time.Millisecond, 3)
		send(m, keyPress("y"), 2*time.Second, 6)
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
	press(m, "o")
	send(m, keyPress("y"), 2*time.Second, 6)
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
	send(m, keyPress("ctrl+s"), 2*time.Second, 6)
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
		{"object-versions", func(m *Model) {
			openObjects(m)
			press(m, "down", "down", "V")
			send(m, jobEndedMsg{state: jobDone, result: sampleVersions()}, 200*time.Millisecond, 3)
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

func sampleVersions() objectVersions {
	at := func(min int) time.Time { return fixedNow.Add(-time.Duration(min) * time.Minute) }
	v := func(id string, min int, latest, marker bool, label string) actions.VersionEntry {
		var enc actions.ObjectEncryption
		switch {
		case strings.HasPrefix(label, "SSE-KMS"):
			enc = actions.ObjectEncryption{SSE: "aws:kms", KMSKeyARN: "arn:aws:kms:us-east-1:000000000000:key/1111aaaa-2222-4333-8444-555566667777"}
		case strings.HasPrefix(label, "SSE-C"):
			enc = actions.ObjectEncryption{SSECKeyMD5: strings.TrimSuffix(strings.TrimPrefix(label, "SSE-C md5 "), "…") + "bWQ1bWQ1bWQ1PT0="}
		}
		return actions.VersionEntry{ObjectEntry: actions.ObjectEntry{Key: "reports/notes.txt", Size: 4096, LastModified: at(min), Label: label, Encryption: enc},
			VersionID: id, IsLatest: latest, DeleteMarker: marker}
	}
	return objectVersions{Bucket: "my-bucket", Key: "reports/notes.txt", Versions: []actions.VersionEntry{
		v("3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrH", 1, true, true, "delete marker"),
		v("gKGyTUuK2AbvFO2Al3iGpaQ4.tbH0ob9", 5, false, false, "SSE-KMS alias/demo"),
		v("mUDhfj9lYhC3fF0D6CXOw8GQs0bqLa2P", 9, false, false, "SSE-C md5 Xz3a…"),
		v("Pc0cPTXqMfCmGD.sL_1EX1IuPqxT1WDX", 12, false, false, "SSE-C md5 Q8mK…"),
	}}
}
