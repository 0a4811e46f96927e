package crypto

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

func TestDecryptToFile(t *testing.T) {
	e, pt, body := encryptA4(t, FormatV3)
	dir := t.TempDir()
	path := filepath.Join(dir, "out.txt")

	n, err := DecryptToFile(path, bytes.NewReader(body), a4PDK(), e)
	if err != nil || n != int64(len(pt)) {
		t.Fatalf("DecryptToFile = %d, %v", n, err)
	}
	if got, err := os.ReadFile(path); err != nil || !bytes.Equal(got, pt) {
		t.Fatalf("file content wrong: %v", err)
	}

	// A forged body leaves the existing file as it was and no temporary file.
	forged := append([]byte(nil), body...)
	forged[3] ^= 1
	if err := os.WriteFile(path, []byte("previous"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := DecryptToFile(path, bytes.NewReader(forged), a4PDK(), e); !errors.Is(err, ErrAuthentication) {
		t.Fatalf("forged: err = %v", err)
	}
	if got, _ := os.ReadFile(path); string(got) != "previous" {
		t.Fatalf("existing file changed to %q", got)
	}
	other := filepath.Join(dir, "never.txt")
	if _, err := DecryptToFile(other, bytes.NewReader(forged), a4PDK(), e); !errors.Is(err, ErrAuthentication) {
		t.Fatalf("forged: err = %v", err)
	}
	if _, err := os.Stat(other); !errors.Is(err, fs.ErrNotExist) {
		t.Fatal("a forged body produced a file")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("temporary files left: %v", entries)
	}
	if _, err := DecryptToFile(filepath.Join(dir, "missing", "x"), bytes.NewReader(body), a4PDK(), e); err == nil {
		t.Fatal("missing directory accepted")
	}
}

// dirWatcher is a body reader that lists a directory at every read, to see
// what the decryption has put there while it runs.
type dirWatcher struct {
	r    io.Reader
	dirs []string
	seen []string
}

func (w *dirWatcher) Read(p []byte) (int, error) {
	for _, d := range w.dirs {
		entries, _ := os.ReadDir(d)
		for _, e := range entries {
			w.seen = append(w.seen, filepath.Join(d, e.Name()))
		}
	}
	return w.r.Read(p)
}

// TestPendingPlaintextHasNoName decrypts 1 MiB (so many chunks reach the
// pending file before the tag is read): while it runs, neither the target
// directory nor the temporary directory shows any file. Linux only: other
// systems use a hidden 0600 file.
func TestPendingPlaintextHasNoName(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("O_TMPFILE is Linux only")
	}
	key := a4PDK()
	e, err := newEnvelope(bytes.NewReader(bytes.Repeat([]byte{7}, 64)), FormatV3, key, []byte("wrapped"), map[string]string{ContextKeyCEKAlg: CEKAlgCommitKey}, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	pt := bytes.Repeat([]byte("plaintext!"), 1<<20/10)
	pt = append(pt, make([]byte, 1<<20-len(pt))...)
	var body bytes.Buffer
	if _, err := Encrypt(&body, bytes.NewReader(pt), key, e); err != nil {
		t.Fatal(err)
	}
	dir, tmp := t.TempDir(), t.TempDir()
	t.Setenv("TMPDIR", tmp)
	w := &dirWatcher{r: bytes.NewReader(body.Bytes()), dirs: []string{dir, tmp}}
	if _, err := DecryptToFile(filepath.Join(dir, "out"), w, key, e); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	w2 := &dirWatcher{r: bytes.NewReader(body.Bytes()), dirs: []string{tmp}}
	if _, err := DecryptVerifiedTo(&out, "", w2, key, e); err != nil || !bytes.Equal(out.Bytes(), pt) {
		t.Fatalf("DecryptVerifiedTo: %v", err)
	}
	if len(w.seen)+len(w2.seen) != 0 {
		t.Fatalf("pending plaintext was visible: %v %v", w.seen, w2.seen)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "out")); !bytes.Equal(got, pt) {
		t.Fatal("committed file differs")
	}
	if fi, _ := os.Stat(filepath.Join(dir, "out")); fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", fi.Mode())
	}
	// A forged body: nothing reaches the writer, nothing stays anywhere.
	forged := bytes.Clone(body.Bytes())
	forged[len(forged)-1] ^= 1
	out.Reset()
	if _, err := DecryptVerifiedTo(&out, "", bytes.NewReader(forged), key, e); !errors.Is(err, ErrAuthentication) || out.Len() != 0 {
		t.Fatalf("forged: %v, %d bytes released", err, out.Len())
	}
	if entries, _ := os.ReadDir(tmp); len(entries) != 0 {
		t.Fatalf("TMPDIR holds %v", entries)
	}
}

// TestCommitCloseErrorSaysTheFileExists: when the name is given but closing
// the file fails, Commit's error is a CommittedCloseError naming the file
// (which exists and holds the content), not an error that callers would
// report as "nothing was written".
func TestCommitCloseErrorSaysTheFileExists(t *testing.T) {
	dir := t.TempDir()
	f, err := os.CreateTemp(dir, ".out.partial-*")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("authenticated"); err != nil {
		t.Fatal(err)
	}
	p := &PendingFile{File: f, dir: dir, temp: f.Name()}
	_ = f.Close() // so that Commit's own Close fails after the rename
	path := filepath.Join(dir, "out.txt")
	err = p.Commit(path)
	var ce *CommittedCloseError
	if !errors.As(err, &ce) || ce.Path != path || !errors.Is(err, os.ErrClosed) {
		t.Fatalf("Commit = %v; want a CommittedCloseError for %s wrapping os.ErrClosed", err, path)
	}
	if got, err := os.ReadFile(path); err != nil || string(got) != "authenticated" {
		t.Fatalf("the committed file = %q, %v", got, err)
	}
	p.Discard() // must not remove the committed file
	if _, err := os.Stat(path); err != nil {
		t.Fatal(err)
	}
}
