package actions

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"golang.org/x/sync/errgroup"

	s3c "github.com/s3crypt/s3crypt/crypto"
)

// defaultHeadConcurrency bounds the HeadObject requests a listing sends at
// once.
const defaultHeadConcurrency = 16

// ListBuckets lists the buckets with their default encryption (`s3crypt ls`).
type ListBuckets struct {
	Concurrency int // GetBucketEncryption requests at once (default 16)
}

// BucketInfo is one bucket and its default encryption.
type BucketInfo struct {
	Name       string            `json:"name"`
	Created    time.Time         `json:"created"`
	Region     string            `json:"region,omitempty"`
	Encryption *BucketEncryption `json:"encryption,omitempty"` // nil: none, or unreadable
	// EncryptionError says why Encryption could not be read.
	EncryptionError string `json:"encryptionError,omitempty"`
}

// ListBucketsResult is every bucket the backend shows.
type ListBucketsResult struct {
	Buckets []BucketInfo `json:"buckets"`
}

// Describe implements Action.
func (l *ListBuckets) Describe() string { return "list buckets" }

// Run implements Action.
func (l *ListBuckets) Run(ctx context.Context, env *Env, r *Reporter) (any, error) {
	c := AWSCommand(env, "s3api", "list-buckets")
	c.Note = "list-buckets does not say how buckets are encrypted: s3crypt also sends a GetBucketEncryption per bucket (aws s3api get-bucket-encryption --bucket B)"
	r.Command(c)
	r.Step(Step{Actor: You, To: S3, Op: OpRequest, Title: "ListBuckets", Observed: true, Detail: "you ask S3 for your buckets, then each bucket's default encryption"})
	var res ListBucketsResult
	p := s3.NewListBucketsPaginator(env.Backend.S3, &s3.ListBucketsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx, withJob(r))
		if err != nil {
			return nil, Diagnose(l.Describe(), err, Hint{})
		}
		for _, b := range page.Buckets {
			res.Buckets = append(res.Buckets, BucketInfo{Name: aws.ToString(b.Name), Created: aws.ToTime(b.CreationDate), Region: aws.ToString(b.BucketRegion)})
		}
	}
	forEachBounded(ctx, len(res.Buckets), concurrencyOr(l.Concurrency), func(i int) {
		b := &res.Buckets[i]
		enc, err := getBucketEncryption(ctx, env, r, b.Name)
		if err != nil {
			b.EncryptionError = apiErrorText(err)
			return
		}
		b.Encryption = enc
	})
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	r.Step(Step{Actor: S3, To: You, Op: OpResponse, Title: "200 OK", Observed: true, Detail: fmt.Sprintf("%d buckets", len(res.Buckets))})
	return res, nil
}

func concurrencyOr(n int) int {
	if n > 0 {
		return n
	}
	return defaultHeadConcurrency
}

// forEachBounded calls f(0…n-1), at most limit at once, and waits; it
// stops starting calls when ctx ends.
func forEachBounded(ctx context.Context, n, limit int, f func(i int)) {
	var g errgroup.Group
	g.SetLimit(limit)
	for i := 0; i < n && ctx.Err() == nil; i++ {
		g.Go(func() error { f(i); return nil })
	}
	_ = g.Wait()
}

// ListObjects lists a bucket's objects under a prefix with how each one is
// encrypted (`s3crypt ls s3://B/P`). ListObjectsV2 does not say, so it
// sends a HeadObject per object, Concurrency at a time, while it pages.
type ListObjects struct {
	Bucket, Prefix string
	Delimiter      string // "/" shows folders; "" lists every key under Prefix
	Concurrency    int    // HeadObject requests at once (default 16)
	// Token continues a listing where a result's Next left it.
	Token string
	// MaxKeys is the page size (0: S3's, 1000); Pages stops after that
	// many pages (0: all), leaving Next set when more remain.
	MaxKeys, Pages int
	// NoHeads lists only: each entry's encryption is left unread (read it
	// later, for the entries shown, with HeadObjects).
	NoHeads bool
}

