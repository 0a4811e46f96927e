package ui

import (
	"context"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// TestUploadFormFollowsTheKeyList: an upload form opened before the KMS
// key list loaded (only aws/s3 to offer) offers the keys once they load,
// through the model as the list really arrives; the choice made stays
// made when the list reloads. Before the fix the form kept the list it
// was opened with (the tapes' upload steps had to wait for the Keys view
// first).
func TestUploadFormFollowsTheKeyList(t *testing.T) {
	d := newFakeData(0)
	m := newTestModel(t, d, newFakeWorker(), 120, 40, true)
	m.Update(requestUploadMsg{bucket: "plain-bucket"})
	f, ok := m.dialog.(*form)
	if !ok {
		t.Fatalf("no upload form open: %T", m.dialog)
	}
	field := func(label string) *field {
		for _, fl := range f.fields {
			if fl.label == label {
				return fl
			}
		}
		t.Fatalf("no field %q", label)
		return nil
	}
	kms, dataKey := field("KMS key"), field("Data key from")
	if len(kms.options) != 1 || len(dataKey.options) != 0 {
		t.Fatalf("before the keys loaded: KMS key %v, data key %v", kms.options, dataKey.options)
	}
	rows, err := d.ListKeys(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	m.Update(keysLoadedMsg{rows: rows})
	if got := strings.Join(kms.options, ","); got != "aws/s3 (AWS managed),alias/demo" {
		t.Errorf("after the keys loaded, KMS key offers %s", got)
	}
	if got := strings.Join(dataKey.options, ","); got != "alias/demo" {
		t.Errorf("after the keys loaded, data key offers %s", got)
	}
	// Choose SSE-KMS and alias/demo; the form draws it.
	mode := field("Encryption")
	for i, v := range mode.values {
		if v == "SSE-KMS" {
			mode.sel = i
		}
	}
	kms.sel = 1
	if v := ansi.Strip(m.dialog.View()); !strings.Contains(v, "◉ alias/demo") {
		t.Errorf("the form does not offer alias/demo:\n%s", v)
	}
	// A reload (a key created meanwhile) keeps the choice.
	more := append([]KeyRow{{ID: "0000", ARN: "arn:aws:kms:us-east-1:000000000000:key/0000", Aliases: []string{"alias/a-new"},
		Spec: "SYMMETRIC_DEFAULT", Usage: "ENCRYPT_DECRYPT", State: "Enabled", Manager: "CUSTOMER"}}, rows...)
	m.Update(keysLoadedMsg{rows: more})
	if kms.value() != "alias/demo" || len(kms.options) != 3 {
		t.Errorf("after a reload: KMS key %q of %v, want alias/demo kept", kms.value(), kms.options)
	}
}
