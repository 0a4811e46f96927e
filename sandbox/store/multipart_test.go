package store

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"testing"
)

func putPart(t *testing.T, s *Store, key, uploadID string, n int, data string) (Part, []string) {
	t.Helper()
	p := Part{Number: n, Blob: mustWriteBlob(t, s, data), Size: int64(len(data)), StoredSize: int64(len(data)),
		ETag: fmt.Sprintf(`"part%d"`, n)}
	garbage, err := s.PutPart("b", key, uploadID, p)
	if err != nil {
		t.Fatalf("PutPart(%d): %v", n, err)
	}
	s.RemoveBlobs(garbage...)
	return p, garbage
}

func TestMultipartLifecycle(t *testing.T) {
	s := openTest(t)
	mustCreateBucket(t, s, "b", "")
	old, _ := putData(t, s, "b", "big", "previous object")
	tmpl := Object{ContentType: "video/mp4", Encryption: Encryption{Mode: "AES256"}}
	u, err := s.CreateUpload(Upload{Bucket: "b", Key: "big", Template: tmpl, ChecksumAlgorithm: "CRC32"})
	if err != nil {
		t.Fatalf("CreateUpload: %v", err)
	}
	if u.ID == "" || url.PathEscape(u.ID) != u.ID || u.Initiated.IsZero() {
		t.Fatalf("upload id %q (initiated %v) is not URL-safe", u.ID, u.Initiated)
	}
	got, err := s.GetUpload("b", "big", u.ID)
	if err != nil || got.Template.ContentType != "video/mp4" || got.ChecksumAlgorithm != "CRC32" {
		t.Fatalf("GetUpload = %+v, %v", got, err)
	}
	if _, err := s.GetUpload("b", "other", u.ID); !errors.Is(err, ErrNoSuchUpload) {
		t.Fatalf("GetUpload with another key: got %v", err)
	}
	if _, err := s.PutPart("b", "big", "nope", Part{Number: 1}); !errors.Is(err, ErrNoSuchUpload) {
		t.Fatalf("PutPart to a missing upload: got %v", err)
	}
	for _, n := range []int{0, -1, 10001} {
		if _, err := s.PutPart("b", "big", u.ID, Part{Number: n}); !errors.Is(err, ErrInvalidPart) {
			t.Fatalf("PutPart(%d): got %v, want ErrInvalidPart", n, err)
		}
	}

	p1, _ := putPart(t, s, "big", u.ID, 1, "AAAA")
	p2, _ := putPart(t, s, "big", u.ID, 2, "BBBB")
	p3, _ := putPart(t, s, "big", u.ID, 3, "CC")
	p2b, garbage := putPart(t, s, "big", u.ID, 2, "bbbb") // re-upload of part 2
	if !slices.Equal(garbage, []string{p2.Blob}) {
		t.Fatalf("replacing part 2: garbage %v, want the first upload's blob", garbage)
	}
	putPart(t, s, "big", u.ID, 4, "unused")

	all := checkParts4(t, s, u.ID, p2b)

	// A part naming a blob the upload does not hold is refused.
	foreign := mustWriteBlob(t, s, "foreign")
	bad := Object{Parts: []Part{p1, {Number: 2, Blob: foreign}}}
	if _, _, err := s.CompleteUpload("b", "big", u.ID, bad); !errors.Is(err, ErrInvalidPart) {
		t.Fatalf("CompleteUpload with a foreign blob: got %v", err)
	}

	final := got.Template
	final.Size, final.MultipartCount = 10, 3
	final.Parts = []Part{p1, p2b, p3}
	stored, garbage, err := s.CompleteUpload("b", "big", u.ID, final)
	if err != nil {
		t.Fatalf("CompleteUpload: %v", err)
	}
	s.RemoveBlobs(garbage...)
	if stored.Bucket != "b" || stored.Key != "big" || stored.VersionID != NullVersion || stored.MultipartCount != 3 {
		t.Fatalf("stored = %+v", stored)
	}
	part4 := all[4].Blob
	if want := []string{old.Parts[0].Blob, part4}; !sameSet(garbage, want) {
		t.Fatalf("complete garbage = %v, want %v (replaced object and unused part 4)", garbage, want)
	}
	if data := getData(t, s, "b", "big", ""); data != "AAAAbbbbCC" {
		t.Fatalf("completed object = %q", data)
	}
	if _, err := s.GetUpload("b", "big", u.ID); !errors.Is(err, ErrNoSuchUpload) {
		t.Fatalf("upload still there after complete: %v", err)
	}
	if _, _, err := s.CompleteUpload("b", "big", u.ID, final); !errors.Is(err, ErrNoSuchUpload) {
		t.Fatalf("second CompleteUpload: got %v", err)
	}
	if _, _, err := s.ListParts("b", "big", u.ID, 0, 0); !errors.Is(err, ErrNoSuchUpload) {
		t.Fatalf("ListParts after complete: got %v", err)
	}
}

