package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
)

// PutObject stores o as the newest version of o.Key in o.Bucket. The
// store picks the version id from the bucket's versioning: a fresh id
// when Enabled, otherwise NullVersion, replacing any earlier null
// version. garbage lists blobs nothing refers to any more; the caller
// removes them with RemoveBlobs after PutObject returns.
func (s *Store) PutObject(o Object) (stored Object, garbage []string, err error) {
	err = s.db.Update(func(tx *bolt.Tx) error {
		b, err := openBucket(tx, o.Bucket)
		if err != nil {
			return err
		}
		stored, garbage, err = b.put(o)
		return err
	})
	if err != nil {
		return Object{}, nil, fmt.Errorf("put %s/%s: %w", o.Bucket, o.Key, err)
	}
	return stored, garbage, nil
}

// GetObject returns one version of an object; versionID "" means the
// latest. If the latest is a delete marker, GetObject returns the marker
// and ErrNoSuchKey. A specific version that is a delete marker is
// returned with a nil error: callers check DeleteMarker. A missing
// version is ErrNoSuchVersion.
func (s *Store) GetObject(bucket, key, versionID string) (Object, error) {
	var o Object
	err := s.db.View(func(tx *bolt.Tx) error {
		b, err := openBucket(tx, bucket)
		if err != nil {
			return err
		}
		if err := checkKey(key); err != nil {
			return err
		}
		_, o, err = b.find(key, versionID)
		return err
	})
	if err != nil {
		return o, fmt.Errorf("get %s/%s: %w", bucket, key, err)
	}
	return o, nil
}

// DeleteObject deletes as S3 does. With a versionID it removes exactly
// that version or delete marker (ErrNoSuchVersion if there is none,
// returned with an Object naming the version). Without one, on a
// versioning-Enabled bucket it adds a delete marker; on a Suspended one
// it removes the null version and adds a null delete marker; on an
// unversioned one it removes the object, and a missing key is not an
// error (zero Object, nil). deleted is the marker added or the version
// removed; garbage as for PutObject.
func (s *Store) DeleteObject(bucket, key, versionID string) (deleted Object, garbage []string, err error) {
	err = s.db.Update(func(tx *bolt.Tx) error {
		b, err := openBucket(tx, bucket)
		if err != nil {
			return err
		}
		if err := checkKey(key); err != nil {
			return err
		}
		if versionID != "" {
			deleted, garbage, err = b.deleteVersion(key, versionID)
			return err
		}
		deleted, garbage, err = b.deleteLatest(key)
		return err
	})
	if err != nil {
		return deleted, nil, fmt.Errorf("delete %s/%s: %w", bucket, key, err)
	}
	return deleted, garbage, nil
}

// UpdateObject changes one version's record in place with fn (versionID
// "" = latest, as GetObject). fn may change metadata such as the wrapped
// keys, but not the blobs, bucket, key, version id or delete marker.
func (s *Store) UpdateObject(bucket, key, versionID string, fn func(*Object) error) (Object, error) {
	var o Object
	err := s.db.Update(func(tx *bolt.Tx) error {
		b, err := openBucket(tx, bucket)
		if err != nil {
			return err
		}
		if err := checkKey(key); err != nil {
			return err
		}
		pos, cur, err := b.find(key, versionID)
		if err != nil {
			return err
		}
		o = cur
		o.Parts = slices.Clone(cur.Parts)
		if err := fn(&o); err != nil {
			return err
		}
		if o.Bucket != cur.Bucket || o.Key != cur.Key || o.VersionID != cur.VersionID || o.DeleteMarker != cur.DeleteMarker {
			return ErrIdentityChanged
		}
		if !slices.Equal(blobsOf(o.Parts), blobsOf(cur.Parts)) {
			return ErrBlobsChanged
		}
		v, err := json.Marshal(o)
		if err != nil {
			return fmt.Errorf("encode object: %w", err)
		}
		return b.versions.Put(compose(key, pos), v)
	})
	if err != nil {
		return Object{}, fmt.Errorf("update %s/%s: %w", bucket, key, err)
	}
	return o, nil
}

// put stores o as key's newest version (see PutObject).
func (b *bstore) put(o Object) (Object, []string, error) {
	if err := checkKey(o.Key); err != nil {
		return Object{}, nil, err
	}
	var old Object
	if b.rec.Versioning == VersioningEnabled {
		o.VersionID = b.freshVersionID(o.Key)
	} else {
		o.VersionID = NullVersion
		var err error
		if old, _, err = b.remove(o.Key, NullVersion); err != nil {
			return Object{}, nil, err
		}
	}
	if o.LastModified.IsZero() {
		o.LastModified = time.Now().UTC()
	}
	if err := b.insert(o); err != nil {
		return Object{}, nil, err
	}
	garbage, err := releaseRefs(b.refs, blobsOf(old.Parts))
	if err != nil {
		return Object{}, nil, err
	}
	o.IsLatest = true
	return o, garbage, nil
}

