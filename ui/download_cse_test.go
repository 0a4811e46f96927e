package ui

import (
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/s3crypt/s3crypt/actions"
)

// cseLab is fake data with a bucket of client-side objects of every kind
// s3crypt get reads: a V2 object whose envelope is only in its listed
// instruction file, raw AES and RSA keyrings, a legacy CBC object, and a
// V3 object whose wrapping is not known (its instruction file unlisted).
func cseLab() *fakeData {
	d := newFakeData(0)
	d.buckets = append(d.buckets, BucketRow{Name: "lab", Enc: BucketEncryption{Loaded: true, SSE: "AES256", SSECBlocked: true}})
	keys := []string{"aes-v3.bin", "java-v2.bin", "java-v2.bin.instruction", "legacy-cbc.bin", "rsa-v2.bin", "unknown-v3.bin"}
	for i, k := range keys {
		d.objects["lab"] = append(d.objects["lab"], ObjectRow{Key: k, Size: int64(1000 + i), Modified: fixedNow.Add(-time.Hour)})
	}
	s3 := func(e ObjectEnc) ObjectEnc { e.Known, e.Mode = true, "SSE-S3"; return e }
	d.encs = map[string]ObjectEnc{
		"aes-v3.bin":     s3(ObjectEnc{Client: "S3EC V3", ClientFormat: 3, ClientWrap: "AES/GCM"}),
		"rsa-v2.bin":     s3(ObjectEnc{Client: "S3EC V2", ClientFormat: 2, ClientWrap: "RSA-OAEP-SHA1"}),
		"legacy-cbc.bin": s3(ObjectEnc{Client: "S3EC V2 legacy CBC", ClientFormat: 2, ClientLegacy: "AES-CBC content", ClientWrap: "kms+context"}),
		"unknown-v3.bin": s3(ObjectEnc{Client: "S3EC V3", ClientFormat: 3}),
	}
	d.instr = map[string]ObjectEnc{
		"java-v2.bin": s3(ObjectEnc{Client: "S3EC V2", ClientFormat: 2, ClientWrap: "kms+context", ClientInstruction: true}),
	}
	return d
}

func openLab(m *Model) { send(m, openBucketMsg{bucket: "lab"}, time.Second, 4) }

// TestClientSideRowsAndDownloads: the bucket view labels each client-side
// object by its format (the V2 object whose envelope is only in its
// listed instruction file too, which HeadObjects is told of), and the
// download dialog asks what the object needs, as s3crypt get's flags do:
// the key file of a raw keyring the envelope names (--wrapping-key,
// --rsa-key), the keyring itself when the envelope's wrapping is not
// known, and the legacy opt-in (--legacy) for a legacy format, refusing
// to submit without them; an instruction file is read (--instruction-file).
func TestClientSideRowsAndDownloads(t *testing.T) {
	w := newFakeWorker()
	m := loaded(t, cseLab(), w, 120, 36, true)
	openLab(m)
	v := ansi.Strip(m.View().Content)
	for _, want := range []string{"aes-v3.bin", "java-v2.bin     ", "S3EC V2 + SSE-S3", "S3EC V2 legacy CBC"} {
		if !strings.Contains(v, want) {
			t.Fatalf("bucket view lacks %q:\n%s", want, v)
		}
	}
	for _, line := range strings.Split(v, "\n") {
		if strings.Contains(line, ".bin") && !strings.Contains(line, "s3://") &&
			strings.Contains(line, "S3EC V") == strings.Contains(line, ".instruction") {
			t.Fatalf("row %q: every object but the instruction file is client-side", line)
		}
	}
	submitted := func() actions.Action { return w.submitted[len(w.submitted)-1] }

	// aes-v3.bin (row 1): the AES key file is asked for, not a keyring.
	press(m, "d")
	v = ansi.Strip(m.View().Content)
	if !strings.Contains(v, "Key file") || strings.Contains(v, "Keyring") {
		t.Fatalf("the AES object's dialog:\n%s", v)
	}
	press(m, "ctrl+s")
	if f, ok := m.dialog.(*form); !ok || !strings.Contains(f.err, "--wrapping-key") || len(w.submitted) != 0 {
		t.Fatalf("no key file: dialog %T, %d submitted", m.dialog, len(w.submitted))
	}
	press(m, "tab", "tab") // Save as → Range → Key file
	if v := ansi.Strip(m.View().Content); !strings.Contains(v, "the envelope says AES/GCM") {
		t.Fatalf("the key file's hint:\n%s", v)
	}
	typeText(m, "/keys/wrap.key")
	press(m, "ctrl+s")
	if g, ok := submitted().(*actions.Get); !ok || g.KeyFiles.WrappingKeyFile != "/keys/wrap.key" || g.KeyFiles.RSAKeyFile != "" || g.Legacy || g.InstructionFile {
		t.Fatalf("submitted %#v", submitted())
	}

	// java-v2.bin: KMS, its envelope in the instruction file.
	press(m, "down", "d", "ctrl+s")
	if g, ok := submitted().(*actions.Get); !ok || g.Key != "java-v2.bin" || !g.InstructionFile || g.KeyFiles.Given() {
		t.Fatalf("submitted %#v", submitted())
	}

	// legacy-cbc.bin: refused until the opt-in is set.
	press(m, "down", "down", "d", "ctrl+s")
	if f, ok := m.dialog.(*form); !ok || !strings.Contains(f.err, "--legacy") || len(w.submitted) != 2 {
		t.Fatalf("legacy without the opt-in: dialog %T, %d submitted", m.dialog, len(w.submitted))
	}
	press(m, "tab", "tab", "right", "ctrl+s")
	if g, ok := submitted().(*actions.Get); !ok || g.Key != "legacy-cbc.bin" || !g.Legacy {
		t.Fatalf("submitted %#v", submitted())
	}

	// rsa-v2.bin: the RSA private key.
	press(m, "down", "d", "tab", "tab")
	typeText(m, "key.pem")
	press(m, "ctrl+s")
	if g, ok := submitted().(*actions.Get); !ok || g.KeyFiles.RSAKeyFile != "key.pem" {
		t.Fatalf("submitted %#v", submitted())
	}

	// unknown-v3.bin: which keyring is asked; KMS needs no file.
	press(m, "down", "d")
	if v := ansi.Strip(m.View().Content); !strings.Contains(v, "Keyring") || strings.Contains(v, "Key file") {
		t.Fatalf("the unknown wrapping's dialog:\n%s", v)
	}
	press(m, "tab", "tab", "right", "right", "tab") // Keyring: RSA, then Key file
	typeText(m, "other.pem")
	press(m, "ctrl+s")
	if g, ok := submitted().(*actions.Get); !ok || g.Key != "unknown-v3.bin" || g.KeyFiles.RSAKeyFile != "other.pem" {
		t.Fatalf("submitted %#v", submitted())
	}
}

