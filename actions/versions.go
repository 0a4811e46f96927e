package actions

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"golang.org/x/sync/errgroup"
)

// The bucket versioning states S3 reports (VersioningUnset: never turned
// on, GetBucketVersioning answers no Status).
const (
	VersioningEnabled   = "Enabled"
	VersioningSuspended = "Suspended"
	VersioningUnset     = ""
)

// VersioningResult is a bucket's versioning state.
type VersioningResult struct {
	Bucket    string   `json:"Bucket"`
	Status    string   `json:"Status"` // Enabled, Suspended, or "" (never enabled)
	MFADelete string   `json:"MFADelete,omitempty"`
	Notes     []string `json:"Notes,omitempty"`
}

// StatusText is Status for people: "never enabled" when S3 gave none.
func (v VersioningResult) StatusText() string {
	if v.Status == VersioningUnset {
		return "never enabled"
	}
	return v.Status
}

// GetBucketVersioning reads a bucket's versioning state.
type GetBucketVersioning struct{ Bucket string }

// Describe implements Action.
func (g *GetBucketVersioning) Describe() string { return "read the versioning of s3://" + g.Bucket }

// Run implements Action.
func (g *GetBucketVersioning) Run(ctx context.Context, env *Env, r *Reporter) (any, error) {
	r.Command(AWSCommand(env, "s3api", "get-bucket-versioning", "--bucket", g.Bucket))
	res, err := bucketVersioning(ctx, env, r, g.Bucket)
	if err != nil {
		return nil, Diagnose(g.Describe(), err, Hint{Bucket: g.Bucket})
	}
	res.Notes = versioningNotes(res.Status)
	return res, nil
}

// bucketVersioning asks S3 for a bucket's versioning state.
func bucketVersioning(ctx context.Context, env *Env, r *Reporter, bucket string) (VersioningResult, error) {
	r.Step(Step{Actor: You, To: S3, Op: OpRequest, Title: "GetBucketVersioning", Observed: true,
		Detail: "you ask S3 whether the bucket keeps versions"})
	out, err := env.Backend.S3.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: &bucket}, withJob(r))
	if err != nil {
		return VersioningResult{}, err
	}
	res := VersioningResult{Bucket: bucket, Status: string(out.Status), MFADelete: string(out.MFADelete)}
	r.Step(Step{Actor: S3, To: You, Op: OpResponse, Title: "200 OK", Observed: true, Detail: "versioning: " + res.StatusText()})
	return res, nil
}

// versioningNotes says what the state means for encryption.
func versioningNotes(status string) []string {
	switch status {
	case VersioningEnabled:
		return []string{"every write keeps the previous version, each with its own encryption and keys; a delete adds a delete marker"}
	case VersioningSuspended:
		return []string{"new writes replace the null version; versions kept from before stay, each with its own encryption"}
	}
	return []string{"writes replace the object; turn versioning on to keep every version (s3crypt versioning put s3://BUCKET --enable)"}
}

// PutBucketVersioning turns a bucket's versioning on or suspends it.
type PutBucketVersioning struct {
	Bucket string
	Status string // VersioningEnabled or VersioningSuspended
}

// Describe implements Action.
func (p *PutBucketVersioning) Describe() string {
	verb := map[string]string{VersioningEnabled: "enable", VersioningSuspended: "suspend"}[p.Status]
	return verb + " versioning of s3://" + p.Bucket
}

