package ui

import "testing"

// TestCreatedItemsGetSelected: after a create job, the refreshed list
// selects the new bucket or key rather than staying where it was.
func TestCreatedItemsGetSelected(t *testing.T) {
	var b bucketsView
	b.setRows([]BucketRow{{Name: "a"}, {Name: "c"}}, nil)
	b.want = "b"
	b.setRows([]BucketRow{{Name: "a"}, {Name: "b"}, {Name: "c"}}, nil)
	if s, _ := b.selected(); s.Name != "b" || b.want != "" {
		t.Fatalf("selected %q (want pending %q)", s.Name, b.want)
	}
	var k keysView
	k.setRows([]KeyRow{{ID: "1"}}, nil)
	k.want = "2"
	k.setRows([]KeyRow{{ID: "1"}, {ID: "2"}}, nil)
	if s, _ := k.selected(); s.ID != "2" {
		t.Fatalf("selected key %q", s.ID)
	}
}