// TestClientSideScreens: the bucket of client-side objects, and the
// download dialog of a raw AES keyring's object with its details.
func TestClientSideScreens(t *testing.T) {
	for name, setup := range map[string]func(m *Model){
		"rows":            func(m *Model) { openLab(m); press(m, "down") },
		"download_aes":    func(m *Model) { openLab(m); press(m, "d", "tab", "tab") },
		"download_legacy": func(m *Model) { openLab(m); press(m, "down", "down", "down", "d", "tab", "tab", "right") },
	} {
		t.Run(name, func(t *testing.T) {
			m := loaded(t, cseLab(), newFakeWorker(), 120, 36, true)
			setup(m)
			golden.RequireEqual(t, m.View().Content)
		})
	}
}

// TestUploadDialogClientSideChoices: the upload form's client-side fields
// (from the modes table) build the Put that s3crypt put --client-side
// would: format V2 (--cse-format v2), a raw AES keyring's key file
// (--wrapping-key, read when the upload runs) instead of a KMS key, and
// the envelope in an instruction file (--instruction-file); without a key
// file it is refused, and by default it is V3 under the KMS key chosen.
func TestUploadDialogClientSideChoices(t *testing.T) {
	w := newFakeWorker()
	m := loaded(t, newFakeData(0), w, 120, 36, true)
	send(m, openBucketMsg{bucket: "my-bucket"}, time.Second, 4)
	press(m, "enter", "u")
	typeText(m, "/tmp/notes.txt")
	press(m, "down", "down", "right", "right", "right", "right", "right", "right") // client-side
	v := ansi.Strip(m.View().Content)
	for _, want := range []string{"Format", "V3 (key-committing)", "Keyring", "AES key file", "Data key from", "Envelope"} {
		if !strings.Contains(v, want) {
			t.Fatalf("the client-side upload form lacks %q:\n%s", want, v)
		}
	}
	press(m, "down", "right", "down", "right") // Format V2, Keyring AES
	if v := ansi.Strip(m.View().Content); strings.Contains(v, "Data key from") || !strings.Contains(v, "Wrapping key") {
		t.Fatalf("a raw keyring still asks for a KMS key, or not for its file:\n%s", v)
	}
	press(m, "ctrl+s")
	if f, ok := m.dialog.(*form); !ok || !strings.Contains(f.err, "--wrapping-key") || len(w.submitted) != 0 {
		t.Fatalf("no key file: dialog %T, %d submitted", m.dialog, len(w.submitted))
	}
	press(m, "down")
	typeText(m, "wrap.key")
	press(m, "down", "right", "ctrl+s") // Envelope: instruction file
	p, ok := w.submitted[0].(*actions.Put)
	if !ok || p.ClientSide == nil {
		t.Fatalf("submitted %#v", w.submitted[0])
	}
	if cs := p.ClientSide; cs.Format != 2 || cs.KMSKey != "" || cs.KeyFiles.WrappingKeyFile != "wrap.key" || !cs.InstructionFile {
		t.Fatalf("client side %+v", cs)
	}

	press(m, "u")
	typeText(m, "/tmp/notes.txt")
	press(m, "down", "down", "right", "right", "right", "right", "right", "right", "ctrl+s")
	if cs := w.submitted[1].(*actions.Put).ClientSide; cs == nil || cs.Format != 3 || cs.KMSKey == "" || cs.KeyFiles.Given() || cs.InstructionFile {
		t.Fatalf("default client side %+v", cs)
	}
}