// Run implements Action.
func (p *PutBucketVersioning) Run(ctx context.Context, env *Env, r *Reporter) (any, error) {
	if p.Status != VersioningEnabled && p.Status != VersioningSuspended {
		return nil, &Error{Op: p.Describe(), Kind: KindInvalidRequest, What: fmt.Sprintf("versioning status %q is not Enabled or Suspended", p.Status),
			Fix: "Use --enable or --suspend"}
	}
	r.Command(AWSCommand(env, "s3api", "put-bucket-versioning", "--bucket", p.Bucket, "--versioning-configuration", "Status="+p.Status))
	r.Step(Step{Actor: You, To: S3, Op: OpRequest, Title: "PutBucketVersioning", Observed: true,
		Detail: "you set the bucket's versioning to " + p.Status})
	_, err := env.Backend.S3.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: &p.Bucket,
		VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatus(p.Status)}}, withJob(r))
	if err != nil {
		return nil, Diagnose(p.Describe(), err, Hint{Bucket: p.Bucket, Write: true})
	}
	r.Step(Step{Actor: S3, To: You, Op: OpResponse, Title: "200 OK", Observed: true, Detail: "versioning is now " + p.Status})
	res, err := bucketVersioning(ctx, env, r, p.Bucket)
	if err != nil {
		return nil, Diagnose(p.Describe(), err, Hint{Bucket: p.Bucket})
	}
	res.Notes = versioningNotes(res.Status)
	return res, nil
}

// VersionEntry is one version of an object, or a delete marker, with how
// the version is encrypted (read with a HEAD of that version).
type VersionEntry struct {
	ObjectEntry
	VersionID    string `json:"versionId"`
	IsLatest     bool   `json:"isLatest"`
	DeleteMarker bool   `json:"deleteMarker"`
}

// ListVersionsResult is every version under a prefix.
type ListVersionsResult struct {
	Bucket   string         `json:"bucket"`
	Prefix   string         `json:"prefix"`
	Versions []VersionEntry `json:"versions"` // by key, newest first; delete markers included
	Notes    []string       `json:"notes,omitempty"`
}

// ListObjectVersions lists every version of the objects under a prefix
// with each version's own encryption (`s3crypt ls --versions`).
type ListObjectVersions struct {
	Bucket, Prefix string
	Concurrency    int  // HeadObject requests at once (default 16)
	NoHeads        bool // list only, encryption left unread
}

// Describe implements Action.
func (l *ListObjectVersions) Describe() string {
	return "list the versions in s3://" + l.Bucket + "/" + l.Prefix
}

// Run implements Action.
func (l *ListObjectVersions) Run(ctx context.Context, env *Env, r *Reporter) (any, error) {
	args := []string{"s3api", "list-object-versions", "--bucket", l.Bucket}
	if l.Prefix != "" {
		args = append(args, "--prefix", l.Prefix)
	}
	c := AWSCommand(env, args...)
	if !l.NoHeads {
		c.Note = "list-object-versions does not say how versions are encrypted: s3crypt also sends a HeadObject per version (aws s3api head-object --version-id V)"
	}
	r.Command(c)
	vs, err := ListVersions(ctx, env, r, l.Bucket, l.Prefix, !l.NoHeads, l.Concurrency)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, Diagnose(l.Describe(), err, Hint{Bucket: l.Bucket})
	}
	res := ListVersionsResult{Bucket: l.Bucket, Prefix: l.Prefix, Versions: vs}
	if !l.NoHeads {
		entries := make([]*ObjectEntry, 0, len(vs))
		for i := range res.Versions {
			if !res.Versions[i].DeleteMarker {
				entries = append(entries, &res.Versions[i].ObjectEntry)
			}
		}
		res.Notes = labelEntries(ctx, env, r, entries)
	}
	markers := 0
	for i := range res.Versions {
		if res.Versions[i].DeleteMarker {
			res.Versions[i].Label = "delete marker"
			markers++
		} else if l.NoHeads {
			res.Versions[i].Label = "?"
		}
	}
	if markers > 0 {
		res.Notes = append(res.Notes, fmt.Sprintf("%d delete marker(s): a marker has no data and no encryption; it hides the versions under it, which keep their own keys", markers))
	}
	r.Step(Step{Actor: S3, To: You, Op: OpResponse, Title: "200 OK", Observed: true,
		Detail: fmt.Sprintf("%d versions and %d delete markers", len(res.Versions)-markers, markers)})
	return res, nil
}

