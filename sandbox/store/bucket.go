package store

import (
	"bytes"
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// CreateBucket stores a new bucket. It fails with ErrBucketExists if a
// bucket of that name exists.
func (s *Store) CreateBucket(b Bucket) error {
	if b.Name == "" {
		return ErrInvalidBucket
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		name := []byte(b.Name)
		if tx.Bucket(bucketsName).Get(name) != nil {
			return ErrBucketExists
		}
		objects := tx.Bucket(objectsName)
		if objects.Bucket(name) != nil {
			if err := objects.DeleteBucket(name); err != nil {
				return err
			}
		}
		nested, err := objects.CreateBucket(name)
		if err != nil {
			return err
		}
		for _, n := range [][]byte{versionsName, vidxName, latestName, uploadsName, partsName} {
			if _, err := nested.CreateBucket(n); err != nil {
				return err
			}
		}
		return putBucketRecord(tx, b)
	})
	if err != nil {
		return fmt.Errorf("create bucket %q: %w", b.Name, err)
	}
	return nil
}

// GetBucket returns bucket name's record, or ErrNoSuchBucket.
func (s *Store) GetBucket(name string) (Bucket, error) {
	var b Bucket
	err := s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketsName).Get([]byte(name))
		if v == nil {
			return fmt.Errorf("bucket %q: %w", name, ErrNoSuchBucket)
		}
		return json.Unmarshal(v, &b)
	})
	return b, err
}

// UpdateBucket changes bucket name's record with fn in one transaction.
// An error from fn is returned as is and nothing changes. The name
// cannot be changed.
func (s *Store) UpdateBucket(name string, fn func(*Bucket) error) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketsName).Get([]byte(name))
		if v == nil {
			return fmt.Errorf("bucket %q: %w", name, ErrNoSuchBucket)
		}
		var b Bucket
		if err := json.Unmarshal(v, &b); err != nil {
			return fmt.Errorf("decode bucket %q: %w", name, err)
		}
		if err := fn(&b); err != nil {
			return err
		}
		b.Name = name
		return putBucketRecord(tx, b)
	})
}

// DeleteBucket removes a bucket that holds no object version or delete
// marker (else ErrBucketNotEmpty). Its multipart uploads in progress are
// discarded with it; garbage lists their parts' blobs, for RemoveBlobs.
func (s *Store) DeleteBucket(name string) (garbage []string, err error) {
	err = s.db.Update(func(tx *bolt.Tx) error {
		b, err := openBucket(tx, name)
		if err != nil {
			return err
		}
		if k, _ := b.versions.Cursor().First(); k != nil {
			return fmt.Errorf("bucket %q: %w", name, ErrBucketNotEmpty)
		}
		// Uploads in progress do not keep a bucket: S3 deletes it and
		// discards them ("delete all objects ... then the bucket" works
		// with uploads left behind).
		var uploads [][2]string
		if err := b.uploads.ForEach(func(k, _ []byte) error {
			i := bytes.IndexByte(k, sep)
			if i < 0 {
				return errCorruptReference
			}
			uploads = append(uploads, [2]string{string(k[:i]), string(k[i+1:])})
			return nil
		}); err != nil {
			return err
		}
		for _, u := range uploads {
			g, err := b.dropUpload(u[0], u[1])
			if err != nil {
				return err
			}
			garbage = append(garbage, g...)
		}
		if err := tx.Bucket(objectsName).DeleteBucket([]byte(name)); err != nil {
			return fmt.Errorf("delete bucket %q: %w", name, err)
		}
		if err := tx.Bucket(bucketsName).Delete([]byte(name)); err != nil {
			return fmt.Errorf("delete bucket %q: %w", name, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return garbage, nil
}

// ListBuckets returns every bucket, sorted by name.
func (s *Store) ListBuckets() ([]Bucket, error) {
	var out []Bucket
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketsName).ForEach(func(k, v []byte) error {
			var b Bucket
			if err := json.Unmarshal(v, &b); err != nil {
				return fmt.Errorf("decode bucket %q: %w", k, err)
			}
			out = append(out, b)
			return nil
		})
	})
	return out, err
}

func putBucketRecord(tx *bolt.Tx, b Bucket) error {
	v, err := json.Marshal(b)
	if err != nil {
		return fmt.Errorf("encode bucket: %w", err)
	}
	return tx.Bucket(bucketsName).Put([]byte(b.Name), v)
}
