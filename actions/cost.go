package actions

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/s3crypt/s3crypt/modes"
)

// CostInput is a month's workload, for the cost estimate.
type CostInput struct {
	// Mode is the encryption the uploads ask for: modes.SSEKMS,
	// modes.DSSEKMS, modes.SSES3 or modes.SSEC (modes.SSEKMS when "").
	Mode modes.ID `json:"Mode"`
	// Puts and Gets are the uploads and downloads a month.
	Puts int64 `json:"Puts"`
	Gets int64 `json:"Gets"`
	// Requesters is how many distinct requesters (roles, accounts, scoped
	// sessions) upload and download; Buckets how many buckets they use;
	// Periods how many bucket-key periods a month each requester is active
	// in each bucket. Each is at least 1.
	Requesters int64 `json:"Requesters"`
	Buckets    int64 `json:"Buckets"`
	Periods    int64 `json:"BucketKeyPeriods"`
	// Keys is the customer managed KMS keys in use (0: the AWS managed
	// aws/s3 key, which has no monthly charge).
	Keys int64 `json:"CustomerManagedKeys"`
	// NoFreeTier leaves out KMS's 20,000 free requests a month (used up by
	// other workloads of the account).
	NoFreeTier bool `json:"NoFreeTier"`
}

// CostLine is the estimate with the bucket key either off or on.
type CostLine struct {
	BucketKey       bool    `json:"BucketKeyEnabled"`
	GenerateDataKey int64   `json:"GenerateDataKeyRequests"`
	Decrypt         int64   `json:"DecryptRequests"`
	Requests        int64   `json:"KMSRequests"`
	Billable        int64   `json:"BillableRequests"` // after the free tier
	RequestUSD      float64 `json:"RequestsUSD"`
	KeyUSD          float64 `json:"KeysUSD"`
	TotalUSD        float64 `json:"TotalUSD"`
}

// CostResult is the estimate: without a bucket key, and with one where
// the mode can use one.
type CostResult struct {
	Input   CostInput `json:"Workload"`
	Mode    string    `json:"EncryptionMode"`
	Without CostLine  `json:"WithoutBucketKey"`
	// With is nil when the mode cannot use a bucket key (DSSE-KMS), or
	// makes no KMS request at all (SSE-S3, SSE-C).
	With   *CostLine     `json:"WithBucketKey"`
	Prices []modes.Price `json:"Prices"`
	Notes  []string      `json:"Notes,omitempty"`
	// Measured is what the sandbox counted (EstimateCost.Measure).
	Measured *CostMeasured `json:"Measured,omitempty"`
}

// CostMeasured is what uploads on the sandbox really cost in KMS requests.
type CostMeasured struct {
	Uploads          int64 `json:"Uploads"`
	WithoutBucketKey int64 `json:"KMSRequestsWithoutBucketKey"`
	WithBucketKey    int64 `json:"KMSRequestsWithBucketKey"`
	// EstimateWithout and EstimateWith are the estimate's counts for the
	// same uploads (one requester, one bucket, one period).
	EstimateWithout int64 `json:"EstimatedWithoutBucketKey"`
	EstimateWith    int64 `json:"EstimatedWithBucketKey"`
}

// CostModes are the modes the estimate knows.
var CostModes = []modes.ID{modes.SSEKMS, modes.DSSEKMS, modes.SSES3, modes.SSEC}

// normalized returns in with its defaults filled in, or why it cannot be
// estimated.
func (in CostInput) normalized() (CostInput, error) {
	if in.Mode == "" {
		in.Mode = modes.SSEKMS
	}
	known := false
	for _, m := range CostModes {
		known = known || m == in.Mode
	}
	if !known {
		return in, fmt.Errorf("mode %q: the estimate knows SSE-KMS, DSSE-KMS, SSE-S3 and SSE-C", in.Mode)
	}
	for _, f := range []struct {
		name string
		v    *int64
		min  int64
	}{{"puts", &in.Puts, 0}, {"gets", &in.Gets, 0}, {"keys", &in.Keys, 0},
		{"requesters", &in.Requesters, 1}, {"buckets", &in.Buckets, 1}, {"periods", &in.Periods, 1}} {
		if *f.v == 0 && f.min == 1 {
			*f.v = 1
		}
		if *f.v < f.min {
			return in, fmt.Errorf("%s %d: must be at least %d", f.name, *f.v, f.min)
		}
	}
	return in, nil
}

