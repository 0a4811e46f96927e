package store

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"

	bolt "go.etcd.io/bbolt"
)

// blobIDLen is the length of a blob id: 16 random bytes in hex.
const blobIDLen = 32

// WriteBlob streams r into a new blob file and returns its id and size.
// The bytes go to a temporary file that is synced, then renamed into
// place and the directory synced, so a blob either exists whole or not at
// all. If r (or the disk) fails, the temporary file is removed and the
// error returned. The blob is an orphan, removed at the next Open, until a
// committed record refers to it.
func (s *Store) WriteBlob(r io.Reader) (id string, n int64, err error) {
	f, err := os.CreateTemp(s.tmpDir(), "blob-*")
	if err != nil {
		return "", 0, fmt.Errorf("create blob: %w", err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(tmp)
		}
	}()
	n, err = s.copyBlob(f, r)
	if err != nil {
		return "", 0, fmt.Errorf("write blob: %w", err)
	}
	if err = s.sync(f); err != nil {
		return "", 0, fmt.Errorf("sync blob: %w", err)
	}
	if err = f.Close(); err != nil {
		return "", 0, fmt.Errorf("close blob: %w", err)
	}
	id = newBlobID()
	dst := s.BlobPath(id)
	if err = s.ensureBlobDir(filepath.Dir(dst)); err != nil {
		return "", 0, err
	}
	if err = os.Rename(tmp, dst); err != nil {
		return "", 0, fmt.Errorf("store blob: %w", err)
	}
	if err = s.syncDir(filepath.Dir(dst)); err != nil {
		_ = os.Remove(dst)
		return "", 0, fmt.Errorf("sync blob directory: %w", err)
	}
	return id, n, nil
}

// blobBufferSize is WriteBlob's copy buffer: eight DARE packages (64 KiB
// of payload + 32 bytes each), so the sealing reader of package s3
// encrypts whole packages straight into it instead of through its own
// buffer, and a 1 GiB blob takes 2,000 write calls rather than 32,000.
const blobBufferSize = 8 * (64<<10 + 32)

// writebackChunk is how many bytes WriteBlob lets accumulate before it asks
// the kernel to start writing them out (see blobWriter).
const writebackChunk = 8 << 20

var blobBuffers = sync.Pool{New: func() any { return new([blobBufferSize]byte) }}

// copyBlob copies r into the new blob file f.
func (s *Store) copyBlob(f *os.File, r io.Reader) (int64, error) {
	buf := blobBuffers.Get().(*[blobBufferSize]byte)
	defer blobBuffers.Put(buf)
	return io.CopyBuffer(&blobWriter{f: f, writeback: !s.noSync}, r, buf[:])
}

// blobWriter writes a blob file and, every writebackChunk bytes, starts
// the kernel writing them to disk without waiting for it (on Linux,
// sync_file_range SYNC_FILE_RANGE_WRITE). Without it a large blob stays in
// the page cache until the fsync at its end (the dirty limits are
// gigabytes), so the disk sat idle while the body arrived and the whole
// blob was written only then: a 1 GiB PUT took the transfer time plus the
// disk time. Durability still comes from that one fsync per blob; this
// only moves the disk's work earlier, beside the transfer.
type blobWriter struct {
	f         *os.File
	writeback bool
	off, kick int64 // bytes written; bytes handed to writeback
}

func (w *blobWriter) Write(p []byte) (int, error) {
	n, err := w.f.Write(p)
	w.off += int64(n)
	if w.writeback && w.off-w.kick >= writebackChunk {
		startWriteback(w.f, w.kick, w.off-w.kick)
		w.kick = w.off
	}
	return n, err
}

// OpenBlob opens blob id for reading.
func (s *Store) OpenBlob(id string) (*os.File, error) {
	if !validBlobID(id) {
		return nil, ErrInvalidBlobID
	}
	f, err := os.Open(s.BlobPath(id))
	if err != nil {
		return nil, fmt.Errorf("open blob: %w", err)
	}
	return f, nil
}

// BlobPath is the file holding blob id, or "" if id is not a blob id.
func (s *Store) BlobPath(id string) string {
	if !validBlobID(id) {
		return ""
	}
	return filepath.Join(s.blobDir(), id[:2], id)
}

// RemoveBlobs deletes blob files, best effort: what fails to go is
// removed at the next Open if nothing refers to it. A blob a reader holds
// (see ReadObject) is removed when the last reader lets go, so a GET under
// way completes with the version it started on, as on AWS, while the key
// is overwritten or deleted.
func (s *Store) RemoveBlobs(ids ...string) {
	s.holds.mu.Lock()
	defer s.holds.mu.Unlock()
	for _, id := range ids {
		if s.holds.count[id] > 0 {
			if s.holds.doomed == nil {
				s.holds.doomed = map[string]bool{}
			}
			s.holds.doomed[id] = true
			continue
		}
		if p := s.BlobPath(id); p != "" {
			_ = os.Remove(p)
		}
	}
}

