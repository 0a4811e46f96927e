package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// MaxPartNumber is the highest part number S3 accepts.
const MaxPartNumber = 10000

// CreateUpload records a new multipart upload for u.Bucket and u.Key and
// returns it with a fresh URL-safe ID (and Initiated, if zero, set).
func (s *Store) CreateUpload(u Upload) (Upload, error) {
	err := s.db.Update(func(tx *bolt.Tx) error {
		b, err := openBucket(tx, u.Bucket)
		if err != nil {
			return err
		}
		if err := checkKey(u.Key); err != nil {
			return err
		}
		u.ID = newUploadID()
		for b.uploads.Get(compose(u.Key, []byte(u.ID))) != nil {
			u.ID = newUploadID()
		}
		if u.Initiated.IsZero() {
			u.Initiated = time.Now().UTC()
		}
		return b.putUpload(u)
	})
	if err != nil {
		return Upload{}, fmt.Errorf("create upload for %s/%s: %w", u.Bucket, u.Key, err)
	}
	return u, nil
}

// GetUpload returns an upload in progress, or ErrNoSuchUpload.
func (s *Store) GetUpload(bucket, key, uploadID string) (Upload, error) {
	var u Upload
	err := s.db.View(func(tx *bolt.Tx) (err error) {
		_, u, err = openUpload(tx, bucket, key, uploadID)
		return err
	})
	if err != nil {
		return Upload{}, fmt.Errorf("get upload %s/%s: %w", bucket, key, err)
	}
	return u, nil
}

// PutPart stores part p.Number (1 to MaxPartNumber, else ErrInvalidPart)
// of an upload, replacing an earlier part of that number; garbage as for
// PutObject.
func (s *Store) PutPart(bucket, key, uploadID string, p Part) (garbage []string, err error) {
	if p.Number < 1 || p.Number > MaxPartNumber {
		return nil, fmt.Errorf("part number %d: %w", p.Number, ErrInvalidPart)
	}
	if p.Modified.IsZero() {
		p.Modified = time.Now().UTC()
	}
	err = s.db.Update(func(tx *bolt.Tx) error {
		b, _, err := openUpload(tx, bucket, key, uploadID)
		if err != nil {
			return err
		}
		pk := partKey(uploadID, p.Number)
		var old Part
		if v := b.parts.Get(pk); v != nil {
			if err := json.Unmarshal(v, &old); err != nil {
				return fmt.Errorf("decode part: %w", err)
			}
		}
		v, err := json.Marshal(p)
		if err != nil {
			return fmt.Errorf("encode part: %w", err)
		}
		if err := b.parts.Put(pk, v); err != nil {
			return fmt.Errorf("store part: %w", err)
		}
		if err := addRefs(b.refs, blobsOf([]Part{p})); err != nil {
			return err
		}
		garbage, err = releaseRefs(b.refs, blobsOf([]Part{old}))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("put part %d of %s/%s: %w", p.Number, bucket, key, err)
	}
	return garbage, nil
}

// ListParts returns up to limit (default and cap 1000) parts numbered above
// after, in order, and whether more follow.
func (s *Store) ListParts(bucket, key, uploadID string, after, limit int) (parts []Part, truncated bool, err error) {
	limit = normalizeMax(limit)
	after = min(max(after, 0), MaxPartNumber)
	err = s.db.View(func(tx *bolt.Tx) error {
		b, _, err := openUpload(tx, bucket, key, uploadID)
		if err != nil {
			return err
		}
		prefix := compose(uploadID, nil)
		c := b.parts.Cursor()
		for k, v := c.Seek(partKey(uploadID, after+1)); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			if len(parts) == limit {
				truncated = true
				break
			}
			var p Part
			if err := json.Unmarshal(v, &p); err != nil {
				return fmt.Errorf("decode part: %w", err)
			}
			parts = append(parts, p)
		}
		return nil
	})
	if err != nil {
		return nil, false, fmt.Errorf("list parts of %s/%s: %w", bucket, key, err)
	}
	return parts, truncated, nil
}

// UploadParts returns all parts of an upload by number.
func (s *Store) UploadParts(bucket, key, uploadID string) (map[int]Part, error) {
	out := map[int]Part{}
	err := s.db.View(func(tx *bolt.Tx) error {
		b, _, err := openUpload(tx, bucket, key, uploadID)
		if err != nil {
			return err
		}
		return b.eachPart(uploadID, func(_ []byte, p Part) error {
			out[p.Number] = p
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("read parts of %s/%s: %w", bucket, key, err)
	}
	return out, nil
}

// ListUploads returns up to limit (default and cap 1000) uploads in
// progress whose key starts with prefix, by key and then oldest first,
// and whether more follow. keyMarker resumes after that key or, with
// uploadIDMarker, after that upload of keyMarker.
func (s *Store) ListUploads(bucket string, prefix, keyMarker, uploadIDMarker string, limit int) (uploads []Upload, truncated bool, err error) {
	limit = normalizeMax(limit)
	err = s.db.View(func(tx *bolt.Tx) error {
		b, err := openBucket(tx, bucket)
		if err != nil {
			return err
		}
		start := []byte(prefix)
		if keyMarker != "" {
			from := append([]byte(keyMarker), sep+1)
			if uploadIDMarker != "" {
				from = append(compose(keyMarker, []byte(uploadIDMarker)), 0)
			}
			start = maxBytes(start, from)
		}
		c := b.uploads.Cursor()
		for k, v := c.Seek(start); k != nil && strings.HasPrefix(splitKey(k), prefix); k, v = c.Next() {
			if len(uploads) == limit {
				truncated = true
				break
			}
			var u Upload
			if err := json.Unmarshal(v, &u); err != nil {
				return fmt.Errorf("decode upload: %w", err)
			}
			uploads = append(uploads, u)
		}
		return nil
	})
	if err != nil {
		return nil, false, fmt.Errorf("list uploads in %s: %w", bucket, err)
	}
	return uploads, truncated, nil
}
