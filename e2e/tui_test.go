package e2e

import (
	"bytes"
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Deadlines of the TUI tests: a screen change normally shows in well under
// a second; a job (an upload through the sandbox) in a few.
const (
	tuiShort = 10 * time.Second
	tuiJob   = 30 * time.Second
)

// TestTUIEncryptionWalkthrough drives the terminal UI with keystrokes only,
// on a fresh sandbox: a KMS key with an alias, a bucket whose default is
// SSE-KMS under that key with a bucket key, an upload that lights the flow
// panel up to S3 storing the object, a download checked byte for byte;
// then SSE-C: refused while the bucket blocks it, allowed in the
// encryption dialog, uploaded, refused for download without its key with
// a message that says what to pass, and downloaded with it.
func TestTUIEncryptionWalkthrough(t *testing.T) {
	files := t.TempDir()
	plain := filepath.Join(files, "plain.bin")
	want := make([]byte, 300<<10)
	if _, err := rand.Read(want); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(plain, want, 0o600); err != nil {
		t.Fatal(err)
	}
	term := startTUI(t, "")
	s := term.waitFor(tuiShort, "? help", "q quit")
	if h := line(s, 0); !strings.Contains(h, "data "+term.dataDir) || !strings.Contains(h, "sandbox") {
		t.Fatalf("the header does not show the sandbox data dir %s: %q", term.dataDir, h)
	}

	tuiCreateKey(term, "alias/tui-e2e")
	const bucket = "tui-e2e-sse" // short enough for the BUCKET column at 120 cells
	tuiCreateBucket(term, bucket)
	tuiSetBucketKMS(term, bucket, "alias/tui-e2e")

	// Upload with the bucket default; the flow panel follows S3 up to the
	// Stored step.
	term.keys("Enter")
	term.waitFor(tuiShort, "empty — press u to upload")
	term.keys("u")
	term.waitFor(tuiShort, "Upload to s3://"+bucket+"/", "bucket default (SSE-KMS")
	term.typeText(plain)
	term.waitFor(tuiShort, tail(plain))
	term.keys("C-s")
	s = term.waitFor(tuiJob, "✓ upload plain.bin", "store ciphertext", "S3 stored the object")
	if !strings.Contains(s, "Flow · SSE-KMS + bucket key upload") {
		t.Errorf("the flow panel does not show an SSE-KMS upload with a bucket key:\n%s", s)
	}
	term.waitFor(tuiShort, "plain.bin", "SSE-KMS alias/tui-e2e")

	// Download it to a path typed in the dialog.
	got := filepath.Join(files, "plain.out")
	term.keys("d")
	term.waitFor(tuiShort, "Download s3://"+bucket+"/plain.bin", "Save as")
	term.clearAndType(got)
	term.waitFor(tuiShort, tail(got))
	term.keys("C-s")
	term.waitFor(tuiJob, "✓ download plain.bin", "saved "+got)
	assertFile(t, got, want)

	tuiSSEC(term, bucket, plain, files, want)

	// The full help lists the object keys.
	term.keys("?")
	s = term.waitFor(tuiShort, "Help · Objects view", "u upload", "d download", "i inspect")
	for _, k := range []string{"⌫ back to buckets", "/ filter", "q quit"} {
		if !strings.Contains(s, k) {
			t.Errorf("the full help lacks %q", k)
		}
	}
	// Keys that do nothing now are not offered: no job runs, and the
	// selection is an object, not a folder to open.
	for _, k := range []string{"cancel job", "enter open"} {
		if strings.Contains(s, k) {
			t.Errorf("the full help offers %q, which does nothing here", k)
		}
	}
	term.keys("Escape")
	term.waitUntil(tuiShort, "the help closed", func(s string) bool { return !strings.Contains(s, "Help · Objects view") })

	// Nothing runs: q quits at once.
	term.keys("q")
	term.waitExit(tuiShort)
}

// tuiCreateKey creates a symmetric KMS key with alias in the Keys view.
func tuiCreateKey(term *tuiTerm, alias string) {
	term.t.Helper()
	term.keys("1")
	term.waitFor(tuiShort, "n new key")
	term.keys("n")
	term.waitFor(tuiShort, "Create a KMS key", "◉ symmetric (AES-256)")
	term.keys("Down") // Alias, which starts as "alias/"
	term.clearAndType(alias)
	term.waitFor(tuiShort, "▸ Alias            "+alias)
	term.keys("C-s")
	term.waitFor(tuiJob, "✓ create "+alias)
	term.waitFor(tuiShort, alias+" ", "Enabled", "customer")
}

// tuiCreateBucket creates bucket in the Buckets view and checks the 2026
// defaults: SSE-S3, SSE-C blocked.
func tuiCreateBucket(term *tuiTerm, bucket string) {
	term.t.Helper()
	term.keys("2")
	term.waitFor(tuiShort, "n new bucket")
	term.keys("n")
	term.waitFor(tuiShort, "Create a bucket")
	term.typeText(bucket)
	term.waitFor(tuiShort, "Bucket name      "+bucket)
	term.keys("C-s")
	term.waitFor(tuiJob, "✓ create bucket "+bucket)
	s := term.waitFor(tuiShort, "▸ "+bucket)
	row := rowWith(s, "▸ "+bucket)
	if !strings.Contains(row, "SSE-S3") || !strings.Contains(row, "blocked") {
		term.t.Errorf("a new bucket should show SSE-S3 and SSE-C blocked: %q", row)
	}
}

// tuiSetBucketKMS sets bucket's default encryption to SSE-KMS under alias
// with a bucket key, in the encryption dialog.
func tuiSetBucketKMS(term *tuiTerm, bucket, alias string) {
	term.t.Helper()
	term.keys("e")
	term.waitFor(tuiShort, "Default encryption of "+bucket, "◉ SSE-S3")
	term.keys("Right")
	term.waitFor(tuiShort, "◉ SSE-KMS", "KMS key", "Bucket key")
	term.keys("Down", "Right") // aws/s3 → the only customer managed key
	term.waitFor(tuiShort, "◉ "+alias)
	term.keys("Down", "Left") // bucket key: off → on
	term.waitFor(tuiShort, "▸ Bucket key       ◉ on")
	term.keys("C-s")
	term.waitFor(tuiJob, "✓ set default encryption of "+bucket)
	s := term.waitUntil(tuiShort, "the bucket row with SSE-KMS", func(s string) bool {
		return strings.Contains(rowWith(s, "▸ "+bucket), "SSE-KMS "+alias)
	})
	if row := rowWith(s, "▸ "+bucket); !strings.Contains(row, " on ") || !strings.Contains(row, "blocked") {
		term.t.Errorf("bucket row after SSE-KMS with a bucket key: %q", row)
	}
}

// tuiSSEC is the SSE-C part: blocked, allowed, uploaded, read without and
// with its key.
func tuiSSEC(term *tuiTerm, bucket, plain, files string, want []byte) {
	t := term.t
	t.Helper()
	keyFile := filepath.Join(files, "secret.key")
	uploadSSEC := func() {
		term.keys("u")
		term.waitFor(tuiShort, "Upload to s3://"+bucket+"/")
		term.typeText(plain)
		term.keys("Down")
		term.typeText("secret.bin")
		term.keys("Down", "Right", "Right", "Right", "Right", "Right") // bucket default → SSE-C
		term.waitFor(tuiShort, "◉ SSE-C", "◉ generate new", "Key file")
		term.keys("Down", "Down")
		term.clearAndType(keyFile)
		term.waitFor(tuiShort, "▸ Key file", tail(keyFile))
		term.keys("C-s")
	}

	// Blocked by the bucket: the UI says so and how to allow it.
	uploadSSEC()
	term.waitFor(tuiJob, "upload plain.bin failed", "SSE-C writes are blocked on bucket "+bucket, "fix: Allow them: press 2")
	if _, err := os.Stat(keyFile); err == nil {
		t.Errorf("the key generated for the refused upload was kept: %s", keyFile)
	}

	// Allow SSE-C writes in the encryption dialog; the rest is kept.
	term.keys("BSpace")
	term.waitFor(tuiShort, "n new bucket", "e edit encryption")
	term.keys("e")
	term.waitFor(tuiShort, "Default encryption of "+bucket, "◉ SSE-KMS", "◉ alias/tui-e2e", "◉ on", "◉ blocked")
	term.keys("Down", "Down", "Down", "Right")
	term.waitFor(tuiShort, "▸ SSE-C writes     ○ blocked  ◉ allowed")
	term.keys("C-s")
	term.waitFor(tuiJob, "✓ set default encryption of "+bucket)
	term.waitUntil(tuiShort, "the bucket row with SSE-C allowed", func(s string) bool {
		row := rowWith(s, "▸ "+bucket)
		return strings.Contains(row, "allowed") && strings.Contains(row, "SSE-KMS alias/tui-e2e")
	})

	term.keys("Enter")
	term.waitFor(tuiShort, "plain.bin")
	uploadSSEC()
	term.waitFor(tuiJob, "✓ upload plain.bin", "SSE-C (key MD5", "forget your key")
	if fi, err := os.Stat(keyFile); err != nil || fi.Size() != 32 || fi.Mode().Perm() != 0o600 {
		t.Fatalf("the generated SSE-C key file: %v %v", fi, err)
	}

	// Download without the key: refused with what to pass.
	term.keys("G")
	term.waitFor(tuiShort, "object      s3://"+bucket+"/secret.bin", "▸ secret.bin")
	got := filepath.Join(files, "secret.out")
	term.keys("d")
	term.waitFor(tuiShort, "Download s3://"+bucket+"/secret.bin", "SSE-C key file")
	term.clearAndType(got)
	term.keys("C-s")
	s := term.waitFor(tuiShort, "this object is SSE-C")
	if !strings.Contains(s, "key file") || !strings.Contains(s, "--sse-c-key") {
		t.Errorf("the refusal does not say what to pass:\n%s", s)
	}
	if _, err := os.Stat(got); err == nil {
		t.Errorf("%s was written without the key", got)
	}

	// With the key.
	term.keys("Down")
	term.waitFor(tuiShort, "▸ SSE-C key file")
	term.typeText(keyFile)
	term.keys("C-s")
	term.waitFor(tuiJob, "✓ download secret.bin", "saved "+got)
	assertFile(t, got, want)
}

// tail is the end of a long path, as a text field scrolled to its end
// shows it.
func tail(s string) string { return s[max(0, len(s)-40):] }

// rowWith returns the first screen row containing s.
func rowWith(screen, s string) string {
	for _, r := range strings.Split(screen, "\n") {
		if strings.Contains(r, s) {
			return r
		}
	}
	return ""
}

// assertFile checks path holds want.
func assertFile(t testing.TB, path string, want []byte) {
	t.Helper()
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read the download: %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s: %d bytes differ from the %d uploaded", path, len(got), len(want))
	}
}

