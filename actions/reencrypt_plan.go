package actions

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"golang.org/x/sync/errgroup"

	s3c "github.com/s3crypt/s3crypt/crypto"
	"github.com/s3crypt/s3crypt/modes"
)

// KMSRequestPrice is what AWS KMS charges per 10,000 requests (after the
// 20,000 a month free), from modes.CostSource.
const KMSRequestPrice = 0.03

// ReencryptMany changes the encryption of every current object under a
// prefix (`s3crypt reencrypt s3://B/P --recursive`): first a plan (HEAD of
// each object: counts and bytes per current mode and key, the path each
// takes, the KMS requests and their cost, what cannot be changed and why);
// with DryRun that is all. Otherwise it runs the plan with bounded
// parallelism, journalling each object it finishes (JournalFile) so that a
// run stopped at any point resumes without redoing them, verifies each
// object with a HEAD, and reports.
type ReencryptMany struct {
	Bucket, Prefix string
	Target         ReencryptTarget
	// OnlyMode keeps objects whose current mode is this (SSE-S3, SSE-KMS,
	// DSSE-KMS, SSE-C, none, client-side); OnlyKey those under this KMS
	// key (id, ARN or alias).
	OnlyMode, OnlyKey string
	// SourceSSEC are SSE-C keys to read SSE-C objects with: each SSE-C
	// object is tried with them; one none of them opens cannot be changed.
	SourceSSEC []*SSECKey
	Copy       bool // always copy in place
	DryRun     bool
	// Concurrency is how many objects change at once (default 8).
	Concurrency int
	// JournalDir is where journals go (default
	// $XDG_STATE_HOME/s3crypt/reencrypt).
	JournalDir string
	// PartCopyAbove and PartSize as Reencrypt's.
	PartCopyAbove, PartSize int64
	// OnProgress, when set, is called as objects finish (at most every
	// 200 ms, and at the end).
	OnProgress func(BulkProgress) `json:"-"`
}

// BulkProgress is a bulk run's advance.
type BulkProgress struct {
	Objects, TotalObjects int
	Bytes, TotalBytes     int64
	ObjectsPerSec         float64
	BytesPerSec           float64
	ETASeconds            float64 // -1 when unknown
}

// PlanGroup is the objects of one current encryption.
type PlanGroup struct {
	Mode      string         `json:"Mode"`
	KMSKeyArn string         `json:"KMSKeyArn,omitempty"`
	BucketKey bool           `json:"BucketKey"`
	Objects   int            `json:"Objects"`
	Bytes     int64          `json:"Bytes"`
	Paths     map[string]int `json:"Paths"`
}

// PlanItem is one object and the path it takes.
type PlanItem struct {
	Key       string `json:"Key"`
	VersionID string `json:"VersionId,omitempty"`
	Size      int64  `json:"Size"`
	Mode      string `json:"Mode"`
	Path      string `json:"Path"`
	Why       string `json:"Why,omitempty"`
	KMS       int    `json:"KMSRequests"`

	src  sourceObject
	ssec *SSECKey
}

// ReencryptPlan is what a bulk re-encryption will do.
type ReencryptPlan struct {
	Bucket          string           `json:"Bucket"`
	Prefix          string           `json:"Prefix"`
	Target          string           `json:"Target"`
	TargetKMSKeyArn string           `json:"TargetKMSKeyArn,omitempty"`
	Versioning      string           `json:"Versioning"`
	Objects         int              `json:"Objects"`
	Bytes           int64            `json:"Bytes"`
	Filtered        int              `json:"Filtered"` // left out by --only-mode / --only-key
	Groups          []PlanGroup      `json:"Groups"`
	Paths           map[string]int   `json:"Paths"`
	PathBytes       map[string]int64 `json:"PathBytes"`
	Cannot          []PlanItem       `json:"Cannot"`
	Items           []PlanItem       `json:"Items"`
	// KMSRequests is the estimate of the KMS requests S3 will make (and
	// yours, to resolve the key); KMSCostUSD their price at
	// KMSRequestPrice per 10,000, before the free tier.
	KMSRequests  int      `json:"KMSRequests"`
	KMSCostUSD   float64  `json:"KMSCostUSD"`
	PriceSource  string   `json:"PriceSource"`
	OlderVersion int      `json:"OlderVersions"`
	OlderBytes   int64    `json:"OlderVersionBytes"`
	Notes        []string `json:"Notes,omitempty"`
}

