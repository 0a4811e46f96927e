package store

import (
	"errors"
	"slices"
	"testing"
	"time"
)

func TestObjectRoundTrip(t *testing.T) {
	s := openTest(t)
	mustCreateBucket(t, s, "b", "")
	id := mustWriteBlob(t, s, "ciphertext-1")
	mod := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	in := Object{
		Bucket: "b", Key: "dir/ünïcode key.txt", Size: 10, ETag: `"abc"`, LastModified: mod,
		ContentType: "text/plain", Headers: Headers{"Cache-Control": "no-cache"},
		UserMeta: Headers{"owner": "me"}, Checksums: Checksums{"CRC32": "AAAAAA=="}, ChecksumType: "FULL_OBJECT",
		Encryption: Encryption{Mode: "aws:kms", KMSKeyARN: "arn:aws:kms:us-east-1:111122223333:key/k",
			Layers: []KeyLayer{{Wrapping: WrappedByKMS, WrappedKey: []byte{1, 2, 3}, Context: map[string]string{"a": "b"}}}},
		Parts: []Part{{Number: 1, Blob: id, Size: 10, StoredSize: 12, ETag: `"abc"`, Nonce: []byte{9}}},
		// A caller-chosen version id is ignored: the bucket decides.
		VersionID: "mine", StorageClass: "STANDARD",
	}
	stored, garbage, err := s.PutObject(in)
	if err != nil {
		t.Fatalf("PutObject: %v", err)
	}
	if stored.VersionID != NullVersion || !stored.IsLatest || len(garbage) != 0 {
		t.Fatalf("PutObject = version %q latest %v garbage %v", stored.VersionID, stored.IsLatest, garbage)
	}
	got, err := s.GetObject("b", in.Key, "")
	if err != nil {
		t.Fatalf("GetObject: %v", err)
	}
	if got.ETag != `"abc"` || !got.LastModified.Equal(mod) || got.Headers["Cache-Control"] != "no-cache" ||
		got.UserMeta["owner"] != "me" || got.Encryption.Layers[0].Context["a"] != "b" ||
		string(got.Encryption.Layers[0].WrappedKey) != "\x01\x02\x03" || got.Parts[0].StoredSize != 12 ||
		got.Checksums["CRC32"] != "AAAAAA==" || !got.IsLatest || got.VersionID != NullVersion {
		t.Fatalf("GetObject = %+v", got)
	}
	if data := readData(t, s, got); data != "ciphertext-1" {
		t.Fatalf("blob = %q", data)
	}
	if _, err := s.GetObject("b", "missing", ""); !errors.Is(err, ErrNoSuchKey) {
		t.Fatalf("GetObject(missing): got %v, want ErrNoSuchKey", err)
	}
	if _, err := s.GetObject("b", in.Key, "v123"); !errors.Is(err, ErrNoSuchVersion) {
		t.Fatalf("GetObject(bad version): got %v, want ErrNoSuchVersion", err)
	}
	if _, err := s.GetObject("nope", in.Key, ""); !errors.Is(err, ErrNoSuchBucket) {
		t.Fatalf("GetObject(no bucket): got %v, want ErrNoSuchBucket", err)
	}
	if _, _, err := s.PutObject(Object{Bucket: "nope", Key: "k"}); !errors.Is(err, ErrNoSuchBucket) {
		t.Fatalf("PutObject(no bucket): got %v, want ErrNoSuchBucket", err)
	}
	for _, bad := range []string{"", "a\x00b"} {
		if _, _, err := s.PutObject(Object{Bucket: "b", Key: bad}); !errors.Is(err, ErrInvalidKey) {
			t.Fatalf("PutObject(%q): got %v, want ErrInvalidKey", bad, err)
		}
	}
}

