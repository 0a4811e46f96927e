package crypto

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// anonymousHere skips the test where dir's file system has no O_TMPFILE.
func anonymousHere(t *testing.T, dir string) {
	t.Helper()
	f, err := openAnonymous(dir)
	if errors.Is(err, errNoAnonymous) {
		t.Skipf("%s has no O_TMPFILE", dir)
	}
	if err != nil {
		t.Fatal(err)
	}
	_ = f.Close()
}

// TestPendingFileWithoutProc plays a system where /proc is not mounted:
// with CAP_DAC_READ_SEARCH the anonymous file is linked through
// AT_EMPTY_PATH; without it NewPendingFile uses a hidden file from the
// start, so a download is never decrypted into a file it cannot name.
func TestPendingFileWithoutProc(t *testing.T) {
	dir := t.TempDir()
	anonymousHere(t, dir)
	e, pt, body := encryptA4(t, FormatV3)
	oldProc, oldCan := procSelfFD, canLinkEmptyPath
	t.Cleanup(func() { procSelfFD, canLinkEmptyPath = oldProc, oldCan })
	procSelfFD = filepath.Join(dir, "no-proc") + "/"

	if canLinkEmptyPath() {
		p, err := NewPendingFile(dir, "out")
		if err != nil {
			t.Fatal(err)
		}
		if !p.anonymous() {
			t.Fatal("with CAP_DAC_READ_SEARCH the pending file should stay anonymous")
		}
		p.Discard()
		path := filepath.Join(dir, "linked.txt")
		if _, err := DecryptToFile(path, bytes.NewReader(body), a4PDK(), e); err != nil {
			t.Fatalf("AT_EMPTY_PATH link: %v", err)
		}
		if got, _ := os.ReadFile(path); !bytes.Equal(got, pt) {
			t.Fatal("content wrong after the AT_EMPTY_PATH link")
		}
	} else {
		t.Log("no CAP_DAC_READ_SEARCH here: the AT_EMPTY_PATH link is not exercised")
	}

	canLinkEmptyPath = func() bool { return false }
	p, err := NewPendingFile(dir, "out")
	if err != nil {
		t.Fatal(err)
	}
	if p.anonymous() {
		t.Fatal("without /proc and CAP_DAC_READ_SEARCH the pending file must be a hidden one")
	}
	p.Discard()
	path := filepath.Join(dir, "hidden.txt")
	if _, err := DecryptToFile(path, bytes.NewReader(body), a4PDK(), e); err != nil {
		t.Fatalf("hidden-file fallback: %v", err)
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, pt) {
		t.Fatal("content wrong after the hidden-file fallback")
	}
	assertOnly(t, dir, "hidden.txt", "linked.txt")
}

// TestPendingFileLongName: a target named with 255 bytes (the limit) is
// written both through the anonymous file and through the hidden one: the
// temporary names do not grow with the target's.
func TestPendingFileLongName(t *testing.T) {
	dir := t.TempDir()
	e, pt, body := encryptA4(t, FormatV3)
	name := strings.Repeat("n", 255)
	for _, hidden := range []bool{false, true} {
		if hidden {
			oldProc, oldCan := procSelfFD, canLinkEmptyPath
			t.Cleanup(func() { procSelfFD, canLinkEmptyPath = oldProc, oldCan })
			procSelfFD, canLinkEmptyPath = filepath.Join(dir, "no-proc")+"/", func() bool { return false }
		}
		path := filepath.Join(dir, name)
		if _, err := DecryptToFile(path, bytes.NewReader(body), a4PDK(), e); err != nil {
			t.Fatalf("hidden=%v: %v", hidden, err)
		}
		if got, _ := os.ReadFile(path); !bytes.Equal(got, pt) {
			t.Fatalf("hidden=%v: content wrong", hidden)
		}
		assertOnly(t, dir, name)
		_ = os.Remove(path)
	}
}

// assertOnly fails unless dir holds exactly the names given.
func assertOnly(t *testing.T, dir string, names ...string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range ents {
		got = append(got, e.Name())
	}
	if strings.Join(got, "/") != strings.Join(names, "/") {
		t.Fatalf("%s holds %q, want %q", dir, got, names)
	}
}