// Describe implements Action.
func (m *ReencryptMany) Describe() string {
	verb := "re-encrypt"
	if m.DryRun {
		verb = "plan the re-encryption of"
	}
	return fmt.Sprintf("%s s3://%s/%s with %s", verb, m.Bucket, m.Prefix, m.Target.label())
}

// Run implements Action: the plan (DryRun), or the run's report.
func (m *ReencryptMany) Run(ctx context.Context, env *Env, r *Reporter) (any, error) {
	if err := m.Target.check(); err != nil {
		return nil, &Error{Op: m.Describe(), Kind: KindInvalidRequest, What: err.Error(), Fix: "See s3crypt reencrypt --help"}
	}
	if err := refuseSSECOverHTTP(env, m.Describe(), firstKey(m.SourceSSEC)); err != nil {
		return nil, err
	}
	plan, t, err := m.plan(ctx, env, r)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, Diagnose(m.Describe(), err, Hint{Bucket: m.Bucket, KMSKey: m.Target.KMSKey})
	}
	if m.DryRun {
		return plan, nil
	}
	return m.run(ctx, env, r, plan, t)
}

func firstKey(ks []*SSECKey) *SSECKey {
	if len(ks) == 0 {
		return nil
	}
	return ks[0]
}

// plan lists and HEADs the current objects and decides each one's path.
func (m *ReencryptMany) plan(ctx context.Context, env *Env, r *Reporter) (ReencryptPlan, ReencryptTarget, error) {
	t, err := resolveTarget(ctx, env, r, m.Target)
	if err != nil {
		return ReencryptPlan{}, t, err
	}
	onlyKey := m.OnlyKey
	if onlyKey != "" {
		k, err := resolveTarget(ctx, env, r, ReencryptTarget{SSE: SSEKMS, KMSKey: onlyKey})
		if err != nil {
			return ReencryptPlan{}, t, err
		}
		onlyKey = k.KMSKey
	}
	p := ReencryptPlan{Bucket: m.Bucket, Prefix: m.Prefix, Target: m.Target.label(), TargetKMSKeyArn: t.KMSKey,
		Paths: map[string]int{}, PathBytes: map[string]int64{}, PriceSource: modes.CostSource, Groups: []PlanGroup{}, Cannot: []PlanItem{}}
	vr, err := bucketVersioning(ctx, env, r, m.Bucket)
	if err != nil {
		return p, t, err
	}
	p.Versioning = vr.StatusText()
	vs, err := ListVersions(ctx, env, r, m.Bucket, m.Prefix, false, 0)
	if err != nil {
		return p, t, err
	}
	p.OlderVersion, p.OlderBytes = olderVersionCount(vs)
	cur := CurrentVersions(vs)
	items := make([]PlanItem, len(cur))
	var g errgroup.Group
	g.SetLimit(concurrencyOr(0))
	for i, v := range cur {
		g.Go(func() error {
			it := PlanItem{Key: v.Key, VersionID: v.VersionID, Size: v.Size}
			src, ssec, err := m.headWithKeys(ctx, env, r, v.Key)
			if err != nil {
				return fmt.Errorf("HEAD s3://%s/%s: %w", m.Bucket, v.Key, err)
			}
			it.src, it.ssec = src, ssec
			it.Mode = modeName(src)
			it.Path, it.Why = choosePath(src, t, m.Copy, it.Size, m.PartCopyAbove)
			it.KMS = kmsEstimate(src.enc, t, it.Path)
			items[i] = it
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return p, t, err
	}
	groups := map[string]*PlanGroup{}
	for _, it := range items {
		if (m.OnlyMode != "" && !strings.EqualFold(it.Mode, m.OnlyMode)) || (onlyKey != "" && it.src.enc.KMSKeyARN != onlyKey) {
			p.Filtered++
			continue
		}
		p.Items = append(p.Items, it)
		p.Objects++
		p.Bytes += it.Size
		p.Paths[it.Path]++
		p.PathBytes[it.Path] += it.Size
		p.KMSRequests += it.KMS
		if it.Path == PathCannot {
			p.Cannot = append(p.Cannot, it)
		}
		gk := it.Mode + "|" + it.src.enc.KMSKeyARN + "|" + fmt.Sprint(it.src.enc.BucketKey)
		gr := groups[gk]
		if gr == nil {
			gr = &PlanGroup{Mode: it.Mode, KMSKeyArn: it.src.enc.KMSKeyARN, BucketKey: it.src.enc.BucketKey, Paths: map[string]int{}}
			groups[gk] = gr
		}
		gr.Objects++
		gr.Bytes += it.Size
		gr.Paths[it.Path]++
	}
	for _, gr := range groups {
		p.Groups = append(p.Groups, *gr)
	}
	sort.Slice(p.Groups, func(i, j int) bool {
		if p.Groups[i].Mode != p.Groups[j].Mode {
			return p.Groups[i].Mode < p.Groups[j].Mode
		}
		return p.Groups[i].KMSKeyArn < p.Groups[j].KMSKeyArn
	})
	if t.BucketKey && p.Paths[PathUpdate]+p.Paths[PathCopy]+p.Paths[PathPartCopy] > 0 {
		p.KMSRequests++ // the bucket key S3 gets once for the run
	}
	p.KMSCostUSD = float64(p.KMSRequests) / 10000 * KMSRequestPrice
	p.Notes = planNotes(p, t)
	return p, t, nil
}

// headWithKeys HEADs an object; an SSE-C one is tried with each given key.
func (m *ReencryptMany) headWithKeys(ctx context.Context, env *Env, r *Reporter, key string) (sourceObject, *SSECKey, error) {
	src, err := headSource(ctx, env, r, m.Bucket, key, nil)
	if err != nil || !src.ssecNoKey {
		return src, nil, err
	}
	for _, k := range m.SourceSSEC {
		if src.enc.SSECKeyMD5 != "?" && src.enc.SSECKeyMD5 != s3c.KeyMD5(k.Key) {
			continue // the sandbox told the object's key MD5: not this key
		}
		s, err := headSource(ctx, env, r, m.Bucket, key, k)
		var re *s3types.NotFound
		switch {
		case err == nil:
			return s, k, nil
		case errors.As(err, &re):
			return s, nil, err
		}
	}
	return src, nil, nil
}

// modeName is the plan's name for an object's current encryption.
func modeName(src sourceObject) string {
	switch {
	case src.clientSide > 0:
		return "client-side"
	case src.ssecNoKey:
		return "SSE-C"
	}
	return src.enc.Mode()
}

// kmsEstimate is how many KMS requests S3 makes to change one object:
// unwrapping the old data key (one Decrypt per SSE-KMS layer, none for
// SSE-S3 or SSE-C; with a bucket key, the bucket key's Decrypt, counted
// once per object as S3 may cache it), and wrapping the new one (one
// Encrypt on UpdateObjectEncryption, one GenerateDataKey per layer on a
// copy; none for SSE-S3 or under a bucket key, whose one GenerateDataKey
// the plan adds once).
func kmsEstimate(e ObjectEncryption, t ReencryptTarget, path string) int {
	if path != PathUpdate && path != PathCopy && path != PathPartCopy {
		return 0
	}
	n := 0
	switch e.SSE {
	case SSEKMS:
		n++
	case DSSEKMS:
		n += 2
	}
	switch {
	case t.SSE == SSES3 || t.BucketKey:
	case t.SSE == DSSEKMS:
		n += 2
	default:
		n++
	}
	return n
}

func planNotes(p ReencryptPlan, t ReencryptTarget) []string {
	var n []string
	n = append(n, fmt.Sprintf("KMS requests are estimated from each object's current and new encryption; priced at $%.2f per 10,000 (%s), before the 20,000 free each month", KMSRequestPrice, modes.CostSource))
	if p.OlderVersion > 0 || p.Versioning != "never enabled" {
		n = append(n, fmt.Sprintf("versioning %s: only current versions are re-encrypted; the %d older version(s) (%s) keep their encryption and keys, "+
			"and a copy in place adds a new current version (the previous one stays, readable with its old key, until you delete it or a lifecycle rule expires it)",
			strings.ToLower(p.Versioning), p.OlderVersion, HumanSize(p.OlderBytes)))
	}
	if p.Paths[PathUpdate] > 0 {
		n = append(n, fmt.Sprintf("%d object(s) by UpdateObjectEncryption: S3 re-wraps each data key under %s without rewriting the data (same version, same ETag)", p.Paths[PathUpdate], t.KMSKey))
	}
	if c := p.Paths[PathCopy] + p.Paths[PathPartCopy]; c > 0 {
		n = append(n, fmt.Sprintf("%d object(s) copied in place: S3 rewrites each (new ETag on most modes; a new version in a versioned bucket)", c))
	}
	return n
}