func TestUnversionedOverwriteAndDelete(t *testing.T) {
	s := openTest(t)
	mustCreateBucket(t, s, "b", "")
	first, _ := putData(t, s, "b", "k", "one")
	second, garbage := putData(t, s, "b", "k", "two")
	if !slices.Equal(garbage, []string{first.Parts[0].Blob}) {
		t.Fatalf("overwrite garbage = %v, want the first blob", garbage)
	}
	if blobExists(s, first.Parts[0].Blob) || second.VersionID != NullVersion {
		t.Fatalf("old blob kept or version %q", second.VersionID)
	}
	if got := getData(t, s, "b", "k", ""); got != "two" {
		t.Fatalf("after overwrite: %q", got)
	}
	deleted, garbage, err := s.DeleteObject("b", "k", "")
	if err != nil || deleted.VersionID != NullVersion || deleted.DeleteMarker {
		t.Fatalf("DeleteObject = %+v, %v", deleted, err)
	}
	if !slices.Equal(garbage, []string{second.Parts[0].Blob}) {
		t.Fatalf("delete garbage = %v", garbage)
	}
	o, err := s.GetObject("b", "k", "")
	if !errors.Is(err, ErrNoSuchKey) || o.DeleteMarker {
		t.Fatalf("GetObject after delete = %+v, %v", o, err)
	}
	deleted, garbage, err = s.DeleteObject("b", "k", "")
	if err != nil || deleted.Key != "" || garbage != nil {
		t.Fatalf("deleting a missing key = %+v, %v, %v; want zero, nil", deleted, garbage, err)
	}
	if res, _ := s.ListVersions("b", ListOptions{}); len(res.Objects) != 0 {
		t.Fatalf("versions left: %+v", res.Objects)
	}
}

func TestVersioningEnabled(t *testing.T) {
	s := openTest(t)
	mustCreateBucket(t, s, "b", VersioningEnabled)
	v1, _ := putData(t, s, "b", "k", "one")
	v2, garbage := putData(t, s, "b", "k", "two")
	if garbage != nil || v1.VersionID == v2.VersionID || v1.VersionID == NullVersion {
		t.Fatalf("versions %q %q, garbage %v", v1.VersionID, v2.VersionID, garbage)
	}
	if v2.VersionID >= v1.VersionID {
		t.Fatalf("version ids do not sort newest first: %q then %q", v1.VersionID, v2.VersionID)
	}
	if got := getData(t, s, "b", "k", ""); got != "two" {
		t.Fatalf("latest = %q", got)
	}
	if o, err := s.GetObject("b", "k", v1.VersionID); err != nil || o.IsLatest || readData(t, s, o) != "one" {
		t.Fatalf("GetObject(v1) = %+v, %v", o, err)
	}

	marker, garbage, err := s.DeleteObject("b", "k", "")
	if err != nil || !marker.DeleteMarker || marker.VersionID == "" || marker.VersionID == v2.VersionID || garbage != nil {
		t.Fatalf("DeleteObject = %+v, %v, %v", marker, garbage, err)
	}
	o, err := s.GetObject("b", "k", "")
	if !errors.Is(err, ErrNoSuchKey) || !o.DeleteMarker || o.VersionID != marker.VersionID {
		t.Fatalf("GetObject on marker = %+v, %v", o, err)
	}
	if o, err := s.GetObject("b", "k", marker.VersionID); err != nil || !o.DeleteMarker || !o.IsLatest {
		t.Fatalf("GetObject(marker id) = %+v, %v", o, err)
	}
	if res, _ := s.ListObjects("b", ListOptions{}); len(res.Objects) != 0 {
		t.Fatalf("ListObjects shows a deleted key: %+v", res.Objects)
	}
	assertVersions(t, s, "b", []string{marker.VersionID, v2.VersionID, v1.VersionID}, []bool{true, false, false})

	// Removing the marker brings v2 back.
	deleted, garbage, err := s.DeleteObject("b", "k", marker.VersionID)
	if err != nil || !deleted.DeleteMarker || garbage != nil {
		t.Fatalf("delete marker by id = %+v, %v, %v", deleted, garbage, err)
	}
	if got := getData(t, s, "b", "k", ""); got != "two" {
		t.Fatalf("after removing marker: %q", got)
	}
	if res, _ := s.ListObjects("b", ListOptions{}); len(res.Objects) != 1 || res.Objects[0].VersionID != v2.VersionID {
		t.Fatalf("ListObjects = %+v", res.Objects)
	}
	// Removing v2 by id returns its blob and makes v1 latest.
	garbage, err = deleteVersion(s, "b", "k", v2.VersionID)
	if err != nil || !slices.Equal(garbage, []string{v2.Parts[0].Blob}) {
		t.Fatalf("delete v2 = %v, %v", garbage, err)
	}
	if got := getData(t, s, "b", "k", ""); got != "one" {
		t.Fatalf("after removing v2: %q", got)
	}
	d, _, err := s.DeleteObject("b", "k", v2.VersionID)
	if !errors.Is(err, ErrNoSuchVersion) || d.VersionID != v2.VersionID || d.Key != "k" {
		t.Fatalf("deleting a missing version = %+v, %v", d, err)
	}
}

