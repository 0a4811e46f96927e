package cli

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/s3crypt/s3crypt/actions"
	"github.com/s3crypt/s3crypt/modes"
)

// CostCmd is `s3crypt cost`: a month's KMS requests and their price, with
// and without a bucket key, each price with its source and the day it was
// read; --measure also counts the requests of real uploads on the sandbox.
type CostCmd struct {
	Puts       int64  `name:"puts" help:"Uploads (PUT, COPY, multipart uploads) a month." placeholder:"N"`
	Gets       int64  `name:"gets" help:"Downloads (GET) a month." placeholder:"N"`
	Requesters int64  `name:"requesters" default:"1" help:"Distinct requesters (roles, accounts, differently scoped sessions): each gets its own bucket key." placeholder:"R"`
	Buckets    int64  `name:"buckets" default:"1" help:"Buckets the workload uses: bucket keys are per bucket." placeholder:"B"`
	Periods    int64  `name:"bucket-key-periods" default:"1" help:"Bucket-key periods a month each requester is active in each bucket (AWS does not publish the period's length; the sandbox's is 10 minutes)." placeholder:"P"`
	Mode       string `name:"mode" default:"sse-kms" enum:"sse-kms,dsse-kms,sse-s3,sse-c" help:"Encryption: sse-kms, dsse-kms, sse-s3 or sse-c."`
	BucketKey  bool   `name:"bucket-key" help:"Show only the bucket-key line (both lines are shown without it)."`
	Keys       int64  `name:"keys" help:"Customer managed KMS keys in use ($1/month each; 0: the AWS managed aws/s3 key)." placeholder:"K"`
	NoFreeTier bool   `name:"no-free-tier" help:"Leave out KMS's 20,000 free requests a month (other workloads use them)."`
	Measure    int64  `name:"measure" help:"On the sandbox, upload N small SSE-KMS objects with and without a bucket key and compare the KMS requests it counts with the estimate." placeholder:"N"`
}

var costModes = map[string]modes.ID{"sse-kms": modes.SSEKMS, "dsse-kms": modes.DSSEKMS, "sse-s3": modes.SSES3, "sse-c": modes.SSEC}

// Run implements the verb.
func (c *CostCmd) Run(ctx context.Context, g *Globals) error {
	in := actions.CostInput{Mode: costModes[c.Mode], Puts: c.Puts, Gets: c.Gets, Requesters: c.Requesters,
		Buckets: c.Buckets, Periods: c.Periods, Keys: c.Keys, NoFreeTier: c.NoFreeTier}
	for _, f := range []struct {
		name string
		v    int64
	}{{"--puts", c.Puts}, {"--gets", c.Gets}, {"--keys", c.Keys}, {"--measure", c.Measure}} {
		if f.v < 0 {
			return usage("%s %d: a count cannot be negative", f.name, f.v)
		}
	}
	for _, f := range []struct {
		name string
		v    int64
	}{{"--requesters", c.Requesters}, {"--buckets", c.Buckets}, {"--bucket-key-periods", c.Periods}} {
		if f.v < 1 {
			return usage("%s %d: at least 1", f.name, f.v)
		}
	}
	if c.BucketKey && (in.Mode == modes.DSSEKMS || in.Mode == modes.SSES3 || in.Mode == modes.SSEC) {
		return usage("--bucket-key: %s has no bucket key (bucket keys are for SSE-KMS only)", modes.Get(in.Mode).Name)
	}
	human := func(w io.Writer, res any) { printCost(w, res.(actions.CostResult), c.BucketKey) }
	if c.Measure == 0 {
		res, err := actions.EstimateCost(in)
		if err != nil {
			return usage("%v", err)
		}
		if g.JSON {
			return writeJSON(g.out(), res)
		}
		human(g.out(), res)
		return nil
	}
	return g.run(ctx, &actions.EstimateCostAction{Input: in, Measure: c.Measure}, human)
}

// printCost prints the estimate: a line per bucket-key setting, then the
// measure, the notes and the prices with their sources.
func printCost(w io.Writer, r actions.CostResult, onlyBucketKey bool) {
	in := r.Input
	fmt.Fprintf(w, "%s, a month: %d uploads, %d downloads, %d requester(s), %d bucket(s), %d bucket-key period(s), %d customer managed key(s)\n\n",
		r.Mode, in.Puts, in.Gets, in.Requesters, in.Buckets, in.Periods, in.Keys)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "bucket key\tGenerateDataKey\tDecrypt\tKMS requests\tbillable\trequests\tkeys\ttotal\t")
	lines := []actions.CostLine{r.Without}
	if r.With != nil {
		lines = append(lines, *r.With)
		if onlyBucketKey {
			lines = lines[1:]
		}
	}
	for _, l := range lines {
		bk := "off"
		if l.BucketKey {
			bk = "on"
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%s\t%s\t%s\t\n", bk, l.GenerateDataKey, l.Decrypt, l.Requests, l.Billable,
			actions.USD(l.RequestUSD), actions.USD(l.KeyUSD), actions.USD(l.TotalUSD))
	}
	_ = tw.Flush()
	if m := r.Measured; m != nil {
		fmt.Fprintf(w, "\nmeasured on the sandbox, %d SSE-KMS uploads by one requester in one bucket-key period:\n", m.Uploads)
		fmt.Fprintf(w, "  bucket key off: %d KMS requests (estimate %d)\n", m.WithoutBucketKey, m.EstimateWithout)
		fmt.Fprintf(w, "  bucket key on:  %d KMS requests (estimate %d)\n", m.WithBucketKey, m.EstimateWith)
	}
	if len(r.Notes) > 0 {
		fmt.Fprintln(w)
		for _, n := range r.Notes {
			fmt.Fprintln(w, "note: "+n)
		}
	}
	if len(r.Prices) > 0 {
		fmt.Fprintln(w, "\nprices (us-east-1):")
		for _, p := range r.Prices {
			fmt.Fprintf(w, "  %s: %s\n    %s, read %s\n", p.ID, strings.TrimSpace(p.Says), p.Source, p.Read)
		}
	}
}