// EstimateCost works out a month's KMS requests and their price for in,
// with the bucket key off and (where the mode has one) on. Request counts
// per object come from the mode's flow (modes.Mode.KMSRequestsPerObject);
// with a bucket key, S3 asks KMS once per requester, bucket and period
// for a bucket key to write with, and once for one to read with, never
// more than it would without. Prices are modes.Prices.
func EstimateCost(in CostInput) (CostResult, error) {
	in, err := in.normalized()
	if err != nil {
		return CostResult{}, err
	}
	m := modes.Get(in.Mode)
	res := CostResult{Input: in, Mode: m.Name}
	perPut, perGet := int64(m.KMSRequestsPerObject(true)), int64(m.KMSRequestsPerObject(false))
	uses := m.UsesKMS()
	res.Without = costLine(in, false, mulCap(in.Puts, perPut), mulCap(in.Gets, perGet), uses)
	bk := modes.ByAPI(m.API, true)
	if uses && bk != nil && bk.BucketKey {
		scopes := mulCap(mulCap(in.Requesters, in.Buckets), in.Periods)
		gen := min(res.Without.GenerateDataKey, mulCap(scopes, int64(bk.KMSRequestsPerObject(true))))
		dec := min(res.Without.Decrypt, mulCap(scopes, int64(bk.KMSRequestsPerObject(false))))
		if in.Puts == 0 {
			gen = 0
		}
		if in.Gets == 0 {
			dec = 0
		}
		line := costLine(in, true, gen, dec, uses)
		res.With = &line
	}
	res.Prices = slicesOfPrices(in.Mode, uses)
	res.Notes = costNotes(in, m, res)
	return res, nil
}

// costLine prices gen GenerateDataKey and dec Decrypt requests, and the
// customer managed keys when the mode uses KMS.
func costLine(in CostInput, bucketKey bool, gen, dec int64, usesKMS bool) CostLine {
	l := CostLine{BucketKey: bucketKey, GenerateDataKey: gen, Decrypt: dec, Requests: gen + dec}
	l.Billable = l.Requests
	if !in.NoFreeTier {
		free := int64(modes.PriceOf(modes.PriceKMSFreeTier).Per)
		l.Billable = max(0, l.Requests-free)
	}
	p := modes.PriceOf(modes.PriceKMSRequests)
	l.RequestUSD = float64(l.Billable) * p.USD / p.Per
	if usesKMS {
		l.KeyUSD = float64(in.Keys) * modes.PriceOf(modes.PriceCustomerKey).USD
	}
	l.TotalUSD = l.RequestUSD + l.KeyUSD
	return l
}

// mulCap multiplies, saturating at the largest int64 rather than wrapping.
func mulCap(a, b int64) int64 {
	if a == 0 || b == 0 {
		return 0
	}
	if a > math.MaxInt64/b {
		return math.MaxInt64
	}
	return a * b
}

// slicesOfPrices is the figures an estimate for mode quoted.
func slicesOfPrices(mode modes.ID, usesKMS bool) []modes.Price {
	if !usesKMS {
		return nil
	}
	ids := []modes.PriceID{modes.PriceKMSRequests, modes.PriceKMSFreeTier, modes.PriceCustomerKey, modes.PriceAWSManagedKey, modes.PriceBucketKey}
	if mode == modes.DSSEKMS {
		ids = append(ids, modes.PriceDSSE)
	}
	out := make([]modes.Price, 0, len(ids))
	for _, id := range ids {
		out = append(out, modes.PriceOf(id))
	}
	return out
}

func costNotes(in CostInput, m *modes.Mode, res CostResult) []string {
	var notes []string
	switch {
	case !m.UsesKMS():
		notes = append(notes, m.Name+" makes no KMS request and needs no KMS key: "+m.Cost)
		return notes
	case in.Mode == modes.DSSEKMS:
		notes = append(notes, "DSSE-KMS cannot use a bucket key: every upload and download asks KMS for two data keys; its per-GB charge is not priced here (see the prices)")
	}
	if res.With != nil {
		notes = append(notes, fmt.Sprintf("with a bucket key: one GenerateDataKey (writes) and one Decrypt (reads) per requester per bucket per bucket-key period (%d × %d × %d); AWS does not publish the period, so this is the least S3 asks, not a bound on the most",
			in.Requesters, in.Buckets, in.Periods))
	}
	if in.Keys == 0 {
		notes = append(notes, "no customer managed key: the AWS managed key aws/s3 has no monthly charge (pass --keys N for your own)")
	}
	if !in.NoFreeTier {
		notes = append(notes, "the free tier's 20,000 requests a month are account-wide: other uses of KMS share them")
	}
	return notes
}

// USD renders a price for people: cents, or four decimals under a cent.
func USD(v float64) string {
	if v != 0 && v < 0.01 {
		return "$" + strconv.FormatFloat(v, 'f', 4, 64)
	}
	return "$" + strconv.FormatFloat(v, 'f', 2, 64)
}

