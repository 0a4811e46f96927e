package actions_test

import (
	"context"
	"math"
	"testing"

	"github.com/s3crypt/s3crypt/actions"
	"github.com/s3crypt/s3crypt/internal/sandboxtest"
	"github.com/s3crypt/s3crypt/modes"
)

// TestEstimateCostHandWorked checks the arithmetic against examples
// worked by hand (each comment shows the sum).
func TestEstimateCostHandWorked(t *testing.T) {
	type want struct {
		gen, dec, billable int64
		total              float64
	}
	cases := []struct {
		name    string
		in      actions.CostInput
		without want
		with    *want // nil: no bucket key line
	}{
		{
			// The KMS pricing page's classic example: 1 key, 1,000
			// GenerateDataKey + 99,000 Decrypt = 100,000 requests;
			// (100,000 − 20,000) × $0.03 / 10,000 = $0.24, plus $1 = $1.24.
			name: "sse-kms 1k puts 99k gets 1 key", in: actions.CostInput{Mode: modes.SSEKMS, Puts: 1000, Gets: 99000, Keys: 1},
			without: want{1000, 99000, 80000, 1.24},
			// 1 requester × 1 bucket × 1 period: 1 + 1 requests, free; $1 key.
			with: &want{1, 1, 0, 1.00},
		},
		{
			// 1M puts + 3M gets = 4,000,000; (4,000,000 − 20,000) × 0.03 / 10,000
			// = 3,980,000 × 0.000003 = $11.94; 2 keys $2 → $13.94.
			name: "sse-kms 1M puts 3M gets 2 keys", in: actions.CostInput{Puts: 1_000_000, Gets: 3_000_000, Keys: 2, Requesters: 25, Buckets: 4, Periods: 30},
			without: want{1_000_000, 3_000_000, 3_980_000, 13.94},
			// 25 requesters × 4 buckets × 30 periods = 3,000 each way,
			// 6,000 in all: free; $2 keys.
			with: &want{3000, 3000, 0, 2.00},
		},
		{
			// Without the free tier: 10,000 puts → 10,000 × 0.000003 = $0.03.
			name: "no free tier", in: actions.CostInput{Puts: 10000, NoFreeTier: true},
			without: want{10000, 0, 10000, 0.03},
			with:    &want{1, 0, 1, 0.000003},
		},
		{
			// DSSE-KMS: 2 requests per upload and per download, no bucket key:
			// 2 × 100,000 + 2 × 100,000 = 400,000; 380,000 × 0.000003 = $1.14; +$1.
			name: "dsse-kms", in: actions.CostInput{Mode: modes.DSSEKMS, Puts: 100_000, Gets: 100_000, Keys: 1},
			without: want{200_000, 200_000, 380_000, 2.14},
		},
		{
			// SSE-S3 and SSE-C never call KMS; keys are not charged to them.
			name: "sse-s3", in: actions.CostInput{Mode: modes.SSES3, Puts: 5_000_000, Gets: 5_000_000, Keys: 3},
			without: want{0, 0, 0, 0},
		},
		{
			name: "sse-c", in: actions.CostInput{Mode: modes.SSEC, Puts: 1, Gets: 1},
			without: want{0, 0, 0, 0},
		},
		{
			// More scopes than objects: the bucket key never costs more
			// than going without (3 puts, 10 requesters → 3, not 10).
			name: "bucket key capped by objects", in: actions.CostInput{Puts: 3, Requesters: 10},
			without: want{3, 0, 0, 0},
			with:    &want{3, 0, 0, 0},
		},
	}
	check := func(t *testing.T, what string, got actions.CostLine, w want) {
		t.Helper()
		if got.GenerateDataKey != w.gen || got.Decrypt != w.dec || got.Billable != w.billable || math.Abs(got.TotalUSD-w.total) > 1e-9 {
			t.Errorf("%s: got %d GenerateDataKey, %d Decrypt, %d billable, $%v; want %d, %d, %d, $%v",
				what, got.GenerateDataKey, got.Decrypt, got.Billable, got.TotalUSD, w.gen, w.dec, w.billable, w.total)
		}
		if got.Requests != got.GenerateDataKey+got.Decrypt {
			t.Errorf("%s: requests %d are not the sum", what, got.Requests)
		}
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, err := actions.EstimateCost(c.in)
			if err != nil {
				t.Fatal(err)
			}
			check(t, "without a bucket key", res.Without, c.without)
			switch {
			case c.with == nil && res.With != nil:
				t.Errorf("a bucket-key line for %s: %+v", c.in.Mode, *res.With)
			case c.with != nil && res.With == nil:
				t.Errorf("no bucket-key line")
			case c.with != nil:
				check(t, "with a bucket key", *res.With, *c.with)
			}
			if modes.Get(c.in.Mode) != nil && modes.Get(c.in.Mode).UsesKMS() || c.in.Mode == "" {
				for _, p := range res.Prices {
					if p.Source == "" || p.Read == "" {
						t.Errorf("price %s without source or date", p.ID)
					}
				}
				if len(res.Prices) == 0 {
					t.Error("no prices quoted")
				}
			}
		})
	}
}

func TestEstimateCostRefusesBadInput(t *testing.T) {
	for _, in := range []actions.CostInput{{Mode: "SSE-X"}, {Puts: -1}, {Requesters: -2}, {Mode: modes.ClientSide}} {
		if _, err := actions.EstimateCost(in); err == nil {
			t.Errorf("%+v: no error", in)
		}
	}
}

// TestMeasuredBucketKeyMatchesEstimate uploads 1,000 objects with and
// without a bucket key on the sandbox and compares the KMS requests it
// counted with the estimate's for the same uploads (one requester, one
// bucket, one bucket-key period).
func TestMeasuredBucketKeyMatchesEstimate(t *testing.T) {
	if testing.Short() {
		t.Skip("2,000 uploads")
	}
	env := &actions.Env{Backend: sandboxtest.Backend(t)}
	res, err := actions.RunSync(context.Background(), env, &actions.EstimateCostAction{Input: actions.CostInput{Puts: 1000}, Measure: 1000}, nil)
	if err != nil {
		t.Fatal(err)
	}
	m := res.(actions.CostResult).Measured
	t.Logf("1,000 SSE-KMS uploads: measured %d KMS requests without a bucket key, %d with; estimated %d and %d",
		m.WithoutBucketKey, m.WithBucketKey, m.EstimateWithout, m.EstimateWith)
	if m.EstimateWithout != 1000 || m.EstimateWith != 1 {
		t.Errorf("estimate: %d and %d, want 1000 and 1", m.EstimateWithout, m.EstimateWith)
	}
	if m.WithoutBucketKey != m.EstimateWithout || m.WithBucketKey != m.EstimateWith {
		t.Errorf("measured %d and %d, estimated %d and %d", m.WithoutBucketKey, m.WithBucketKey, m.EstimateWithout, m.EstimateWith)
	}
}

func TestMeasureNeedsTheSandbox(t *testing.T) {
	b := sandboxtest.Backend(t)
	local := b.Local
	b.Local = nil
	defer func() { b.Local = local }()
	_, err := actions.RunSync(context.Background(), &actions.Env{Backend: b}, &actions.EstimateCostAction{Input: actions.CostInput{Puts: 1}, Measure: 1}, nil)
	if err == nil {
		t.Fatal("measured without the sandbox")
	}
}