// ListVersions pages through ListObjectVersions under prefix and returns
// every version and delete marker, by key and newest first. With heads,
// each version (not the markers) is HEADed by version id, concurrency at
// a time (default 16), so each carries its own encryption (unlabelled:
// labelEntries names KMS aliases). Other features reuse it.
func ListVersions(ctx context.Context, env *Env, r *Reporter, bucket, prefix string, heads bool, concurrency int) ([]VersionEntry, error) {
	r.Step(Step{Actor: You, To: S3, Op: OpRequest, Title: "ListObjectVersions", Observed: true,
		Detail: "you ask S3 for every version and delete marker, page by page"})
	var out []VersionEntry
	err := eachVersionPage(ctx, env, r, bucket, prefix, func(page []VersionEntry) error {
		out = append(out, page...)
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(out, func(a, b VersionEntry) int {
		if c := strings.Compare(a.Key, b.Key); c != 0 {
			return c
		}
		if a.IsLatest != b.IsLatest {
			if a.IsLatest {
				return -1
			}
			return 1
		}
		return b.LastModified.Compare(a.LastModified)
	})
	if heads {
		var g errgroup.Group
		g.SetLimit(concurrencyOr(concurrency))
		for i := range out {
			if out[i].DeleteMarker {
				continue
			}
			e := &out[i]
			g.Go(func() error {
				if ctx.Err() == nil {
					headEntryVersion(ctx, env, r, bucket, e.VersionID, &e.ObjectEntry)
				}
				return nil
			})
		}
		_ = g.Wait()
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// eachVersionPage pages through ListObjectVersions under prefix ("" for
// the whole bucket) and hands fn each page's versions, then its delete
// markers, one page at a time: the one version listing that ListVersions
// (which keeps them all) and the audit and key-usage scan (which keeps
// none) share. fn's error stops the paging and is returned.
func eachVersionPage(ctx context.Context, env *Env, r *Reporter, bucket, prefix string, fn func([]VersionEntry) error) error {
	in := &s3.ListObjectVersionsInput{Bucket: &bucket}
	if versionPageSize > 0 {
		in.MaxKeys = aws.Int32(versionPageSize)
	}
	if prefix != "" {
		in.Prefix = &prefix
	}
	p := s3.NewListObjectVersionsPaginator(env.Backend.S3, in)
	var entries []VersionEntry
	for p.HasMorePages() {
		page, err := p.NextPage(ctx, withJob(r))
		if err != nil {
			return err
		}
		entries = entries[:0]
		for _, v := range page.Versions {
			entries = append(entries, VersionEntry{ObjectEntry: ObjectEntry{Key: aws.ToString(v.Key), Size: aws.ToInt64(v.Size),
				LastModified: aws.ToTime(v.LastModified), ETag: aws.ToString(v.ETag), StorageClass: string(v.StorageClass)},
				VersionID: aws.ToString(v.VersionId), IsLatest: aws.ToBool(v.IsLatest)})
		}
		for _, m := range page.DeleteMarkers {
			entries = append(entries, VersionEntry{ObjectEntry: ObjectEntry{Key: aws.ToString(m.Key), LastModified: aws.ToTime(m.LastModified)},
				VersionID: aws.ToString(m.VersionId), IsLatest: aws.ToBool(m.IsLatest), DeleteMarker: true})
		}
		if err := fn(entries); err != nil {
			return err
		}
	}
	return nil
}

// versionPageSize, when set, asks for pages that small (tests page a
// few versions; S3's default is 1000).
var versionPageSize int32

// CurrentVersions keeps the latest version of each key that is not a
// delete marker: what a plain listing shows.
func CurrentVersions(vs []VersionEntry) []VersionEntry {
	var out []VersionEntry
	for _, v := range vs {
		if v.IsLatest && !v.DeleteMarker {
			out = append(out, v)
		}
	}
	return out
}

// olderVersionCount counts non-current versions (not markers), by key.
func olderVersionCount(vs []VersionEntry) (n int, bytes int64) {
	for _, v := range vs {
		if !v.IsLatest && !v.DeleteMarker {
			n++
			bytes += v.Size
		}
	}
	return n, bytes
}
