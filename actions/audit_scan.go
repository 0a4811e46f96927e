package actions

import (
	"context"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"golang.org/x/sync/errgroup"
)

// ScannedVersion is one object version and how it is encrypted, as key
// usage and the audit read it: listed with ListObjectVersions, then a
// HEAD of that version.
type ScannedVersion struct {
	Bucket, Key, VersionID string
	// Latest: the current version (false for a noncurrent one).
	Latest     bool
	Size       int64
	Encryption ObjectEncryption
	// ClientSide is the S3 Encryption Client format, 0 when none;
	// ClientSideLegacy names a legacy part ("" when none).
	ClientSide       int
	ClientSideLegacy string
	// SSEC: the HEAD without a key answered as S3 does for SSE-C.
	SSEC bool
	// Err says why the HEAD failed otherwise ("" when it did not).
	Err string
}

// Mode names the version's encryption: SSE-S3, SSE-KMS, DSSE-KMS, SSE-C,
// client-side, none, or "unknown" when its HEAD failed.
func (v ScannedVersion) Mode() string {
	switch {
	case v.Err != "":
		return "unknown"
	case v.ClientSide > 0:
		return "client-side"
	case v.SSEC:
		return "SSE-C"
	}
	return v.Encryption.Mode()
}

// versionScan lists every object version of a bucket and HEADs each,
// limit at a time, handing each to fn one at a time. Memory stays bounded:
// at most one listing page and limit HEADs are in flight.
type versionScan struct {
	env    *Env
	r      *Reporter
	limit  int
	mu     sync.Mutex
	listed int64 // versions listed so far, every bucket
	headed int64 // versions HEADed so far
	// Requests counts the S3 requests the scan sent (lists and HEADs).
	Requests int64
}

// bucket scans one bucket. A backend without ListObjectVersions (an
// endpoint that answers NotImplemented) is listed with ListObjectsV2
// instead: current versions only, and the returned note says so.
func (s *versionScan) bucket(ctx context.Context, name string, fn func(ScannedVersion)) (note string, err error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var heads errgroup.Group
	heads.SetLimit(s.limit)
	emit := func(v ScannedVersion) {
		heads.Go(func() error {
			if ctx.Err() != nil {
				return nil
			}
			s.head(ctx, &v)
			s.mu.Lock()
			defer s.mu.Unlock()
			s.headed++
			s.Requests++
			fn(v)
			s.r.Progress(s.headed, -1)
			return nil
		})
	}
	err = s.listVersions(ctx, name, emit)
	if code, _, _ := apiError(err); code == "NotImplemented" {
		note = "s3://" + name + ": the endpoint does not list versions, so only current objects were read"
		err = s.listCurrent(ctx, name, emit)
	}
	if err != nil {
		cancel()
	}
	_ = heads.Wait()
	if err == nil {
		err = ctx.Err()
	}
	return note, err
}

func (s *versionScan) count(n int) {
	s.mu.Lock()
	s.listed += int64(n)
	s.Requests++
	s.mu.Unlock()
}

// listVersions is the one version listing (eachVersionPage) with the
// delete markers left out: a marker has no data and no encryption.
func (s *versionScan) listVersions(ctx context.Context, bucket string, emit func(ScannedVersion)) error {
	return eachVersionPage(ctx, s.env, s.r, bucket, "", func(page []VersionEntry) error {
		n := 0
		for _, v := range page {
			if !v.DeleteMarker {
				n++
			}
		}
		s.count(n)
		for _, v := range page {
			if !v.DeleteMarker {
				emit(ScannedVersion{Bucket: bucket, Key: v.Key, VersionID: v.VersionID, Latest: v.IsLatest, Size: v.Size})
			}
		}
		return nil
	})
}

func (s *versionScan) listCurrent(ctx context.Context, bucket string, emit func(ScannedVersion)) error {
	p := s3.NewListObjectsV2Paginator(s.env.Backend.S3, &s3.ListObjectsV2Input{Bucket: &bucket})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx, withJob(s.r))
		if err != nil {
			return err
		}
		s.count(len(page.Contents))
		for _, o := range page.Contents {
			emit(ScannedVersion{Bucket: bucket, Key: aws.ToString(o.Key), Latest: true, Size: aws.ToInt64(o.Size)})
		}
	}
	return nil
}

// head reads v's encryption with the listing's HEAD (headEntryVersion).
// The current version is read without a version id (so unversioned
// endpoints answer too); a noncurrent one by its id.
func (s *versionScan) head(ctx context.Context, v *ScannedVersion) {
	version := v.VersionID
	if v.Latest {
		version = ""
	}
	e := ObjectEntry{Key: v.Key}
	headEntryVersion(ctx, s.env, s.r, v.Bucket, version, &e)
	v.Encryption, v.ClientSide, v.ClientSideLegacy = e.Encryption, e.ClientSide, e.ClientSideLegacy
	v.SSEC, v.Err = e.SSECKeyRequired, e.HeadError
}

// listBucketNames lists every bucket (ListBuckets), for a scan of all.
func listBucketNames(ctx context.Context, env *Env, r *Reporter) ([]string, error) {
	var names []string
	p := s3.NewListBucketsPaginator(env.Backend.S3, &s3.ListBucketsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx, withJob(r))
		if err != nil {
			return nil, err
		}
		for _, b := range page.Buckets {
			names = append(names, aws.ToString(b.Name))
		}
	}
	return names, nil
}
