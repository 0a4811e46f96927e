package store

import (
	"bytes"
	"crypto/rand"
	"encoding/base32"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Nested buckets of one S3 bucket (see the package comment).
var (
	versionsName = []byte("versions")
	vidxName     = []byte("vidx")
	latestName   = []byte("latest")
	uploadsName  = []byte("uploads")
	partsName    = []byte("parts")
)

// sep separates an object key from what follows it in composite keys.
// Keys hold no NUL, so key+sep sorts exactly as key does.
const sep = 0x00

// idEncoding is base32hex in lower case: URL-safe, and it sorts as the
// bytes it encodes.
var idEncoding = base32.NewEncoding("0123456789abcdefghijklmnopqrstuv").WithPadding(base32.NoPadding)

// bstore is one S3 bucket's records, opened inside a transaction.
type bstore struct {
	rec      Bucket
	versions *bolt.Bucket
	vidx     *bolt.Bucket
	latest   *bolt.Bucket
	uploads  *bolt.Bucket
	parts    *bolt.Bucket
	refs     *bolt.Bucket
}

// openBucket reads bucket name's record and opens its nested buckets.
func openBucket(tx *bolt.Tx, name string) (*bstore, error) {
	v := tx.Bucket(bucketsName).Get([]byte(name))
	nested := tx.Bucket(objectsName).Bucket([]byte(name))
	if v == nil || nested == nil {
		return nil, fmt.Errorf("bucket %q: %w", name, ErrNoSuchBucket)
	}
	b := &bstore{
		versions: nested.Bucket(versionsName),
		vidx:     nested.Bucket(vidxName),
		latest:   nested.Bucket(latestName),
		uploads:  nested.Bucket(uploadsName),
		parts:    nested.Bucket(partsName),
		refs:     tx.Bucket(blobRefsName),
	}
	if b.versions == nil || b.vidx == nil || b.latest == nil || b.uploads == nil || b.parts == nil {
		return nil, fmt.Errorf("bucket %q: %w", name, errCorruptReference)
	}
	if err := json.Unmarshal(v, &b.rec); err != nil {
		return nil, fmt.Errorf("decode bucket %q: %w", name, err)
	}
	return b, nil
}

// checkKey rejects keys the layout cannot hold.
func checkKey(key string) error {
	if key == "" || strings.IndexByte(key, sep) >= 0 {
		return fmt.Errorf("key %q: %w", key, ErrInvalidKey)
	}
	return nil
}

// compose joins an object key and a suffix with sep.
func compose(key string, suffix []byte) []byte {
	k := make([]byte, 0, len(key)+1+len(suffix))
	k = append(k, key...)
	k = append(k, sep)
	return append(k, suffix...)
}

// splitKey returns the object key part of a composite key.
func splitKey(k []byte) string {
	if i := bytes.IndexByte(k, sep); i >= 0 {
		return string(k[:i])
	}
	return string(k)
}

// successor is the smallest byte string greater than every string that
// starts with p, or nil if there is none.
func successor(p string) []byte {
	b := []byte(p)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < 0xff {
			b[i]++
			return b[:i+1]
		}
	}
	return nil
}

// newVersionID returns a random version id that sorts before the ids of
// earlier versions (it starts with the inverted time).
func newVersionID() string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], ^uint64(time.Now().UnixNano()))
	_, _ = rand.Read(b[8:])
	return idEncoding.EncodeToString(b[:])
}

// newUploadID returns a random URL-safe upload id that sorts after the
// ids of earlier uploads, as S3 lists a key's uploads oldest first.
func newUploadID() string {
	var b [24]byte
	binary.BigEndian.PutUint64(b[:8], uint64(time.Now().UnixNano()))
	_, _ = rand.Read(b[8:])
	return idEncoding.EncodeToString(b[:])
}

// partKey is the parts-bucket key of part n of upload id.
func partKey(uploadID string, n int) []byte {
	var num [4]byte
	binary.BigEndian.PutUint32(num[:], uint32(n))
	return compose(uploadID, num[:])
}

// blobsOf lists the blobs an object's parts refer to.
func blobsOf(parts []Part) []string {
	var ids []string
	for _, p := range parts {
		if p.Blob != "" {
			ids = append(ids, p.Blob)
		}
	}
	return ids
}

// addRefs counts one more reference to each blob.
func addRefs(refs *bolt.Bucket, ids []string) error {
	for _, id := range ids {
		var n uint64
		if v := refs.Get([]byte(id)); len(v) == 8 {
			n = binary.BigEndian.Uint64(v)
		}
		if err := refs.Put([]byte(id), binary.BigEndian.AppendUint64(nil, n+1)); err != nil {
			return fmt.Errorf("reference blob: %w", err)
		}
	}
	return nil
}

// releaseRefs counts one reference less to each blob and returns the
// blobs nothing refers to any more.
func releaseRefs(refs *bolt.Bucket, ids []string) ([]string, error) {
	var garbage []string
	for _, id := range ids {
		var n uint64
		if v := refs.Get([]byte(id)); len(v) == 8 {
			n = binary.BigEndian.Uint64(v)
		}
		if n > 1 {
			if err := refs.Put([]byte(id), binary.BigEndian.AppendUint64(nil, n-1)); err != nil {
				return nil, fmt.Errorf("release blob: %w", err)
			}
			continue
		}
		if err := refs.Delete([]byte(id)); err != nil {
			return nil, fmt.Errorf("release blob: %w", err)
		}
		garbage = append(garbage, id)
	}
	return garbage, nil
}

func decodeObject(v []byte) (Object, error) {
	var o Object
	if err := json.Unmarshal(v, &o); err != nil {
		return Object{}, fmt.Errorf("decode object record: %w", err)
	}
	return o, nil
}

func normalizeMax(n int) int {
	if n <= 0 || n > 1000 {
		return 1000
	}
	return n
}