// ObjectEntry is one listed object and its encryption.
type ObjectEntry struct {
	Key          string           `json:"key"`
	Size         int64            `json:"size"`
	LastModified time.Time        `json:"lastModified"`
	ETag         string           `json:"etag"`
	StorageClass string           `json:"storageClass,omitempty"`
	Encryption   ObjectEncryption `json:"encryption"`
	KMSAlias     string           `json:"kmsAlias,omitempty"`
	// ClientSide is the S3 Encryption Client format (2, 3) when the
	// object's metadata shows one; S3's encryption then wraps ciphertext.
	ClientSide int `json:"clientSideFormat,omitempty"`
	// ClientSideLegacy names the legacy part of a client-side object that
	// S3 Encryption Clients read only when told to ("" when none).
	ClientSideLegacy string `json:"clientSideLegacy,omitempty"`
	// ClientSideInstruction: the envelope is in KEY.instruction, listed
	// beside the object, whose own metadata shows none.
	ClientSideInstruction bool `json:"clientSideInstructionFile,omitempty"`
	// SSECKeyRequired: HEAD without a key answered the bare 400 S3 gives
	// for SSE-C objects.
	SSECKeyRequired bool   `json:"sseCustomerKeyRequired,omitempty"`
	HeadError       string `json:"headError,omitempty"`
	Label           string `json:"label"` // e.g. "SSE-KMS alias/demo B"
}

// ListObjectsResult is a listing.
type ListObjectsResult struct {
	Bucket    string        `json:"bucket"`
	Prefix    string        `json:"prefix"`
	Delimiter string        `json:"delimiter,omitempty"`
	Prefixes  []string      `json:"prefixes"` // "folders" (with a delimiter)
	Objects   []ObjectEntry `json:"objects"`
	Pages     int           `json:"pages"`
	// Next continues the listing (ListObjects.Token) when Pages stopped it.
	Next  string   `json:"nextContinuationToken,omitempty"`
	Notes []string `json:"notes,omitempty"`
}

// Describe implements Action.
func (l *ListObjects) Describe() string { return "list s3://" + l.Bucket + "/" + l.Prefix }

// Run implements Action.
func (l *ListObjects) Run(ctx context.Context, env *Env, r *Reporter) (any, error) {
	args := []string{"s3api", "list-objects-v2", "--bucket", l.Bucket}
	if l.Prefix != "" {
		args = append(args, "--prefix", l.Prefix)
	}
	if l.Delimiter != "" {
		args = append(args, "--delimiter", l.Delimiter)
	}
	c := AWSCommand(env, args...)
	if !l.NoHeads {
		c.Note = fmt.Sprintf("list-objects-v2 does not say how objects are encrypted: s3crypt also sends a HeadObject per object (aws s3api head-object), %d at a time", concurrencyOr(l.Concurrency))
	}
	r.Command(c)
	r.Step(Step{Actor: You, To: S3, Op: OpRequest, Title: "ListObjectsV2", Observed: true,
		Detail: "you ask S3 for the keys, page by page, and HEAD each object to read its encryption headers"})
	res := ListObjectsResult{Bucket: l.Bucket, Prefix: l.Prefix, Delimiter: l.Delimiter, Prefixes: []string{}, Objects: []ObjectEntry{}}
	entries, err := l.listAndHead(ctx, env, r, &res)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, Diagnose(l.Describe(), err, Hint{Bucket: l.Bucket})
	}
	if l.NoHeads {
		for _, e := range entries {
			e.Label = "?"
		}
	} else {
		l.instructionEntries(ctx, env, r, entries)
		res.Notes = labelEntries(ctx, env, r, entries)
	}
	for _, e := range entries {
		res.Objects = append(res.Objects, *e)
	}
	enc := modeCounts(res.Objects)
	if l.NoHeads {
		enc = "encryption not read (no HEADs)"
	}
	r.Step(Step{Actor: S3, To: You, Op: OpResponse, Title: "200 OK", Observed: true,
		Detail: fmt.Sprintf("%d objects and %d prefixes in %d pages; %s", len(res.Objects), len(res.Prefixes), res.Pages, enc)})
	return res, nil
}