// TestTUIQuitDuringTransfer checks q asks before cancelling a running
// upload (n keeps it going), and y quits.
func TestTUIQuitDuringTransfer(t *testing.T) {
	big := filepath.Join(t.TempDir(), "big.bin")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	// Sparse zeros: the sandbox still encrypts every byte, which takes
	// several seconds for 1 GiB, time enough for the questions below;
	// quitting cancels the upload.
	if err := f.Truncate(1 << 30); err != nil {
		t.Fatal(err)
	}
	f.Close()
	term := startTUI(t, "")
	term.waitFor(tuiShort, "? help", "q quit")
	tuiCreateBucket(term, "tui-quit")
	term.keys("Enter")
	term.waitFor(tuiShort, "empty — press u to upload")
	term.keys("u")
	term.waitFor(tuiShort, "Upload to s3://tui-quit/")
	term.typeText(big)
	term.keys("C-s")
	term.waitFor(tuiJob, "1 running", "MiB/s")

	term.keys("q")
	term.waitFor(tuiShort, "1 job(s) still running: quit and cancel them? y/n")
	term.keys("n")
	s := term.waitUntil(tuiShort, "the question gone", func(s string) bool { return !strings.Contains(s, "quit and cancel them?") })
	if !term.alive() || !strings.Contains(line(s, 0), "1 running") {
		t.Fatalf("n should keep the upload running:\n%s", s)
	}

	term.keys("q")
	term.waitFor(tuiShort, "quit and cancel them? y/n")
	term.keys("y")
	term.waitExit(tuiShort)
}
