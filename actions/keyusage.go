package actions

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/kms"
)

// KeyUsage finds what a KMS key protects (`s3crypt kms key-usage`): the
// buckets whose default rule names it and the object versions encrypted
// under it, by bucket, with counts and bytes. S3 cannot be asked this, so
// it lists every version (ListObjectVersions) and HEADs each, Concurrency
// at a time, with the listing `s3crypt ls --versions` uses (eachVersionPage).
type KeyUsage struct {
	// KeyID is the key: id, ARN, alias/NAME or alias ARN.
	KeyID string
	// Buckets limits the search (all buckets when empty).
	Buckets []string
	// Concurrency is the HEADs at once (default 16).
	Concurrency int
	// Cache, when set, answers a question already answered this session
	// and keeps new answers (Refresh skips the lookup, not the keeping).
	Cache   *KeyUsageCache
	Refresh bool
}

// BucketKeyUsage is what one bucket holds under the key.
type BucketKeyUsage struct {
	Bucket string `json:"Bucket"`
	// DefaultRule: the bucket's default encryption names the key.
	DefaultRule bool `json:"DefaultRule"`
	// Objects are current versions under the key; Versions noncurrent
	// ones; Bytes their sizes together.
	Objects  int64 `json:"Objects"`
	Versions int64 `json:"NoncurrentVersions"`
	Bytes    int64 `json:"Bytes"`
	// By mode: SSE-KMS with and without a bucket key, and DSSE-KMS.
	SSEKMS    int64 `json:"SSEKMS"`
	BucketKey int64 `json:"SSEKMSBucketKey"`
	DSSEKMS   int64 `json:"DSSEKMS"`
	// Unread counts versions whose HEAD failed (not SSE-C ones, which S3
	// never encrypts under a KMS key).
	Unread int64  `json:"Unread,omitempty"`
	Error  string `json:"Error,omitempty"`
}

// KeyUsageResult is where a key is used.
type KeyUsageResult struct {
	KeyID    string   `json:"KeyId"`
	KeyArn   string   `json:"KeyArn"`
	Aliases  []string `json:"Aliases"`
	KeyState string   `json:"KeyState"`
	// DefaultBuckets are the buckets whose default rule names the key.
	DefaultBuckets []string         `json:"DefaultBuckets"`
	Buckets        []BucketKeyUsage `json:"Buckets"`
	// Totals over Buckets.
	Objects  int64 `json:"Objects"`
	Versions int64 `json:"NoncurrentVersions"`
	Bytes    int64 `json:"Bytes"`
	// Scanned is every version read, under any key; Requests the S3
	// requests that took.
	Scanned  int64    `json:"VersionsScanned"`
	Requests int64    `json:"S3Requests"`
	Cached   bool     `json:"Cached"`
	Notes    []string `json:"Notes,omitempty"`
}

// InUse reports whether anything is encrypted under the key or written
// under it by default.
func (u KeyUsageResult) InUse() bool { return u.Objects+u.Versions > 0 || len(u.DefaultBuckets) > 0 }

// Summary says the usage in a line: "137 object versions (12.0 KiB) in 2
// buckets; default of s3://a".
func (u KeyUsageResult) Summary() string {
	n := u.Objects + u.Versions
	inBuckets := 0
	for _, b := range u.Buckets {
		if b.Objects+b.Versions > 0 {
			inBuckets++
		}
	}
	s := fmt.Sprintf("%d object version(s) (%s) in %d bucket(s)", n, HumanSize(u.Bytes), inBuckets)
	if n == 0 {
		s = "no object under it"
	}
	if len(u.DefaultBuckets) > 0 {
		s += "; default key of s3://" + strings.Join(u.DefaultBuckets, ", s3://")
	}
	return s
}

// KeyUsageCache keeps key usage answers for a session, by key ARN and
// bucket list. Safe for concurrent use.
type KeyUsageCache struct {
	mu sync.Mutex
	m  map[string]KeyUsageResult
}

// NewKeyUsageCache returns an empty cache.
func NewKeyUsageCache() *KeyUsageCache { return &KeyUsageCache{m: map[string]KeyUsageResult{}} }

func usageCacheKey(arn string, buckets []string) string {
	b := slices.Clone(buckets)
	sort.Strings(b)
	return arn + "|" + strings.Join(b, ",")
}

// Get returns the answer kept for the key ARN (over every bucket), if any.
func (c *KeyUsageCache) Get(arn string) (KeyUsageResult, bool) { return c.get(usageCacheKey(arn, nil)) }

func (c *KeyUsageCache) get(k string) (KeyUsageResult, bool) {
	if c == nil {
		return KeyUsageResult{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	u, ok := c.m[k]
	return u, ok
}

func (c *KeyUsageCache) put(k string, u KeyUsageResult) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m[k] = u
}

// Forget drops every answer (objects were written or deleted).
func (c *KeyUsageCache) Forget() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.m)
}

// Describe implements Action.
func (k *KeyUsage) Describe() string { return "find what KMS key " + k.KeyID + " encrypts" }