// checkParts4 checks the listings of an upload of parts 1 to 4 whose
// part 2 is p2, and returns its parts.
func checkParts4(t *testing.T, s *Store, uploadID string, p2 Part) map[int]Part {
	t.Helper()
	parts, truncated, err := s.ListParts("b", "big", uploadID, 0, 2)
	if err != nil || !truncated || len(parts) != 2 || parts[0].Number != 1 || parts[1].Blob != p2.Blob {
		t.Fatalf("ListParts page 1 = %+v, %v, %v", parts, truncated, err)
	}
	parts, truncated, err = s.ListParts("b", "big", uploadID, 2, 2)
	if err != nil || truncated || len(parts) != 2 || parts[0].Number != 3 || parts[1].Number != 4 {
		t.Fatalf("ListParts page 2 = %+v, %v, %v", parts, truncated, err)
	}
	all, err := s.UploadParts("b", "big", uploadID)
	if err != nil || len(all) != 4 || all[3].ETag != `"part3"` || all[2].Blob != p2.Blob {
		t.Fatalf("UploadParts = %+v, %v", all, err)
	}
	return all
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

func TestAbortUpload(t *testing.T) {
	s := openTest(t)
	mustCreateBucket(t, s, "b", "")
	u, err := s.CreateUpload(Upload{Bucket: "b", Key: "k"})
	if err != nil {
		t.Fatalf("CreateUpload: %v", err)
	}
	p1, _ := putPart(t, s, "k", u.ID, 1, "one")
	p2, _ := putPart(t, s, "k", u.ID, 2, "two")
	garbage, err := s.AbortUpload("b", "k", u.ID)
	if err != nil || !sameSet(garbage, []string{p1.Blob, p2.Blob}) {
		t.Fatalf("AbortUpload = %v, %v", garbage, err)
	}
	if _, err := s.AbortUpload("b", "k", u.ID); !errors.Is(err, ErrNoSuchUpload) {
		t.Fatalf("second AbortUpload: got %v", err)
	}
	if _, err := s.CreateUpload(Upload{Bucket: "nope", Key: "k"}); !errors.Is(err, ErrNoSuchBucket) {
		t.Fatalf("CreateUpload in a missing bucket: got %v", err)
	}
}

func TestCompleteUploadVersioned(t *testing.T) {
	s := openTest(t)
	mustCreateBucket(t, s, "b", VersioningEnabled)
	v1, _ := putData(t, s, "b", "k", "v1")
	u, _ := s.CreateUpload(Upload{Bucket: "b", Key: "k"})
	p1, _ := putPart(t, s, "k", u.ID, 1, "mp")
	stored, garbage, err := s.CompleteUpload("b", "k", u.ID, Object{Parts: []Part{p1}})
	if err != nil || garbage != nil || stored.VersionID == NullVersion || stored.VersionID == v1.VersionID {
		t.Fatalf("CompleteUpload = %+v, %v, %v", stored, garbage, err)
	}
	if getData(t, s, "b", "k", "") != "mp" || getData(t, s, "b", "k", v1.VersionID) != "v1" {
		t.Fatalf("versions after complete are wrong")
	}
}

func TestListUploads(t *testing.T) {
	s := openTest(t)
	mustCreateBucket(t, s, "b", "")
	var ids []string // in listing order: key, then oldest first
	for _, key := range []string{"a", "b", "b", "b", "c/x"} {
		u, err := s.CreateUpload(Upload{Bucket: "b", Key: key})
		if err != nil {
			t.Fatalf("CreateUpload: %v", err)
		}
		ids = append(ids, key+"@"+u.ID)
	}
	list := func(prefix, keyMarker, idMarker string, max int) ([]string, bool) {
		t.Helper()
		us, truncated, err := s.ListUploads("b", prefix, keyMarker, idMarker, max)
		if err != nil {
			t.Fatalf("ListUploads: %v", err)
		}
		var out []string
		for _, u := range us {
			out = append(out, u.Key+"@"+u.ID)
		}
		return out, truncated
	}
	if got, tr := list("", "", "", 0); !slices.Equal(got, ids) || tr {
		t.Fatalf("all uploads = %v (truncated %v), want %v", got, tr, ids)
	}
	if got, tr := list("", "", "", 2); !slices.Equal(got, ids[:2]) || !tr {
		t.Fatalf("first two = %v, %v", got, tr)
	}
	bID := ids[2][len("b@"):]
	if got, _ := list("", "b", bID, 0); !slices.Equal(got, ids[3:]) {
		t.Fatalf("after b@%s = %v, want %v", bID, got, ids[3:])
	}
	if got, _ := list("", "b", "", 0); !slices.Equal(got, ids[4:]) {
		t.Fatalf("after key b = %v", got)
	}
	if got, _ := list("b", "", "", 0); !slices.Equal(got, ids[1:4]) {
		t.Fatalf("prefix b = %v", got)
	}
	if got, _ := list("c/", "a", "", 0); !slices.Equal(got, ids[4:]) {
		t.Fatalf("prefix c/ after a = %v", got)
	}
}
