// Package store is the sandbox S3 server's storage: bucket, object-version
// and multipart-upload records in a bbolt database, object bytes in blob
// files beside it.
//
// The store knows nothing of encryption: the bytes it is given are already
// ciphertext and the records it keeps are opaque to it. It is built for
// crashes: a blob is written under a temporary name, synced and renamed
// before any record refers to it, and a record is committed in one bbolt
// transaction, so a kill -9 at any moment leaves each object either fully
// there or absent. Blob files that no record refers to (written but never
// committed, or replaced while the process died before removing them) are
// removed when the store is next opened.
//
// Layout of the data directory:
//
//	meta.db           bbolt; top-level buckets s3buckets, s3objects, s3blobrefs
//	                  (the KMS package keeps its own buckets named kms...)
//	blobs/<xx>/<id>   one blob per file, xx the first two hex digits of id
//	tmp/              blobs being written; emptied at Open
//
// Inside s3objects each S3 bucket has a nested bucket holding: versions
// (key 0x00 position → Object JSON, a key's versions newest first),
// vidx (key 0x00 version id → position), latest (key → position of its
// latest version when that is not a delete marker, the index ListObjects
// walks), uploads (key 0x00 upload id → Upload JSON) and parts (upload id
// 0x00 part number → Part JSON). Object keys therefore must not contain
// NUL bytes. s3blobrefs counts the records referring to each blob, so a
// blob shared by two records is only reported as garbage once neither
// refers to it.
//
// bbolt gives transactions, ordered cursors and the file lock; what is
// written by hand here is the key layout for S3's listing semantics
// (prefixes, delimiters, markers, newest-first versions) and the
// write-sync-rename of blob files, which no library does for this layout.
package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// ErrLocked is returned by Open when another Store (in this or another
// process) holds the data directory.
var ErrLocked = errors.New("data directory is in use by another process")

// Errors callers map to S3 error codes.
var (
	ErrNoSuchBucket     = errors.New("no such bucket")
	ErrBucketExists     = errors.New("bucket already exists")
	ErrBucketNotEmpty   = errors.New("bucket not empty")
	ErrNoSuchKey        = errors.New("no such key")
	ErrNoSuchVersion    = errors.New("no such version")
	ErrNoSuchUpload     = errors.New("no such upload")
	ErrInvalidPart      = errors.New("invalid part")
	ErrInvalidKey       = errors.New("invalid object key")
	ErrInvalidBucket    = errors.New("invalid bucket name")
	ErrBlobsChanged     = errors.New("update must not change an object's blobs")
	ErrIdentityChanged  = errors.New("update must not change an object's bucket, key, version or delete marker")
	ErrInvalidBlobID    = errors.New("invalid blob id")
	errCorruptReference = errors.New("corrupt record reference")
)

// DefaultLockTimeout is how long Open waits for the data directory's lock
// when Options.LockTimeout is zero.
const DefaultLockTimeout = 200 * time.Millisecond

// Options configure Open.
type Options struct {
	// LockTimeout is how long Open waits for another holder of the data
	// directory to let go (default DefaultLockTimeout).
	LockTimeout time.Duration
	// NoSync skips every fsync. For tests only: a crash may then lose or
	// tear data.
	NoSync bool
}

// Store is an open data directory. Its methods are safe for concurrent use.
type Store struct {
	dir      string
	db       *bolt.DB
	noSync   bool
	madeDirs sync.Map // blob subdirectories known to exist
	holds    blobHolds
}

// Top-level bbolt buckets owned by the store.
var (
	bucketsName  = []byte("s3buckets")  // bucket name → Bucket JSON
	objectsName  = []byte("s3objects")  // bucket name → nested per-bucket buckets
	blobRefsName = []byte("s3blobrefs") // blob id → reference count (uint64 BE)
)

// Open opens (creating if needed) the data directory dir, takes its lock,
// empties dir/tmp and removes blob files no record refers to.
func Open(dir string, opts Options) (*Store, error) {
	if opts.LockTimeout <= 0 {
		opts.LockTimeout = DefaultLockTimeout
	}
	for _, d := range []string{dir, filepath.Join(dir, "blobs"), filepath.Join(dir, "tmp")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, fmt.Errorf("create data directory: %w", err)
		}
	}
	path := filepath.Join(dir, "meta.db")
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: opts.LockTimeout, NoSync: opts.NoSync, NoGrowSync: opts.NoSync})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, fmt.Errorf("open %s: %w", path, ErrLocked)
	}
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	s := &Store{dir: dir, db: db, noSync: opts.NoSync}
	if err := s.init(); err != nil {
		_ = db.Close()
		return nil, err
	}
	return s, nil
}

// init creates the store's top-level buckets and blob directories, then
// recovers from any crash: temporary files and orphan blobs are removed.
func (s *Store) init() error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bucketsName, objectsName, blobRefsName} {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("initialise metadata: %w", err)
	}
	if err := s.syncDir(s.dir); err != nil {
		return fmt.Errorf("sync data directory: %w", err)
	}
	if err := s.cleanTmp(); err != nil {
		return err
	}
	return s.collectOrphans()
}

// Close releases the data directory.
func (s *Store) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("close metadata: %w", err)
	}
	return nil
}

// DB is the metadata database, shared with the KMS package. Other users
// must keep to top-level buckets of their own (the KMS package's start
// with "kms").
func (s *Store) DB() *bolt.DB { return s.db }

// Dir is the data directory.
func (s *Store) Dir() string { return s.dir }

func (s *Store) tmpDir() string  { return filepath.Join(s.dir, "tmp") }
func (s *Store) blobDir() string { return filepath.Join(s.dir, "blobs") }
