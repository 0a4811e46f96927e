package ui

import (
	"strings"
	"testing"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/s3crypt/s3crypt/keyflow"
)

// The inspect popup uses the width it gets, shows the encryption context
// as JSON and says what each client-side envelope key holds.
func TestInspectUsesItsWidth(t *testing.T) {
	m := newTestModel(t, newFakeData(0), newFakeWorker(), 120, 36, true)
	ctx := map[string]string{"aws:s3:arn": "arn:aws:s3:::my-bucket/reports/cse.json"}
	in := Inspection{Bucket: "my-bucket", Key: "reports/cse.json", Size: 37, ETag: `"abc"`,
		Enc:      ObjectEnc{Known: true, Mode: "SSE-KMS", KMSKey: demoARN, Client: "S3EC V3", ClientFormat: 3, ClientWrap: "kms+context"},
		Metadata: map[string]string{"x-amz-c": "115", "x-amz-t": `{"aws:x-amz-cek-alg":"115"}`, "purpose": "test"},
		AtRest: &keyflow.AtRest{Mode: "aws:kms", Format: "DARE 2.0", PackageSize: 64 << 10, PlaintextKey: "never stored",
			Layers: []keyflow.AtRestLayer{{Wrapping: "kms", WrappedKeyBytes: 184, KMSKeyARN: demoARN, Context: ctx}}}}
	for _, width := range []int{80, 120} {
		d := newInspectInfo(m.c, in, nil)
		d.SetSize(width, 60)
		view := ansi.Strip(d.View())
		for _, want := range []string{`{"aws:s3:arn":"arn:aws:s3:::my-bucket/reports/cse.json"}`, "V3: the content cipher suite", "V3: the encryption context sent to KMS"} {
			if !strings.Contains(strings.Join(strings.Fields(view), " "), want) {
				t.Errorf("at %d columns the popup lacks %q:\n%s", width, want, view)
			}
		}
		if strings.Contains(view, "purpose  V") {
			t.Errorf("a user's own metadata key is explained as envelope:\n%s", view)
		}
		if got := lipgloss.Width(d.View()); got > width || got < min(width-8, 100) {
			t.Errorf("at %d columns the popup is %d wide", width, got)
		}
	}
}

// wrap never makes a line wider than asked (a comma break point did: the
// stray line break in the key deletion dialog).
func TestWrapKeepsToTheWidth(t *testing.T) {
	s := "After the waiting period KMS deletes the key material for good: every object, data key and ciphertext " +
		"encrypted under it becomes unreadable. arn:aws:kms:us-east-1:000000000000:key/1f2e3d4c-0000-4000-8000-000000000001"
	for w := 20; w < 90; w++ {
		for _, l := range strings.Split(wrap(s, w), "\n") {
			if lipgloss.Width(l) > w {
				t.Fatalf("at %d cells a line is %d wide: %q", w, lipgloss.Width(l), l)
			}
		}
	}
}
