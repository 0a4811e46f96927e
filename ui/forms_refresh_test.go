package ui

import (
	"slices"
	"testing"

	"github.com/s3crypt/s3crypt/actions"
)

// TestBucketEncryptionFormTakesNewKeys: a key created (or loaded) while
// the bucket's default-encryption form is open joins its KMS key choice,
// and the bucket's own key is selected when the form had none yet; a
// choice the user made is kept.
func TestBucketEncryptionFormTakesNewKeys(t *testing.T) {
	d := newFakeData(0)
	keys := d.keys
	d.keys = nil // the form opens before the key list arrived
	m := loaded(t, d, newFakeWorker(), 120, 36, true)
	press(m, "e") // my-bucket: SSE-KMS under alias/demo
	f, ok := m.dialog.(*form)
	if !ok {
		t.Fatalf("dialog %T", m.dialog)
	}
	var kms *field
	for _, fl := range f.fields {
		if fl.label == "KMS key" {
			kms = fl
		}
	}
	if len(kms.options) != 1 {
		t.Fatalf("options before the keys loaded: %v", kms.options)
	}
	m.Update(keysLoadedMsg{rows: keys})
	if !slices.Contains(kms.values, "alias/demo") || kms.value() != "alias/demo" {
		t.Fatalf("after the keys loaded: %v, selected %q", kms.values, kms.value())
	}
	more := append(slices.Clone(keys), KeyRow{ID: "9", ARN: "arn:aws:kms:us-east-1:000000000000:key/9", Aliases: []string{"alias/new"},
		Spec: "SYMMETRIC_DEFAULT", State: "Enabled", Manager: "CUSTOMER"})
	m.Update(keysLoadedMsg{rows: more})
	if !slices.Contains(kms.values, "alias/new") || kms.value() != "alias/demo" {
		t.Fatalf("after a key was created: %v, selected %q", kms.values, kms.value())
	}
}

// TestDownloadFormTakesLateEncryption: a download asked for before the
// row's HEAD answered takes the encryption when it arrives, so the job's
// flow is the object's (client-side here) rather than an empty one, and
// an envelope in an instruction file is read; another key's answer is not
// taken.
func TestDownloadFormTakesLateEncryption(t *testing.T) {
	m := loaded(t, newFakeData(0), newFakeWorker(), 120, 36, true)
	f := newDownloadForm(m.c, "lab", ObjectRow{Key: "java-v2.bin"})
	enc := ObjectEnc{Known: true, Mode: "SSE-S3", Client: "S3EC V2", ClientFormat: 2, ClientWrap: "kms+context", ClientInstruction: true}
	f.Update(encLoadedMsg{keys: []string{"other.bin"}, encs: []ObjectEnc{{Known: true, Mode: "SSE-KMS"}}})
	f.Update(encLoadedMsg{keys: []string{"java-v2.bin"}, encs: []ObjectEnc{enc}})
	msg, errText := f.submit()
	sj, ok := msg.(startJobMsg)
	if !ok || errText != "" {
		t.Fatalf("submit: %#v %q", msg, errText)
	}
	if sj.meta.Flow.Mode != flowClientSide {
		t.Fatalf("flow %+v, want the client-side one", sj.meta.Flow)
	}
	if g, ok := sj.action.(*actions.Get); !ok || !g.InstructionFile {
		t.Fatalf("action %#v", sj.action)
	}
}
