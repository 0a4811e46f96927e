package ui

import (
	"slices"
	"testing"
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