func TestVersioningSuspended(t *testing.T) {
	s := openTest(t)
	mustCreateBucket(t, s, "b", "")
	n1, _ := putData(t, s, "b", "k", "null-1")
	setVersioning(t, s, "b", VersioningEnabled)
	v2, _ := putData(t, s, "b", "k", "v2")
	assertVersions(t, s, "b", []string{v2.VersionID, NullVersion}, []bool{true, false})
	if got := getData(t, s, "b", "k", NullVersion); got != "null-1" {
		t.Fatalf("null version = %q", got)
	}

	setVersioning(t, s, "b", VersioningSuspended)
	n3, garbage := putData(t, s, "b", "k", "null-3")
	if n3.VersionID != NullVersion || !slices.Equal(garbage, []string{n1.Parts[0].Blob}) {
		t.Fatalf("suspended put = %q, garbage %v", n3.VersionID, garbage)
	}
	// The new null version is the newest, v2 is kept.
	assertVersions(t, s, "b", []string{NullVersion, v2.VersionID}, []bool{true, false})

	marker, garbage, err := s.DeleteObject("b", "k", "")
	if err != nil || !marker.DeleteMarker || marker.VersionID != NullVersion ||
		!slices.Equal(garbage, []string{n3.Parts[0].Blob}) {
		t.Fatalf("suspended delete = %+v, %v, %v", marker, garbage, err)
	}
	s.RemoveBlobs(garbage...)
	assertVersions(t, s, "b", []string{NullVersion, v2.VersionID}, []bool{true, false})
	if o, err := s.GetObject("b", "k", ""); !errors.Is(err, ErrNoSuchKey) || !o.DeleteMarker {
		t.Fatalf("GetObject = %+v, %v", o, err)
	}
	// A put replaces the null marker; nothing to collect.
	n4, garbage := putData(t, s, "b", "k", "null-4")
	if garbage != nil || n4.VersionID != NullVersion {
		t.Fatalf("put over null marker: %q, garbage %v", n4.VersionID, garbage)
	}
	assertVersions(t, s, "b", []string{NullVersion, v2.VersionID}, []bool{true, false})

	// Suspended delete of a key that has no null version still adds a marker.
	setVersioning(t, s, "b", VersioningEnabled)
	putData(t, s, "b", "other", "x")
	setVersioning(t, s, "b", VersioningSuspended)
	marker, garbage, err = s.DeleteObject("b", "other", "")
	if err != nil || !marker.DeleteMarker || marker.VersionID != NullVersion || garbage != nil {
		t.Fatalf("suspended delete without null version = %+v, %v, %v", marker, garbage, err)
	}
}

func assertVersions(t *testing.T, s *Store, bucket string, ids []string, latest []bool) {
	t.Helper()
	res, err := s.ListVersions(bucket, ListOptions{Prefix: "k", Delimiter: "/"})
	if err != nil {
		t.Fatalf("ListVersions: %v", err)
	}
	var gotIDs []string
	var gotLatest []bool
	for _, o := range res.Objects {
		if o.Key == "k" {
			gotIDs = append(gotIDs, o.VersionID)
			gotLatest = append(gotLatest, o.IsLatest)
		}
	}
	if !slices.Equal(gotIDs, ids) || !slices.Equal(gotLatest, latest) {
		t.Fatalf("versions = %v latest %v, want %v latest %v", gotIDs, gotLatest, ids, latest)
	}
}

