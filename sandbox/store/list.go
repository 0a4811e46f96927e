package store

import (
	"bytes"
	"fmt"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// ListObjects lists the latest version of each object whose latest version
// is not a delete marker, in key order: keys starting with opt.Prefix,
// after opt.After, with keys that contain opt.Delimiter after the prefix
// rolled up into CommonPrefixes. Objects and common prefixes together
// count toward MaxKeys (default and cap 1000). A common prefix equal to
// After is skipped, so a page resumes past the prefix that ended the last
// one. NextAfter is the last key or common prefix returned.
func (s *Store) ListObjects(bucket string, opt ListOptions) (ListResult, error) {
	res, _, err := s.listObjects(bucket, opt)
	return res, err
}

// listObjects is ListObjects, also returning how many cursor moves the
// page took (tests check that it does not grow with the bucket).
func (s *Store) listObjects(bucket string, opt ListOptions) (ListResult, int, error) {
	var res ListResult
	w := walker{opt: opt, max: normalizeMax(opt.MaxKeys), res: &res}
	err := s.db.View(func(tx *bolt.Tx) error {
		b, err := openBucket(tx, bucket)
		if err != nil {
			return err
		}
		start := []byte(opt.Prefix)
		if opt.After != "" {
			start = maxBytes(start, append([]byte(opt.After), sep))
		}
		return w.walk(b.latest.Cursor(), start, func(key string, _, pos []byte) error {
			v := b.versions.Get(compose(key, pos))
			if v == nil {
				return errCorruptReference
			}
			o, err := decodeObject(v)
			if err != nil {
				return err
			}
			o.IsLatest = true
			res.Objects = append(res.Objects, o)
			res.NextAfter, res.NextAfterVersion = key, ""
			return nil
		})
	})
	if err != nil {
		return ListResult{}, w.steps, fmt.Errorf("list objects in %s: %w", bucket, err)
	}
	return res, w.steps, nil
}

// ListVersions lists every version and delete marker, keys ascending and
// each key's versions newest first, with IsLatest set, under the same
// Prefix, Delimiter and MaxKeys rules as ListObjects. After alone resumes
// at the first key greater than After; with AfterVersion it resumes after
// that version of key After (if that version no longer exists, at the
// next key). NextAfter and NextAfterVersion name the last entry returned
// (a common prefix has no version).
func (s *Store) ListVersions(bucket string, opt ListOptions) (ListResult, error) {
	var res ListResult
	err := s.db.View(func(tx *bolt.Tx) error {
		b, err := openBucket(tx, bucket)
		if err != nil {
			return err
		}
		prevKey := ""
		start := []byte(opt.Prefix)
		if opt.After != "" {
			from := append([]byte(opt.After), sep+1)
			if opt.AfterVersion != "" {
				if pos := b.vidx.Get(compose(opt.After, []byte(opt.AfterVersion))); pos != nil {
					from = append(compose(opt.After, pos), 0)
					prevKey = opt.After
				}
			}
			start = maxBytes(start, from)
		}
		w := walker{opt: opt, max: normalizeMax(opt.MaxKeys), res: &res}
		return w.walk(b.versions.Cursor(), start, func(key string, _, v []byte) error {
			o, err := decodeObject(v)
			if err != nil {
				return err
			}
			o.IsLatest = key != prevKey
			prevKey = key
			res.Objects = append(res.Objects, o)
			res.NextAfter, res.NextAfterVersion = key, o.VersionID
			return nil
		})
	})
	if err != nil {
		return ListResult{}, fmt.Errorf("list versions in %s: %w", bucket, err)
	}
	return res, nil
}

// walker pages through a cursor whose keys are object keys, optionally
// followed by sep and a suffix.
type walker struct {
	opt   ListOptions
	max   int
	n     int
	steps int // cursor moves
	res   *ListResult
}

// walk visits entries from start while their object key has the prefix,
// rolling keys up into common prefixes (skipping each prefix's keys with a
// single Seek) and calling emit for the others, until max entries are
// listed; it sets Truncated if anything is left.
func (w *walker) walk(c *bolt.Cursor, start []byte, emit func(key string, k, v []byte) error) error {
	k, v := c.Seek(start)
	w.steps++
	for k != nil {
		key := splitKey(k)
		if !strings.HasPrefix(key, w.opt.Prefix) {
			return nil
		}
		if cp, ok := w.commonPrefix(key); ok {
			if cp != w.opt.After {
				if w.n == w.max {
					w.res.Truncated = true
					return nil
				}
				w.res.CommonPrefixes = append(w.res.CommonPrefixes, cp)
				w.res.NextAfter, w.res.NextAfterVersion = cp, ""
				w.n++
			}
			next := successor(cp)
			if next == nil {
				return nil
			}
			k, v = c.Seek(next)
			w.steps++
			continue
		}
		if w.n == w.max {
			w.res.Truncated = true
			return nil
		}
		if err := emit(key, k, v); err != nil {
			return err
		}
		w.n++
		k, v = c.Next()
		w.steps++
	}
	return nil
}

// commonPrefix is key up to and including the first delimiter after the
// listing prefix, if there is one.
func (w *walker) commonPrefix(key string) (string, bool) {
	d := w.opt.Delimiter
	if d == "" {
		return "", false
	}
	i := strings.Index(key[len(w.opt.Prefix):], d)
	if i < 0 {
		return "", false
	}
	return key[:len(w.opt.Prefix)+i+len(d)], true
}

func maxBytes(a, b []byte) []byte {
	if bytes.Compare(a, b) >= 0 {
		return a
	}
	return b
}
