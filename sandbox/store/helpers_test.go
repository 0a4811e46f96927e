package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"os"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// openTest opens a store in a fresh directory (without fsync) and closes
// it, after checking its invariants, when the test ends.
func openTest(t testing.TB) *Store {
	t.Helper()
	s, err := Open(t.TempDir(), Options{NoSync: true})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if tt, ok := t.(*testing.T); ok && !tt.Failed() {
			checkConsistency(tt, s)
		}
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

func mustCreateBucket(t testing.TB, s *Store, name, versioning string) {
	t.Helper()
	b := Bucket{Name: name, Region: "us-east-1", Created: time.Now().UTC(), Versioning: versioning}
	if err := s.CreateBucket(b); err != nil {
		t.Fatalf("CreateBucket(%s): %v", name, err)
	}
}

func setVersioning(t *testing.T, s *Store, name, state string) {
	t.Helper()
	err := s.UpdateBucket(name, func(b *Bucket) error {
		b.Versioning = state
		return nil
	})
	if err != nil {
		t.Fatalf("UpdateBucket: %v", err)
	}
}

func mustWriteBlob(t testing.TB, s *Store, data string) string {
	t.Helper()
	id, n, err := s.WriteBlob(strings.NewReader(data))
	if err != nil {
		t.Fatalf("WriteBlob: %v", err)
	}
	if n != int64(len(data)) {
		t.Fatalf("WriteBlob wrote %d bytes, want %d", n, len(data))
	}
	return id
}

// putData stores data as key's newest version and returns the stored
// object and the garbage PutObject reported (already removed).
func putData(t *testing.T, s *Store, bucket, key, data string) (Object, []string) {
	t.Helper()
	id := mustWriteBlob(t, s, data)
	n := int64(len(data))
	o := Object{
		Bucket: bucket, Key: key, Size: n, ETag: `"etag"`, ContentType: "text/plain",
		Parts: []Part{{Number: 1, Blob: id, Size: n, StoredSize: n}},
	}
	stored, garbage, err := s.PutObject(o)
	if err != nil {
		t.Fatalf("PutObject(%s): %v", key, err)
	}
	s.RemoveBlobs(garbage...)
	return stored, garbage
}

// readData returns an object's bytes, read from its blobs.
func readData(t *testing.T, s *Store, o Object) string {
	t.Helper()
	var buf bytes.Buffer
	for _, p := range o.Parts {
		f, err := s.OpenBlob(p.Blob)
		if err != nil {
			t.Fatalf("OpenBlob: %v", err)
		}
		_, err = io.Copy(&buf, f)
		_ = f.Close()
		if err != nil {
			t.Fatalf("read blob: %v", err)
		}
	}
	return buf.String()
}

func getData(t *testing.T, s *Store, bucket, key, versionID string) string {
	t.Helper()
	o, err := s.GetObject(bucket, key, versionID)
	if err != nil {
		t.Fatalf("GetObject(%s, %q): %v", key, versionID, err)
	}
	return readData(t, s, o)
}

func blobExists(s *Store, id string) bool {
	_, err := os.Stat(s.BlobPath(id))
	return err == nil
}

// checkConsistency verifies the store's invariants from its raw records:
// reference counts equal the references records hold, every referenced
// blob file exists, the version index and latest index agree with the
// versions.
func checkConsistency(t *testing.T, s *Store) {
	t.Helper()
	want := map[string]uint64{}
	err := s.db.View(func(tx *bolt.Tx) error {
		names := []string{}
		if err := tx.Bucket(bucketsName).ForEach(func(k, _ []byte) error {
			names = append(names, string(k))
			return nil
		}); err != nil {
			return err
		}
		for _, name := range names {
			b, err := openBucket(tx, name)
			if err != nil {
				return err
			}
			if err := checkBucketRecords(b, want); err != nil {
				return err
			}
		}
		got := map[string]uint64{}
		if err := tx.Bucket(blobRefsName).ForEach(func(k, v []byte) error {
			got[string(k)] = binary.BigEndian.Uint64(v)
			return nil
		}); err != nil {
			return err
		}
		if !maps.Equal(got, want) {
			return errors.New("blob reference counts differ from the records")
		}
		return nil
	})
	if err != nil {
		t.Fatalf("consistency: %v", err)
	}
	for id := range want {
		if !blobExists(s, id) {
			t.Fatalf("consistency: referenced blob %s missing", id)
		}
	}
}

func checkBucketRecords(b *bstore, refs map[string]uint64) error {
	latest := map[string]string{}
	nv := 0
	err := b.versions.ForEach(func(k, v []byte) error {
		nv++
		o, err := decodeObject(v)
		if err != nil {
			return err
		}
		key, pos := splitKey(k), k[len(splitKey(k))+1:]
		if got := b.vidx.Get(compose(key, []byte(o.VersionID))); !bytes.Equal(got, pos) {
			return errors.New("version index disagrees for " + key)
		}
		if _, seen := latest[key]; !seen {
			latest[key] = ""
			if !o.DeleteMarker {
				latest[key] = string(pos)
			}
		}
		for _, id := range blobsOf(o.Parts) {
			refs[id]++
		}
		return nil
	})
	if err != nil {
		return err
	}
	if n := b.vidx.Stats().KeyN; n != nv {
		return errors.New("version index has stale entries")
	}
	maps.DeleteFunc(latest, func(_, v string) bool { return v == "" })
	gotLatest := map[string]string{}
	if err := b.latest.ForEach(func(k, v []byte) error {
		gotLatest[string(k)] = string(v)
		return nil
	}); err != nil {
		return err
	}
	if !maps.Equal(gotLatest, latest) {
		return errors.New("latest index disagrees with versions")
	}
	return b.parts.ForEach(func(_, v []byte) error {
		var p Part
		if err := json.Unmarshal(v, &p); err != nil {
			return err
		}
		for _, id := range blobsOf([]Part{p}) {
			refs[id]++
		}
		return nil
	})
}