func TestUpdateObject(t *testing.T) {
	s := openTest(t)
	mustCreateBucket(t, s, "b", VersioningEnabled)
	v1, _ := putData(t, s, "b", "k", "one")
	putData(t, s, "b", "k", "two")

	got, err := s.UpdateObject("b", "k", v1.VersionID, func(o *Object) error {
		o.Encryption.Layers = []KeyLayer{{Wrapping: WrappedByKMS, WrappedKey: []byte("rewrapped")}}
		o.Parts[0].Nonce = []byte{7}
		return nil
	})
	if err != nil || string(got.Encryption.Layers[0].WrappedKey) != "rewrapped" {
		t.Fatalf("UpdateObject = %+v, %v", got, err)
	}
	again, _ := s.GetObject("b", "k", v1.VersionID)
	if string(again.Encryption.Layers[0].WrappedKey) != "rewrapped" || again.Parts[0].Nonce[0] != 7 || again.IsLatest {
		t.Fatalf("update not stored: %+v", again)
	}
	if latest := getData(t, s, "b", "k", ""); latest != "two" {
		t.Fatalf("update changed the latest version: %q", latest)
	}

	cases := []struct {
		name string
		fn   func(*Object) error
		want error
	}{
		{"blob", func(o *Object) error { o.Parts[0].Blob = mustWriteBlob(t, s, "x"); return nil }, ErrBlobsChanged},
		{"parts", func(o *Object) error { o.Parts = nil; return nil }, ErrBlobsChanged},
		{"key", func(o *Object) error { o.Key = "other"; return nil }, ErrIdentityChanged},
		{"version", func(o *Object) error { o.VersionID = "v"; return nil }, ErrIdentityChanged},
		{"marker", func(o *Object) error { o.DeleteMarker = true; return nil }, ErrIdentityChanged},
	}
	for _, c := range cases {
		if _, err := s.UpdateObject("b", "k", v1.VersionID, c.fn); !errors.Is(err, c.want) {
			t.Fatalf("%s change: got %v, want %v", c.name, err, c.want)
		}
	}
	sentinel := errors.New("kms down")
	_, err = s.UpdateObject("b", "k", "", func(o *Object) error {
		o.ContentType = "changed"
		return sentinel
	})
	if !errors.Is(err, sentinel) {
		t.Fatalf("failing fn: got %v", err)
	}
	if o, _ := s.GetObject("b", "k", ""); o.ContentType != "text/plain" {
		t.Fatalf("failed update was stored: %q", o.ContentType)
	}
	if _, err := s.UpdateObject("b", "k", "nope", func(*Object) error { return nil }); !errors.Is(err, ErrNoSuchVersion) {
		t.Fatalf("missing version: got %v", err)
	}
	if _, _, err := s.DeleteObject("b", "k", ""); err != nil {
		t.Fatalf("DeleteObject: %v", err)
	}
	if _, err := s.UpdateObject("b", "k", "", func(*Object) error { return nil }); !errors.Is(err, ErrNoSuchKey) {
		t.Fatalf("latest is a marker: got %v", err)
	}
}

func TestSharedBlobIsCollectedOnce(t *testing.T) {
	s := openTest(t)
	mustCreateBucket(t, s, "b", "")
	id := mustWriteBlob(t, s, "shared")
	part := []Part{{Number: 1, Blob: id, Size: 6, StoredSize: 6}}
	for _, key := range []string{"a", "copy-of-a"} {
		if _, _, err := s.PutObject(Object{Bucket: "b", Key: key, Parts: part}); err != nil {
			t.Fatalf("PutObject: %v", err)
		}
	}
	if _, garbage, err := s.DeleteObject("b", "a", ""); err != nil || garbage != nil {
		t.Fatalf("first delete: garbage %v, %v (blob still used by copy-of-a)", garbage, err)
	}
	if _, garbage, err := s.DeleteObject("b", "copy-of-a", ""); err != nil || !slices.Equal(garbage, []string{id}) {
		t.Fatalf("second delete: garbage %v, %v", garbage, err)
	}
}

func TestReopenKeepsEverything(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{NoSync: true})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	mustCreateBucket(t, s, "b", VersioningEnabled)
	v1, _ := putData(t, s, "b", "k", "one")
	putData(t, s, "b", "k", "two")
	u, err := s.CreateUpload(Upload{Bucket: "b", Key: "big"})
	if err != nil {
		t.Fatalf("CreateUpload: %v", err)
	}
	pid := mustWriteBlob(t, s, "part")
	if _, err := s.PutPart("b", "big", u.ID, Part{Number: 1, Blob: pid}); err != nil {
		t.Fatalf("PutPart: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	s = reopen(t, dir)
	if got := getData(t, s, "b", "k", ""); got != "two" {
		t.Fatalf("latest after reopen = %q", got)
	}
	if got := getData(t, s, "b", "k", v1.VersionID); got != "one" {
		t.Fatalf("v1 after reopen = %q", got)
	}
	parts, err := s.UploadParts("b", "big", u.ID)
	if err != nil || len(parts) != 1 || parts[1].Blob != pid || !blobExists(s, pid) {
		t.Fatalf("parts after reopen = %+v, %v", parts, err)
	}
	// Versions written after the reopen still sort newest first.
	v3, _ := putData(t, s, "b", "k", "three")
	if got := getData(t, s, "b", "k", ""); got != "three" || v3.VersionID == v1.VersionID {
		t.Fatalf("latest after write = %q", got)
	}
}

// reopen opens dir and closes it (after checking it) when the test ends.
func reopen(t *testing.T, dir string) *Store {
	t.Helper()
	s, err := Open(dir, Options{NoSync: true})
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	t.Cleanup(func() {
		if !t.Failed() {
			checkConsistency(t, s)
		}
		_ = s.Close()
	})
	return s
}
