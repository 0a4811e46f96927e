package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// CompleteUpload turns an upload into an object in one transaction: o
// (whose Parts the caller assembled from the upload's parts; a part
// referring to a blob the upload does not hold is ErrInvalidPart) is
// stored as by PutObject, and the upload and its part records are
// deleted. garbage lists the blobs of parts o does not use and of a
// replaced null version.
func (s *Store) CompleteUpload(bucket, key, uploadID string, o Object) (stored Object, garbage []string, err error) {
	err = s.db.Update(func(tx *bolt.Tx) error {
		b, _, err := openUpload(tx, bucket, key, uploadID)
		if err != nil {
			return err
		}
		held := map[string]bool{}
		err = b.eachPart(uploadID, func(_ []byte, p Part) error {
			held[p.Blob] = true
			return nil
		})
		if err != nil {
			return err
		}
		for _, p := range o.Parts {
			if !held[p.Blob] {
				return fmt.Errorf("part %d: %w", p.Number, ErrInvalidPart)
			}
		}
		o.Bucket, o.Key = bucket, key
		var replaced []string
		if stored, replaced, err = b.put(o); err != nil {
			return err
		}
		unused, err := b.dropUpload(key, uploadID)
		garbage = slices.Concat(replaced, unused)
		return err
	})
	if err != nil {
		return Object{}, nil, fmt.Errorf("complete upload %s/%s: %w", bucket, key, err)
	}
	return stored, garbage, nil
}

// AbortUpload deletes an upload and its parts; garbage lists their blobs.
func (s *Store) AbortUpload(bucket, key, uploadID string) (garbage []string, err error) {
	err = s.db.Update(func(tx *bolt.Tx) error {
		b, _, err := openUpload(tx, bucket, key, uploadID)
		if err != nil {
			return err
		}
		garbage, err = b.dropUpload(key, uploadID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("abort upload %s/%s: %w", bucket, key, err)
	}
	return garbage, nil
}

// openUpload opens bucket and reads upload uploadID of key.
func openUpload(tx *bolt.Tx, bucket, key, uploadID string) (*bstore, Upload, error) {
	b, err := openBucket(tx, bucket)
	if err != nil {
		return nil, Upload{}, err
	}
	if err := checkKey(key); err != nil {
		return nil, Upload{}, err
	}
	if strings.IndexByte(uploadID, sep) >= 0 {
		return nil, Upload{}, ErrNoSuchUpload
	}
	v := b.uploads.Get(compose(key, []byte(uploadID)))
	if v == nil {
		return nil, Upload{}, ErrNoSuchUpload
	}
	var u Upload
	if err := json.Unmarshal(v, &u); err != nil {
		return nil, Upload{}, fmt.Errorf("decode upload: %w", err)
	}
	return b, u, nil
}

func (b *bstore) putUpload(u Upload) error {
	v, err := json.Marshal(u)
	if err != nil {
		return fmt.Errorf("encode upload: %w", err)
	}
	return b.uploads.Put(compose(u.Key, []byte(u.ID)), v)
}

// eachPart calls fn for each part of an upload, in number order.
func (b *bstore) eachPart(uploadID string, fn func(k []byte, p Part) error) error {
	prefix := compose(uploadID, nil)
	c := b.parts.Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		var p Part
		if err := json.Unmarshal(v, &p); err != nil {
			return fmt.Errorf("decode part: %w", err)
		}
		if err := fn(k, p); err != nil {
			return err
		}
	}
	return nil
}

// dropUpload deletes an upload's record and parts and releases the parts'
// blobs, returning those nothing refers to any more.
func (b *bstore) dropUpload(key, uploadID string) ([]string, error) {
	var keys [][]byte
	var blobs []string
	err := b.eachPart(uploadID, func(k []byte, p Part) error {
		keys = append(keys, bytes.Clone(k))
		blobs = append(blobs, blobsOf([]Part{p})...)
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, k := range keys {
		if err := b.parts.Delete(k); err != nil {
			return nil, fmt.Errorf("delete part: %w", err)
		}
	}
	if err := b.uploads.Delete(compose(key, []byte(uploadID))); err != nil {
		return nil, fmt.Errorf("delete upload: %w", err)
	}
	return releaseRefs(b.refs, blobs)
}