// listAndHead pages through the listing and HEADs each object as soon as
// its page arrives, a bounded number at a time.
func (l *ListObjects) listAndHead(ctx context.Context, env *Env, r *Reporter, res *ListObjectsResult) ([]*ObjectEntry, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		entries []*ObjectEntry
		heads   errgroup.Group
	)
	heads.SetLimit(concurrencyOr(l.Concurrency))
	in := &s3.ListObjectsV2Input{Bucket: &l.Bucket}
	if l.Prefix != "" {
		in.Prefix = &l.Prefix
	}
	if l.Delimiter != "" {
		in.Delimiter = &l.Delimiter
	}
	if l.Token != "" {
		in.ContinuationToken = &l.Token
	}
	if l.MaxKeys > 0 {
		in.MaxKeys = aws.Int32(int32(l.MaxKeys))
	}
	var err error
	for p := s3.NewListObjectsV2Paginator(env.Backend.S3, in); p.HasMorePages() && err == nil; {
		if l.Pages > 0 && res.Pages == l.Pages {
			break
		}
		var page *s3.ListObjectsV2Output
		if page, err = p.NextPage(ctx, withJob(r)); err != nil {
			break
		}
		res.Pages++
		res.Next = ""
		if aws.ToBool(page.IsTruncated) {
			res.Next = aws.ToString(page.NextContinuationToken)
		}
		for _, cp := range page.CommonPrefixes {
			res.Prefixes = append(res.Prefixes, aws.ToString(cp.Prefix))
		}
		for _, o := range page.Contents {
			e := &ObjectEntry{Key: aws.ToString(o.Key), Size: aws.ToInt64(o.Size), LastModified: aws.ToTime(o.LastModified),
				ETag: aws.ToString(o.ETag), StorageClass: string(o.StorageClass)}
			entries = append(entries, e)
			if !l.NoHeads {
				// Go waits for a free slot: paging runs at most one page
				// ahead of the HEADs.
				heads.Go(func() error {
					if ctx.Err() == nil {
						headEntry(ctx, env, r, l.Bucket, e)
					}
					return nil
				})
			}
		}
	}
	if err != nil {
		cancel()
	}
	_ = heads.Wait()
	if err == nil {
		err = ctx.Err()
	}
	return entries, err
}

// HeadObjects reads how each of Keys is encrypted, with a HEAD per key,
// Concurrency at a time: the HEADs of a listing (ListObjects), for the
// keys a screen shows. Keys it cannot read say why in HeadError.
type HeadObjects struct {
	Bucket      string
	Keys        []string
	Concurrency int // HeadObject requests at once (default 16)
}

// Describe implements Action.
func (h *HeadObjects) Describe() string {
	return fmt.Sprintf("read the encryption of %d objects in s3://%s", len(h.Keys), h.Bucket)
}