// blobHolds counts the readers of each blob and remembers the blobs
// RemoveBlobs was asked to remove while they were read.
type blobHolds struct {
	mu     sync.Mutex
	count  map[string]int
	doomed map[string]bool
}

// ReadObject is GetObject for a reader of the object's bytes: the blobs of
// the version it returns stay on disk until release is called, even if the
// version is overwritten or deleted meanwhile. release is never nil and
// must be called once.
func (s *Store) ReadObject(bucket, key, versionID string) (o Object, release func(), err error) {
	// The lookup and the hold happen under the holds lock, and RemoveBlobs
	// (called only after the transaction that made blobs garbage commits)
	// takes it too, so a blob is either held before it can be removed or
	// the lookup already sees the newer record.
	s.holds.mu.Lock()
	defer s.holds.mu.Unlock()
	o, err = s.GetObject(bucket, key, versionID)
	ids := blobsOf(o.Parts)
	if err != nil || len(ids) == 0 {
		return o, func() {}, err
	}
	if s.holds.count == nil {
		s.holds.count = map[string]int{}
	}
	for _, id := range ids {
		s.holds.count[id]++
	}
	var once sync.Once
	return o, func() { once.Do(func() { s.releaseBlobs(ids) }) }, nil
}

// releaseBlobs drops one hold on each of ids, removing those that became
// garbage while held.
func (s *Store) releaseBlobs(ids []string) {
	s.holds.mu.Lock()
	defer s.holds.mu.Unlock()
	for _, id := range ids {
		s.holds.count[id]--
		if s.holds.count[id] > 0 {
			continue
		}
		delete(s.holds.count, id)
		if s.holds.doomed[id] {
			delete(s.holds.doomed, id)
			if p := s.BlobPath(id); p != "" {
				_ = os.Remove(p)
			}
		}
	}
}

func newBlobID() string {
	var b [blobIDLen / 2]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand documents it)
	return hex.EncodeToString(b[:])
}

// validBlobID reports whether id is lower-case hex of the right length,
// which also keeps it from naming a path outside the blob directory.
func validBlobID(id string) bool {
	if len(id) != blobIDLen {
		return false
	}
	for i := range len(id) {
		c := id[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

func (s *Store) sync(f *os.File) error {
	if s.noSync {
		return nil
	}
	return f.Sync()
}

// syncDir makes a rename or creation in dir durable.
func (s *Store) syncDir(dir string) error {
	if s.noSync {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// ensureBlobDir creates a blob subdirectory the first time a blob lands
// in it (and syncs its parent, so the directory survives a crash before
// the blob's own rename is synced). Creating all 256 up front cost ~90 ms
// at every first start on slow disks.
func (s *Store) ensureBlobDir(d string) error {
	if _, ok := s.madeDirs.Load(d); ok {
		return nil
	}
	err := os.Mkdir(d, 0o700)
	switch {
	case err == nil:
		if err := s.syncDir(s.blobDir()); err != nil {
			return fmt.Errorf("sync blob directory: %w", err)
		}
	case !errors.Is(err, os.ErrExist):
		return fmt.Errorf("create blob directory: %w", err)
	}
	s.madeDirs.Store(d, struct{}{})
	return nil
}

// cleanTmp removes what writes interrupted by a crash left in tmp.
func (s *Store) cleanTmp() error {
	entries, err := os.ReadDir(s.tmpDir())
	if err != nil {
		return fmt.Errorf("read tmp directory: %w", err)
	}
	for _, e := range entries {
		if err := os.RemoveAll(filepath.Join(s.tmpDir(), e.Name())); err != nil {
			return fmt.Errorf("clean tmp directory: %w", err)
		}
	}
	return nil
}

// collectOrphans removes blob files that no record refers to: blobs
// written by requests that never committed, and garbage a crash kept the
// previous process from removing.
func (s *Store) collectOrphans() error {
	return s.db.View(func(tx *bolt.Tx) error {
		refs := tx.Bucket(blobRefsName)
		for i := range 256 {
			d := filepath.Join(s.blobDir(), fmt.Sprintf("%02x", i))
			entries, err := os.ReadDir(d)
			if errors.Is(err, os.ErrNotExist) {
				continue // created on first use
			}
			if err != nil {
				return fmt.Errorf("read blob directory: %w", err)
			}
			for _, e := range entries {
				if refs.Get([]byte(e.Name())) != nil {
					continue
				}
				if err := os.RemoveAll(filepath.Join(d, e.Name())); err != nil {
					return fmt.Errorf("remove orphan blob: %w", err)
				}
			}
		}
		return nil
	})
}
