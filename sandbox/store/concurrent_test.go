package store

import (
	"fmt"
	"strings"
	"sync"
	"testing"
)

// TestConcurrentWriters runs overwrites, deletes and listings from many
// goroutines; the store's invariants (checked at cleanup) must hold and
// every surviving object must read back whole.
func TestConcurrentWriters(t *testing.T) {
	s := openTest(t)
	mustCreateBucket(t, s, "b", "")
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 40 {
				key := fmt.Sprintf("k%d", i%5)
				data := fmt.Sprintf("%s-from-%d", key, g)
				id, n, err := s.WriteBlob(strings.NewReader(data))
				if err != nil {
					t.Errorf("WriteBlob: %v", err)
					return
				}
				_, garbage, err := s.PutObject(Object{Bucket: "b", Key: key, Size: n,
					Parts: []Part{{Number: 1, Blob: id, Size: n, StoredSize: n}}})
				if err != nil {
					t.Errorf("PutObject: %v", err)
					return
				}
				s.RemoveBlobs(garbage...)
				if i%7 == 0 {
					_, garbage, _ := s.DeleteObject("b", key, "")
					s.RemoveBlobs(garbage...)
				}
				if _, err := s.ListObjects("b", ListOptions{}); err != nil {
					t.Errorf("ListObjects: %v", err)
				}
			}
		})
	}
	wg.Wait()
	res, err := s.ListObjects("b", ListOptions{})
	if err != nil {
		t.Fatalf("ListObjects: %v", err)
	}
	for _, o := range res.Objects {
		if got := readData(t, s, o); len(got) != int(o.Size) || got[:len(o.Key)] != o.Key {
			t.Fatalf("%s reads %q", o.Key, got)
		}
	}
}