// Run implements Action; the result is an []ObjectEntry in Keys' order
// (labelled without KMS alias lookups).
func (h *HeadObjects) Run(ctx context.Context, env *Env, r *Reporter) (any, error) {
	out := make([]ObjectEntry, len(h.Keys))
	forEachBounded(ctx, len(h.Keys), concurrencyOr(h.Concurrency), func(i int) {
		e := &out[i]
		e.Key = h.Keys[i]
		headEntry(ctx, env, r, h.Bucket, e)
		e.Label = entryLabel(e)
	})
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// headEntry reads one object's encryption with a HEAD (no key). A bare
// 400 is what S3 answers for an SSE-C object, and only that is taken to
// mean SSE-C; on the sandbox its at-rest view then gives the key's MD5.
func headEntry(ctx context.Context, env *Env, r *Reporter, bucket string, e *ObjectEntry) {
	headEntryVersion(ctx, env, r, bucket, "", e)
}

// headEntryVersion is headEntry for one version ("" = the current one).
func headEntryVersion(ctx context.Context, env *Env, r *Reporter, bucket, version string, e *ObjectEntry) {
	in := &s3.HeadObjectInput{Bucket: &bucket, Key: &e.Key}
	if version != "" {
		in.VersionId = &version
	}
	out, err := env.Backend.S3.HeadObject(ctx, in, withJob(r))
	switch {
	case err == nil:
		e.Encryption = encryptionOfHead(out)
		k := s3c.DetectFormat(out.Metadata)
		e.ClientSide, e.ClientSideLegacy = k.Format, k.Legacy
	case isSSECHeadRefusal(err):
		e.SSECKeyRequired = true
		if sb := env.Backend.Local; sb != nil {
			if at, ierr := sb.Inspect(ctx, bucket, e.Key, version); ierr == nil {
				e.Encryption.SSECKeyMD5 = at.SSECKeyMD5
			}
		}
	default:
		var nf *s3types.NotFound
		if code, _, status := apiError(err); errors.As(err, &nf) || status == 404 {
			e.HeadError = "deleted since listed"
		} else {
			e.HeadError = strings.TrimSpace(fmt.Sprintf("HEAD %d %s", status, code))
		}
	}
}

// isSSECHeadRefusal reports whether err is the body-less 400 S3 answers a
// HEAD of an SSE-C object that carried no key.
func isSSECHeadRefusal(err error) bool {
	code, _, status := apiError(err)
	return status == 400 && (code == "" || code == "BadRequest")
}

func encryptionOfHead(out *s3.HeadObjectOutput) ObjectEncryption {
	return ObjectEncryption{SSE: string(out.ServerSideEncryption), KMSKeyARN: aws.ToString(out.SSEKMSKeyId),
		BucketKey: aws.ToBool(out.BucketKeyEnabled), SSECKeyMD5: aws.ToString(out.SSECustomerKeyMD5)}
}

// clientSideFormat is the S3 Encryption Client format the user metadata
// shows (SSE-SPEC 6.2), or 0.
func clientSideFormat(meta map[string]string) int { return s3c.DetectFormat(meta).Format }

// labelEntries resolves KMS key aliases (one ListAliases for the whole
// listing) and sets each entry's label; it returns notes for the listing.
func labelEntries(ctx context.Context, env *Env, r *Reporter, entries []*ObjectEntry) []string {
	var notes []string
	needAliases, ssec := false, 0
	for _, e := range entries {
		needAliases = needAliases || e.Encryption.KMSKeyARN != ""
		if e.SSECKeyRequired {
			ssec++
		}
	}
	var aliases map[string][]string
	if needAliases {
		var err error
		if aliases, err = kmsAliases(ctx, env, r, ""); err != nil {
			notes = append(notes, "KMS aliases could not be listed ("+lookupError(err)+"): keys are shown by id")
		}
	}
	for _, e := range entries {
		if a := aliases[keyIDOf(e.Encryption.KMSKeyARN)]; len(a) > 0 {
			e.KMSAlias = a[0]
		}
		e.Label = entryLabel(e)
	}
	if ssec > 0 {
		n := fmt.Sprintf("%d SSE-C object(s): S3 answers a HEAD without the key with a bare 400, which is how s3crypt knows", ssec)
		if env.Backend.Local != nil {
			n += "; the key MD5 comes from the sandbox's at-rest view"
		}
		notes = append(notes, n)
	}
	return notes
}

// lookupError is a failed KMS lookup (aliases, DescribeKey) for a note:
// Diagnose's words (an endpoint with no KMS API says so), never empty.
func lookupError(err error) string {
	var e *Error
	if errors.As(Diagnose("", err, Hint{}), &e) {
		s := e.What
		if e.Fix != "" {
			s += ". " + e.Fix
		}
		return s
	}
	return err.Error()
}

// ClientSideLabel is the short name of an S3EC object format ("S3EC V3",
// "S3EC V2 legacy CBC"): the one label ls, head and the TUI show.
func ClientSideLabel(format int, legacy string) string {
	return s3c.FormatKind{Format: format, Legacy: legacy}.Label()
}

// entryLabel renders an object's encryption for a listing column.
func entryLabel(e *ObjectEntry) string {
	enc := e.Encryption
	switch {
	case e.HeadError != "":
		return "? " + e.HeadError
	case e.ClientSide > 0 && e.ClientSideInstruction:
		return "client-side " + ClientSideLabel(e.ClientSide, e.ClientSideLegacy) + " (instruction file)"
	case e.ClientSide > 0:
		return "client-side " + ClientSideLabel(e.ClientSide, e.ClientSideLegacy)
	case enc.SSECKeyMD5 != "":
		return "SSE-C md5 " + shorten(enc.SSECKeyMD5, 4)
	case e.SSECKeyRequired:
		return "SSE-C"
	case enc.KMSKeyARN != "":
		s := enc.Mode() + " " + e.KMSAlias
		if e.KMSAlias == "" {
			s = enc.Mode() + " " + KeyIDLabel(enc.KMSKeyARN)
		}
		if enc.BucketKey {
			s += " B"
		}
		return s
	}
	return enc.Mode()
}

// KeyIDLabel is a KMS key for a listing column: an AWS key ARN's id cut
// short (a UUID: its first 8 characters tell keys apart), any other id
// whole, since an engine's key names ("eng-key-2", MinIO's
// "arn:aws:kms:eng-key-2") are not unique in their first characters.
func KeyIDLabel(arn string) string {
	if strings.HasPrefix(arn, "arn:") && strings.Contains(arn, ":key/") {
		return shorten(keyIDOf(arn), 8)
	}
	if rest, ok := strings.CutPrefix(arn, "arn:aws:kms:"); ok && !strings.Contains(rest, ":") {
		return rest // MinIO's ARN-shaped key name
	}
	return keyIDOf(arn)
}

func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// modeCounts summarises a listing's encryption: "2 SSE-KMS, 1 SSE-S3".
func modeCounts(objs []ObjectEntry) string {
	counts := map[string]int{}
	for _, o := range objs {
		m := o.Encryption.Mode()
		switch {
		case o.HeadError != "":
			m = "unknown"
		case o.ClientSide > 0:
			m = "client-side"
		case o.SSECKeyRequired:
			m = "SSE-C"
		}
		counts[m]++
	}
	var parts []string
	for m, n := range counts {
		parts = append(parts, fmt.Sprintf("%d %s", n, m))
	}
	sort.Strings(parts)
	if len(parts) == 0 {
		return "no objects"
	}
	return strings.Join(parts, ", ")
}
