package kms

import (
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// KeyListEntry is one key as ListKeys returns it.
type KeyListEntry struct {
	KeyID  string
	KeyArn string
}

// ListKeysOutput is one page of ListKeys.
type ListKeysOutput struct {
	Keys       []KeyListEntry
	Truncated  bool
	NextMarker string
}

// ListKeys lists every key, customer and AWS managed, in key id order.
// limit 0 means 100; marker "" starts at the top.
func (k *KMS) ListKeys(c Call, limit int, marker string) (ListKeysOutput, error) {
	return k.listKeys(c, optInt(limit), marker)
}

func (k *KMS) listKeys(_ Call, limit *int, marker string) (ListKeysOutput, error) {
	n, err := pageSize(limit)
	if err != nil {
		return ListKeysOutput{}, err
	}
	if err := k.sweep(); err != nil {
		return ListKeysOutput{}, err
	}
	var all []KeyListEntry
	err = k.view("ListKeys", func(tx *bolt.Tx) error {
		return tx.Bucket(bucketKeys).ForEach(func(id, v []byte) error {
			var r keyRecord
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("decode key %s: %w", id, err)
			}
			all = append(all, KeyListEntry{KeyID: r.ID, KeyArn: k.keyARN(r.ID)})
			return nil
		})
	})
	if err != nil {
		return ListKeysOutput{}, err
	}
	page, next := paginate(all, func(e KeyListEntry) string { return e.KeyID }, marker, n)
	return ListKeysOutput{Keys: page, Truncated: next != "", NextMarker: next}, nil
}

// pageSize validates a Limit member (1–1000; absent means 100).
func pageSize(limit *int) (int, error) {
	if limit == nil {
		return 100, nil
	}
	return *limit, checkRange("limit", *limit, 1, 1000)
}

// paginate returns the page of sorted items starting at marker (the name of
// the first item of the page, as returned in NextMarker) and the next marker.
func paginate[T any](items []T, name func(T) string, marker string, n int) ([]T, string) {
	start := 0
	for start < len(items) && marker != "" && name(items[start]) < marker {
		start++
	}
	end := min(start+n, len(items))
	next := ""
	if end < len(items) {
		next = name(items[end])
	}
	return items[start:end], next
}
