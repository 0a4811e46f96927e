package store

import (
	"errors"
	"slices"
	"testing"
	"time"
)

func TestBucketCRUD(t *testing.T) {
	s := openTest(t)
	created := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	want := Bucket{
		Name: "photos", Region: "eu-west-1", Created: created,
		Encryption: BucketEncryption{SSEAlgorithm: "aws:kms", KMSMasterKeyID: "alias/x", BucketKeyEnabled: true,
			BlockedEncryptionTypes: []string{"SSE-C"}},
	}
	if err := s.CreateBucket(want); err != nil {
		t.Fatalf("CreateBucket: %v", err)
	}
	if err := s.CreateBucket(Bucket{Name: "photos"}); !errors.Is(err, ErrBucketExists) {
		t.Fatalf("second CreateBucket: got %v, want ErrBucketExists", err)
	}
	if err := s.CreateBucket(Bucket{}); !errors.Is(err, ErrInvalidBucket) {
		t.Fatalf("CreateBucket without name: got %v, want ErrInvalidBucket", err)
	}
	got, err := s.GetBucket("photos")
	if err != nil {
		t.Fatalf("GetBucket: %v", err)
	}
	if got.Name != want.Name || got.Region != want.Region || !got.Created.Equal(created) ||
		got.Encryption.KMSMasterKeyID != "alias/x" || !got.Encryption.BucketKeyEnabled ||
		!slices.Equal(got.Encryption.BlockedEncryptionTypes, []string{"SSE-C"}) {
		t.Fatalf("GetBucket = %+v, want %+v", got, want)
	}
	if _, err := s.GetBucket("nope"); !errors.Is(err, ErrNoSuchBucket) {
		t.Fatalf("GetBucket(nope): got %v, want ErrNoSuchBucket", err)
	}

	mustCreateBucket(t, s, "archive", "")
	mustCreateBucket(t, s, "zeta", "")
	list, err := s.ListBuckets()
	if err != nil {
		t.Fatalf("ListBuckets: %v", err)
	}
	var names []string
	for _, b := range list {
		names = append(names, b.Name)
	}
	if !slices.Equal(names, []string{"archive", "photos", "zeta"}) {
		t.Fatalf("ListBuckets names = %v", names)
	}

	if _, err := s.DeleteBucket("zeta"); err != nil {
		t.Fatalf("DeleteBucket: %v", err)
	}
	if _, err := s.GetBucket("zeta"); !errors.Is(err, ErrNoSuchBucket) {
		t.Fatalf("GetBucket after delete: got %v", err)
	}
	if _, err := s.DeleteBucket("zeta"); !errors.Is(err, ErrNoSuchBucket) {
		t.Fatalf("second DeleteBucket: got %v, want ErrNoSuchBucket", err)
	}
}

func TestUpdateBucket(t *testing.T) {
	s := openTest(t)
	mustCreateBucket(t, s, "b", "")
	err := s.UpdateBucket("b", func(b *Bucket) error {
		b.Versioning = VersioningEnabled
		b.Encryption.SSEAlgorithm = "AES256"
		b.Name = "renamed"
		return nil
	})
	if err != nil {
		t.Fatalf("UpdateBucket: %v", err)
	}
	got, err := s.GetBucket("b")
	if err != nil {
		t.Fatalf("GetBucket: %v", err)
	}
	if got.Versioning != VersioningEnabled || got.Encryption.SSEAlgorithm != "AES256" || got.Name != "b" {
		t.Fatalf("after update: %+v", got)
	}
	sentinel := errors.New("refused")
	err = s.UpdateBucket("b", func(b *Bucket) error {
		b.Versioning = VersioningSuspended
		return sentinel
	})
	if !errors.Is(err, sentinel) {
		t.Fatalf("UpdateBucket with failing fn: got %v", err)
	}
	if got, _ := s.GetBucket("b"); got.Versioning != VersioningEnabled {
		t.Fatalf("failed update changed the bucket: %+v", got)
	}
	if err := s.UpdateBucket("nope", func(*Bucket) error { return nil }); !errors.Is(err, ErrNoSuchBucket) {
		t.Fatalf("UpdateBucket(nope): got %v", err)
	}
}

func TestDeleteBucketNotEmpty(t *testing.T) {
	s := openTest(t)

	// An object.
	mustCreateBucket(t, s, "objects", "")
	putData(t, s, "objects", "k", "data")
	if _, err := s.DeleteBucket("objects"); !errors.Is(err, ErrBucketNotEmpty) {
		t.Fatalf("DeleteBucket with object: got %v", err)
	}
	if _, garbage, err := s.DeleteObject("objects", "k", ""); err != nil || len(garbage) != 1 {
		t.Fatalf("DeleteObject: %v, garbage %v", err, garbage)
	}
	if _, err := s.DeleteBucket("objects"); err != nil {
		t.Fatalf("DeleteBucket once empty: %v", err)
	}

	// Only a delete marker left.
	mustCreateBucket(t, s, "markers", VersioningEnabled)
	o, _ := putData(t, s, "markers", "k", "data")
	if _, _, err := s.DeleteObject("markers", "k", ""); err != nil {
		t.Fatalf("DeleteObject: %v", err)
	}
	garbage, err := deleteVersion(s, "markers", "k", o.VersionID)
	if err != nil || len(garbage) != 1 {
		t.Fatalf("delete version: %v, garbage %v", err, garbage)
	}
	if _, err := s.DeleteBucket("markers"); !errors.Is(err, ErrBucketNotEmpty) {
		t.Fatalf("DeleteBucket with a delete marker: got %v", err)
	}

	// Only an upload in progress.
	mustCreateBucket(t, s, "uploads", "")
	u, err := s.CreateUpload(Upload{Bucket: "uploads", Key: "big"})
	if err != nil {
		t.Fatalf("CreateUpload: %v", err)
	}
	// ... is deleted with the bucket, as on AWS.
	if _, err := s.DeleteBucket("uploads"); err != nil {
		t.Fatalf("DeleteBucket with only an upload: %v", err)
	}
	if _, err := s.AbortUpload("uploads", "big", u.ID); !errors.Is(err, ErrNoSuchBucket) {
		t.Fatalf("AbortUpload after DeleteBucket: %v", err)
	}

	// A bucket made again under a deleted name starts empty.
	mustCreateBucket(t, s, "objects", "")
	if res, err := s.ListVersions("objects", ListOptions{}); err != nil || len(res.Objects) != 0 {
		t.Fatalf("recreated bucket lists %v, %v", res.Objects, err)
	}
}

func deleteVersion(s *Store, bucket, key, versionID string) ([]string, error) {
	_, garbage, err := s.DeleteObject(bucket, key, versionID)
	s.RemoveBlobs(garbage...)
	return garbage, err
}