// EstimateCostAction is `s3crypt cost` as an action: the estimate, and
// with Measure on the sandbox, Measure uploads with and without a bucket
// key whose KMS requests the sandbox counts.
type EstimateCostAction struct {
	Input CostInput
	// Measure is how many uploads to measure (0: none). It needs the
	// sandbox, the only backend that counts the requests S3 makes.
	Measure int64
	// Bucket is the bucket to measure in (created, then emptied and
	// removed; default s3crypt-cost-measure).
	Bucket string
}

// Describe implements Action.
func (e *EstimateCostAction) Describe() string { return "estimate the KMS cost of a workload" }

// Run implements Action.
func (e *EstimateCostAction) Run(ctx context.Context, env *Env, r *Reporter) (any, error) {
	res, err := EstimateCost(e.Input)
	if err != nil {
		return nil, &Error{Op: e.Describe(), What: err.Error(), Err: err}
	}
	if e.Measure <= 0 {
		return res, nil
	}
	m, err := MeasureBucketKey(ctx, env, r, e.bucket(), e.Measure)
	if err != nil {
		return nil, err
	}
	res.Measured = &m
	return res, nil
}

func (e *EstimateCostAction) bucket() string {
	if e.Bucket != "" {
		return e.Bucket
	}
	return "s3crypt-cost-measure"
}

// ErrNotSandbox is why a measure needs the sandbox.
var ErrNotSandbox = errors.New("measuring KMS requests needs the sandbox: only it counts the requests S3 makes on your behalf")

// MeasureBucketKey uploads n small SSE-KMS objects to bucket (which it
// creates, then empties and removes) with the bucket key off, then n with
// it on, one at a time as one requester, and returns the KMS requests the
// sandbox counted for each run beside the estimate's counts.
func MeasureBucketKey(ctx context.Context, env *Env, r *Reporter, bucket string, n int64) (CostMeasured, error) {
	local := env.Backend.Local
	if local == nil {
		return CostMeasured{}, &Error{Op: "measure KMS requests", What: ErrNotSandbox.Error(), Fix: "run it without --endpoint-url, --aws or --profile", Err: ErrNotSandbox}
	}
	est, err := EstimateCost(CostInput{Mode: modes.SSEKMS, Puts: n, Requesters: 1, Buckets: 1, Periods: 1})
	if err != nil {
		return CostMeasured{}, err
	}
	out := CostMeasured{Uploads: n, EstimateWithout: est.Without.Requests, EstimateWith: est.With.Requests}
	if _, err := env.Backend.S3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &bucket}, withJob(r)); err != nil {
		return out, Diagnose("create bucket s3://"+bucket, err, Hint{Bucket: bucket})
	}
	defer removeMeasureBucket(context.WithoutCancel(ctx), env, bucket)
	key, err := env.Backend.KMS.CreateKey(ctx, &kms.CreateKeyInput{Description: aws.String("s3crypt cost --measure")}, withKMSJob(r))
	if err != nil {
		return out, Diagnose("create a KMS key", err, Hint{})
	}
	keyID := aws.ToString(key.KeyMetadata.KeyId)
	defer func() {
		_, _ = env.Backend.KMS.ScheduleKeyDeletion(context.WithoutCancel(ctx), &kms.ScheduleKeyDeletionInput{KeyId: &keyID, PendingWindowInDays: aws.Int32(7)})
	}()
	for i, bk := range []bool{false, true} {
		before, err := local.KMSCalls(ctx)
		if err != nil {
			return out, err
		}
		for j := range n {
			if err := ctx.Err(); err != nil {
				return out, err
			}
			k := fmt.Sprintf("bk-%t/%06d", bk, j)
			_, err := env.Backend.S3.PutObject(ctx, &s3.PutObjectInput{Bucket: &bucket, Key: &k, Body: bytes.NewReader([]byte(k)),
				ServerSideEncryption: s3types.ServerSideEncryptionAwsKms, SSEKMSKeyId: &keyID, BucketKeyEnabled: aws.Bool(bk)}, withJob(r))
			if err != nil {
				return out, Diagnose("upload s3://"+bucket+"/"+k, err, Hint{Bucket: bucket, Key: k})
			}
			r.Progress(int64(i)*n+j+1, 2*n)
		}
		after, err := local.KMSCalls(ctx)
		if err != nil {
			return out, err
		}
		if bk {
			out.WithBucketKey = int64(after - before)
		} else {
			out.WithoutBucketKey = int64(after - before)
		}
	}
	return out, nil
}

// removeMeasureBucket empties and removes the measuring bucket.
func removeMeasureBucket(ctx context.Context, env *Env, bucket string) {
	p := s3.NewListObjectsV2Paginator(env.Backend.S3, &s3.ListObjectsV2Input{Bucket: &bucket})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return
		}
		for _, o := range page.Contents {
			_, _ = env.Backend.S3.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &bucket, Key: o.Key})
		}
	}
	_, _ = env.Backend.S3.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: &bucket})
}