func (b *bstore) deleteVersion(key, versionID string) (Object, []string, error) {
	old, found, err := b.remove(key, versionID)
	if err != nil {
		return Object{}, nil, err
	}
	if !found {
		return Object{Bucket: b.rec.Name, Key: key, VersionID: versionID}, nil, ErrNoSuchVersion
	}
	garbage, err := releaseRefs(b.refs, blobsOf(old.Parts))
	return old, garbage, err
}

func (b *bstore) deleteLatest(key string) (Object, []string, error) {
	if b.rec.Versioning == VersioningEnabled {
		marker := b.marker(key, b.freshVersionID(key))
		return marker, nil, b.insert(marker)
	}
	old, found, err := b.remove(key, NullVersion)
	if err != nil {
		return Object{}, nil, err
	}
	garbage, err := releaseRefs(b.refs, blobsOf(old.Parts))
	if err != nil {
		return Object{}, nil, err
	}
	if b.rec.Versioning == VersioningSuspended {
		marker := b.marker(key, NullVersion)
		return marker, garbage, b.insert(marker)
	}
	if !found {
		return Object{}, nil, nil
	}
	return old, garbage, nil
}

func (b *bstore) marker(key, versionID string) Object {
	return Object{
		Bucket: b.rec.Name, Key: key, VersionID: versionID, DeleteMarker: true,
		LastModified: time.Now().UTC(), IsLatest: true,
	}
}

// freshVersionID returns a version id key does not have yet.
func (b *bstore) freshVersionID(key string) string {
	for {
		id := newVersionID()
		if b.vidx.Get(compose(key, []byte(id))) == nil {
			return id
		}
	}
}

// find locates one version of key (versionID "" = latest) and returns its
// position and record. A latest version that is a delete marker comes
// back with ErrNoSuchKey.
func (b *bstore) find(key, versionID string) ([]byte, Object, error) {
	prefix := compose(key, nil)
	k, v := b.versions.Cursor().Seek(prefix)
	newest := k != nil && bytes.HasPrefix(k, prefix)
	if versionID == "" {
		if !newest {
			return nil, Object{}, ErrNoSuchKey
		}
		o, err := decodeObject(v)
		if err != nil {
			return nil, Object{}, err
		}
		o.IsLatest = true
		pos := bytes.Clone(k[len(prefix):])
		if o.DeleteMarker {
			return pos, o, ErrNoSuchKey
		}
		return pos, o, nil
	}
	pos := b.vidx.Get(compose(key, []byte(versionID)))
	if pos == nil {
		return nil, Object{}, ErrNoSuchVersion
	}
	pos = bytes.Clone(pos)
	rv := b.versions.Get(compose(key, pos))
	if rv == nil {
		return nil, Object{}, errCorruptReference
	}
	o, err := decodeObject(rv)
	if err != nil {
		return nil, Object{}, err
	}
	o.IsLatest = newest && bytes.Equal(k[len(prefix):], pos)
	return pos, o, nil
}

// insert adds o at the newest position of its key and counts its blobs.
func (b *bstore) insert(o Object) error {
	seq, err := b.versions.NextSequence()
	if err != nil {
		return fmt.Errorf("allocate version position: %w", err)
	}
	pos := binary.BigEndian.AppendUint64(nil, ^seq)
	v, err := json.Marshal(o)
	if err != nil {
		return fmt.Errorf("encode object: %w", err)
	}
	if err := b.versions.Put(compose(o.Key, pos), v); err != nil {
		return fmt.Errorf("store object: %w", err)
	}
	if err := b.vidx.Put(compose(o.Key, []byte(o.VersionID)), pos); err != nil {
		return fmt.Errorf("index version: %w", err)
	}
	if err := addRefs(b.refs, blobsOf(o.Parts)); err != nil {
		return err
	}
	return b.refreshLatest(o.Key)
}

// remove deletes one version of key without releasing its blobs, and
// reports whether it existed.
func (b *bstore) remove(key, versionID string) (Object, bool, error) {
	ik := compose(key, []byte(versionID))
	pos := b.vidx.Get(ik)
	if pos == nil {
		return Object{}, false, nil
	}
	vk := compose(key, bytes.Clone(pos))
	v := b.versions.Get(vk)
	if v == nil {
		return Object{}, false, errCorruptReference
	}
	o, err := decodeObject(v)
	if err != nil {
		return Object{}, false, err
	}
	if err := b.versions.Delete(vk); err != nil {
		return Object{}, false, fmt.Errorf("remove version: %w", err)
	}
	if err := b.vidx.Delete(ik); err != nil {
		return Object{}, false, fmt.Errorf("remove version index: %w", err)
	}
	return o, true, b.refreshLatest(key)
}

// refreshLatest points the latest index at key's newest version, or
// removes key from it when that is a delete marker or there is none.
func (b *bstore) refreshLatest(key string) error {
	prefix := compose(key, nil)
	k, v := b.versions.Cursor().Seek(prefix)
	if k != nil && bytes.HasPrefix(k, prefix) {
		o, err := decodeObject(v)
		if err != nil {
			return err
		}
		if !o.DeleteMarker {
			return b.latest.Put([]byte(key), bytes.Clone(k[len(prefix):]))
		}
	}
	return b.latest.Delete([]byte(key))
}