// Run implements Action.
func (k *KeyUsage) Run(ctx context.Context, env *Env, r *Reporter) (any, error) {
	out, err := env.Backend.KMS.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: &k.KeyID}, withKMSJob(r))
	if err != nil {
		return nil, failed(ctx, k.Describe(), err, k.KeyID, nil)
	}
	info := keyInfoFrom(out.KeyMetadata)
	aliases, err := kmsAliases(ctx, env, r, "")
	if err != nil {
		return nil, failed(ctx, k.Describe(), err, k.KeyID, nil)
	}
	info.Aliases = aliases[info.KeyID]
	ck := usageCacheKey(info.ARN, k.Buckets)
	if !k.Refresh {
		if u, ok := k.Cache.get(ck); ok {
			u.Cached, u.KeyState = true, info.KeyState
			return u, nil
		}
	}
	r.Command(AWSCommand(env, "s3api", "list-object-versions", "--bucket", "B"))
	r.Step(Step{Actor: You, To: S3, Op: OpRequest, Title: "ListObjectVersions", Observed: true,
		Detail: "S3 cannot say what a KMS key encrypts: you list every version of every bucket and HEAD each one"})
	buckets := k.Buckets
	if len(buckets) == 0 {
		if buckets, err = listBucketNames(ctx, env, r); err != nil {
			return nil, Diagnose(k.Describe(), err, Hint{})
		}
	}
	m := keyMatcher{arn: info.ARN, id: info.KeyID, aliases: info.Aliases}
	res := KeyUsageResult{KeyID: info.KeyID, KeyArn: info.ARN, Aliases: info.Aliases, KeyState: info.KeyState,
		DefaultBuckets: []string{}, Buckets: []BucketKeyUsage{}}
	scan := &versionScan{env: env, r: r, limit: concurrencyOr(k.Concurrency)}
	for _, b := range buckets {
		bu, note, err := k.bucket(ctx, env, r, scan, m, b)
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if err != nil {
			bu.Error = apiErrorText(err)
		}
		if note != "" {
			res.Notes = append(res.Notes, note)
		}
		if bu.DefaultRule {
			res.DefaultBuckets = append(res.DefaultBuckets, b)
		}
		res.Objects += bu.Objects
		res.Versions += bu.Versions
		res.Bytes += bu.Bytes
		res.Buckets = append(res.Buckets, bu)
	}
	res.Scanned, res.Requests = scan.headed, scan.Requests+int64(len(buckets))
	r.Step(Step{Actor: S3, To: You, Op: OpResponse, Title: "200 OK", Observed: true, Detail: res.Summary()})
	k.Cache.put(ck, res)
	return res, nil
}

// bucket reads one bucket's default rule and versions.
func (k *KeyUsage) bucket(ctx context.Context, env *Env, r *Reporter, scan *versionScan, m keyMatcher, b string) (BucketKeyUsage, string, error) {
	bu := BucketKeyUsage{Bucket: b}
	enc, err := getBucketEncryption(ctx, env, r, b)
	if err != nil {
		return bu, "", err
	}
	if enc != nil && (enc.SSEAlgorithm == SSEKMS || enc.SSEAlgorithm == DSSEKMS) {
		bu.DefaultRule = m.matchRule(enc.KMSKeyID)
	}
	note, err := scan.bucket(ctx, b, func(v ScannedVersion) {
		switch {
		case v.Err != "" && v.Err != "deleted since listed":
			bu.Unread++
			return
		case v.Encryption.KMSKeyARN == "" || !m.matchARN(v.Encryption.KMSKeyARN):
			return
		}
		if v.Latest {
			bu.Objects++
		} else {
			bu.Versions++
		}
		bu.Bytes += v.Size
		switch {
		case v.Encryption.SSE == DSSEKMS:
			bu.DSSEKMS++
		case v.Encryption.BucketKey:
			bu.BucketKey++
		default:
			bu.SSEKMS++
		}
	})
	return bu, note, err
}

// keyMatcher tells whether a key reference (an object's key ARN, a bucket
// rule's KMSMasterKeyID) names one key.
type keyMatcher struct {
	arn, id string
	aliases []string
}

// matchARN matches what S3 reports for an object: the key ARN (or, from
// some endpoints, the bare key id).
func (m keyMatcher) matchARN(ref string) bool {
	return ref == m.arn || ref == m.id
}

// matchRule matches a default rule's key: id, key ARN, alias name or
// alias ARN; an empty one is the AWS managed key aws/s3.
func (m keyMatcher) matchRule(ref string) bool {
	switch {
	case ref == "":
		return slices.Contains(m.aliases, "alias/aws/s3")
	case strings.HasPrefix(ref, "alias/"):
		return slices.Contains(m.aliases, ref)
	case strings.Contains(ref, ":alias/"):
		return slices.Contains(m.aliases, ref[strings.Index(ref, ":alias/")+1:]) && sameAccountRegion(ref, m.arn)
	}
	return m.matchARN(ref)
}

// sameAccountRegion reports whether two ARNs share partition, region and
// account (an alias ARN names a key only in its own account and region).
func sameAccountRegion(a, b string) bool {
	pa, pb := strings.SplitN(a, ":", 6), strings.SplitN(b, ":", 6)
	if len(pa) < 6 || len(pb) < 6 {
		return false
	}
	return pa[1] == pb[1] && pa[3] == pb[3] && pa[4] == pb[4]
}
