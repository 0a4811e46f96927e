package store

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// failingReader yields n bytes, then err.
type failingReader struct {
	n   int
	err error
}

func (r *failingReader) Read(p []byte) (int, error) {
	if r.n == 0 {
		return 0, r.err
	}
	k := min(len(p), r.n)
	clear(p[:k])
	r.n -= k
	return k, nil
}

// files lists the regular files under dir.
func files(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			out = append(out, p)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("walk %s: %v", dir, err)
	}
	return out
}

func TestWriteBlob(t *testing.T) {
	s := openTest(t)
	data := bytes.Repeat([]byte("0123456789abcdef"), 100_000) // 1.6 MB, several copy buffers
	id, n, err := s.WriteBlob(bytes.NewReader(data))
	if err != nil || n != int64(len(data)) {
		t.Fatalf("WriteBlob = %d, %v", n, err)
	}
	f, err := s.OpenBlob(id)
	if err != nil {
		t.Fatalf("OpenBlob: %v", err)
	}
	defer f.Close()
	got, err := io.ReadAll(f)
	if err != nil || sha256.Sum256(got) != sha256.Sum256(data) {
		t.Fatalf("blob differs from what was written (%v)", err)
	}
	fi, err := f.Stat()
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("blob mode %v (%v), want 0600", fi.Mode(), err)
	}
	if s.BlobPath(id) != filepath.Join(s.Dir(), "blobs", id[:2], id) {
		t.Fatalf("BlobPath = %s", s.BlobPath(id))
	}
	if len(files(t, filepath.Join(s.Dir(), "tmp"))) != 0 {
		t.Fatalf("tmp not empty after a write")
	}
	emptyID, n, err := s.WriteBlob(bytes.NewReader(nil))
	if err != nil || n != 0 || emptyID == id {
		t.Fatalf("empty blob: %q %d %v", emptyID, n, err)
	}
}

func TestWriteBlobReaderFails(t *testing.T) {
	s := openTest(t)
	sentinel := errors.New("client went away")
	for _, n := range []int{0, 10, 200_000} {
		_, _, err := s.WriteBlob(&failingReader{n: n, err: sentinel})
		if !errors.Is(err, sentinel) {
			t.Fatalf("WriteBlob after %d bytes: got %v, want the reader's error", n, err)
		}
	}
	if left := files(t, s.Dir()); len(left) != 1 || filepath.Base(left[0]) != "meta.db" {
		t.Fatalf("files left after failed writes: %v", left)
	}
}

func TestBlobIDsAreChecked(t *testing.T) {
	s := openTest(t)
	for _, id := range []string{"", "../../meta.db", "ABCDEF0123456789ABCDEF0123456789", "0123456789abcdef0123456789abcdef0"} {
		if p := s.BlobPath(id); p != "" {
			t.Fatalf("BlobPath(%q) = %q, want \"\"", id, p)
		}
		if _, err := s.OpenBlob(id); !errors.Is(err, ErrInvalidBlobID) {
			t.Fatalf("OpenBlob(%q): got %v", id, err)
		}
	}
	s.RemoveBlobs("../../meta.db") // must not escape the blob directory
	if _, err := os.Stat(filepath.Join(s.Dir(), "meta.db")); err != nil {
		t.Fatalf("meta.db: %v", err)
	}
}

func TestOpenCollectsOrphans(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{NoSync: true})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	mustCreateBucket(t, s, "b", "")
	orphan := mustWriteBlob(t, s, "never committed")
	first, _ := putData(t, s, "b", "k", "one")
	// A crash between commit and RemoveBlobs leaves the replaced blob.
	id := mustWriteBlob(t, s, "two")
	if _, garbage, err := s.PutObject(Object{Bucket: "b", Key: "k", Parts: []Part{{Number: 1, Blob: id}}}); err != nil || len(garbage) != 1 {
		t.Fatalf("PutObject: %v %v", garbage, err)
	}
	u, _ := s.CreateUpload(Upload{Bucket: "b", Key: "mp"})
	part, _ := putPart(t, s, "mp", u.ID, 1, "part")
	stray := filepath.Join(dir, "tmp", "blob-123")
	if err := os.WriteFile(stray, []byte("half"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	s = reopen(t, dir)
	for _, gone := range []string{orphan, first.Parts[0].Blob} {
		if blobExists(s, gone) {
			t.Fatalf("unreferenced blob %s survived Open", gone)
		}
	}
	for _, kept := range []string{id, part.Blob} {
		if !blobExists(s, kept) {
			t.Fatalf("referenced blob %s was removed", kept)
		}
	}
	if left := files(t, filepath.Join(dir, "tmp")); len(left) != 0 {
		t.Fatalf("tmp after Open: %v", left)
	}
	if got := getData(t, s, "b", "k", ""); got != "two" {
		t.Fatalf("object after reopen = %q", got)
	}
}

func TestOpenLocked(t *testing.T) {
	dir := t.TempDir()
	first, err := Open(dir, Options{NoSync: true})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	orphan := mustWriteBlob(t, first, "in flight")
	start := time.Now()
	_, err = Open(dir, Options{LockTimeout: 100 * time.Millisecond})
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("second Open: got %v, want ErrLocked", err)
	}
	if waited := time.Since(start); waited > 2*time.Second {
		t.Fatalf("second Open waited %v", waited)
	}
	// The refused Open must not have collected the first store's blob.
	if !blobExists(first, orphan) {
		t.Fatalf("a refused Open removed a blob of the running store")
	}
	if err := first.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	second, err := Open(dir, Options{NoSync: true})
	if err != nil {
		t.Fatalf("Open after Close: %v", err)
	}
	if err := second.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
}

func TestOpenCreatesPrivateDirectories(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	id, _, err := s.WriteBlob(strings.NewReader("x")) // blob subdirectories are made on first use
	if err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]os.FileMode{
		dir: 0o700 | os.ModeDir, filepath.Join(dir, "blobs"): 0o700 | os.ModeDir, filepath.Dir(s.BlobPath(id)): 0o700 | os.ModeDir,
		s.BlobPath(id):            0o600,
		filepath.Join(dir, "tmp"): 0o700 | os.ModeDir, filepath.Join(dir, "meta.db"): 0o600,
	} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode() != want {
			t.Fatalf("%s: mode %v, want %v", p, fi.Mode(), want)
		}
	}
	if s.DB() == nil || s.Dir() != dir {
		t.Fatalf("DB/Dir accessors")
	}
}

// oddReader returns data in reads of varying, unaligned sizes.
type oddReader struct {
	data []byte
	i    int
}

func (r *oddReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, io.EOF
	}
	n := min(len(p), len(r.data), 1+(r.i*7919)%300_000)
	r.i++
	copy(p, r.data[:n])
	r.data = r.data[n:]
	return n, nil
}

// TestWriteBlobSyncedLarge writes a blob larger than several writeback
// chunks with syncing on (so the early writeback runs) from a reader of
// unaligned reads, and checks every byte and the size.
func TestWriteBlobSyncedLarge(t *testing.T) {
	s, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	data := make([]byte, 3*writebackChunk+blobBufferSize+5)
	for i := range data {
		data[i] = byte(i ^ i>>11)
	}
	id, n, err := s.WriteBlob(&oddReader{data: data})
	if err != nil || n != int64(len(data)) {
		t.Fatalf("WriteBlob = %d, %v; want %d bytes", n, err, len(data))
	}
	got, err := os.ReadFile(s.BlobPath(id))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, data) {
		t.Fatal("the blob's bytes differ from what was written")
	}
}
