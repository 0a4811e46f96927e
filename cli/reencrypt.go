package cli

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/s3crypt/s3crypt/actions"
	s3c "github.com/s3crypt/s3crypt/crypto"
)

// ReencryptCmd is `s3crypt reencrypt s3://BUCKET/KEY --sse …`, or with
// --recursive every current object under a prefix.
type ReencryptCmd struct {
	URL       string   `arg:"" name:"s3-url" help:"Object s3://BUCKET/KEY, or with --recursive s3://BUCKET/PREFIX."`
	SSE       string   `name:"sse" aliases:"server-side-encryption" required:"" enum:"AES256,aws:kms,aws:kms:dsse" help:"The new encryption: AES256 (SSE-S3), aws:kms (SSE-KMS) or aws:kms:dsse (DSSE-KMS)."`
	KMSKey    string   `name:"kms-key" aliases:"sse-kms-key-id,ssekms-key-id" help:"KMS key for aws:kms / aws:kms:dsse: id, ARN, alias/NAME or alias ARN, resolved to the key ARN UpdateObjectEncryption needs (default: aws/s3)." placeholder:"KEY"`
	BucketKey bool     `name:"bucket-key" aliases:"bucket-key-enabled" help:"Use an S3 bucket key (SSE-KMS)."`
	Copy      bool     `help:"Always copy in place, even where UpdateObjectEncryption would re-wrap the key."`
	SourceKey []string `name:"source-sse-c-key" help:"SSE-C objects: the object's own key file (32 raw bytes, base64 or hex; repeatable with --recursive: each SSE-C object is tried with each)." placeholder:"FILE" sep:"none"`

	Recursive   bool   `short:"r" help:"Every current object under the prefix: plan, then run with a resumable journal."`
	OnlyMode    string `name:"only-mode" help:"With --recursive: only objects now encrypted this way (SSE-S3, SSE-KMS, DSSE-KMS, SSE-C, none, client-side)." placeholder:"MODE"`
	OnlyKey     string `name:"only-key" help:"With --recursive: only objects under this KMS key (id, ARN or alias)." placeholder:"KEY"`
	DryRun      bool   `name:"dry-run" help:"With --recursive: print the plan and change nothing."`
	Concurrency int    `default:"8" help:"With --recursive: objects changed at once." placeholder:"N"`
	JournalDir  string `name:"journal-dir" help:"With --recursive: where the journal goes (default $XDG_STATE_HOME/s3crypt/reencrypt)." placeholder:"DIR" type:"path"`
}

// Run implements the verb.
func (c *ReencryptCmd) Run(ctx context.Context, g *Globals) error {
	bucket, key, err := parseS3URL(c.URL, !c.Recursive)
	if err != nil {
		return err
	}
	if !c.Recursive && (c.OnlyMode != "" || c.OnlyKey != "" || c.DryRun) {
		return usage("--only-mode, --only-key and --dry-run go with --recursive")
	}
	if c.Concurrency < 1 {
		return usage("--concurrency must be at least 1")
	}
	if !c.Recursive && len(c.SourceKey) > 1 {
		return usage("one object has one SSE-C key: give --source-sse-c-key once")
	}
	keys, err := c.loadKeys(g)
	if err != nil {
		return err
	}
	defer func() {
		for _, k := range keys {
			wipeSSEC(k)
		}
	}()
	t := actions.ReencryptTarget{SSE: c.SSE, KMSKey: c.KMSKey, BucketKey: c.BucketKey}
	if !c.Recursive {
		a := &actions.Reencrypt{Bucket: bucket, Key: key, Target: t, Copy: c.Copy}
		if len(keys) == 1 {
			a.SourceSSEC = keys[0]
		}
		return g.run(ctx, a, func(w io.Writer, res any) { printReencrypt(w, res.(actions.ReencryptResult)) })
	}
	m := &actions.ReencryptMany{Bucket: bucket, Prefix: key, Target: t, OnlyMode: c.OnlyMode, OnlyKey: c.OnlyKey, SourceSSEC: keys,
		Copy: c.Copy, DryRun: c.DryRun, Concurrency: c.Concurrency, JournalDir: c.JournalDir, OnProgress: g.bulkProgress}
	return g.run(ctx, m, func(w io.Writer, res any) {
		switch r := res.(type) {
		case actions.ReencryptPlan:
			printPlan(w, r)
			fmt.Fprintln(w, "dry run: nothing was changed")
		case actions.ReencryptReport:
			printReport(w, r)
		}
	})
}

func (c *ReencryptCmd) loadKeys(g *Globals) ([]*actions.SSECKey, error) {
	var out []*actions.SSECKey
	for _, f := range c.SourceKey {
		k, enc, warn, err := s3c.ReadKeyFileEncoding(strings.TrimPrefix(f, "fileb://"))
		if err != nil {
			for _, k := range out {
				wipeSSEC(k)
			}
			return nil, err
		}
		if warn != nil {
			g.warn(warn.String())
		}
		out = append(out, &actions.SSECKey{Key: k, File: f, Encoding: enc})
	}
	return out, nil
}

// bulkProgress prints a bulk run's progress on standard error.
func (g *Globals) bulkProgress(p actions.BulkProgress) {
	if g.JSON {
		g.jsonLine(map[string]any{"Progress": p})
		return
	}
	eta := "?"
	if p.ETASeconds >= 0 {
		eta = (time.Duration(p.ETASeconds * float64(time.Second))).Round(time.Second).String()
	}
	fmt.Fprintf(g.errw(), "s3crypt: %d/%d objects, %s/%s, %.0f objects/s, %.1f MB/s, ETA %s\n", p.Objects, p.TotalObjects,
		humanSize(p.Bytes), humanSize(p.TotalBytes), p.ObjectsPerSec, p.BytesPerSec/1e6, eta)
}

func printReencrypt(w io.Writer, r actions.ReencryptResult) {
	fmt.Fprintf(w, "s3://%s/%s: %s\n", r.Bucket, r.Key, r.Path)
	fmt.Fprintf(w, "  why: %s\n", r.Why)
	fmt.Fprintf(w, "  before: %s\n  after:  %s\n", r.Before.Summary(), r.After.Summary())
	switch {
	case r.Path == actions.PathUpdate:
		fmt.Fprintln(w, "  S3 re-wrapped the data key without rewriting the data: same version, same ETag")
	case r.Rewrote:
		fmt.Fprintf(w, "  S3 rewrote the object: ETag %s → %s", r.ETagBefore, r.ETagAfter)
		if r.VersionIDAfter != r.VersionIDBefore && r.VersionIDAfter != "" && r.VersionIDAfter != "null" {
			fmt.Fprintf(w, ", new version %s (version %s keeps its old encryption)", r.VersionIDAfter, r.VersionIDBefore)
		}
		fmt.Fprintln(w)
	}
	if r.Verified {
		fmt.Fprintln(w, "  verified: HEAD shows the encryption asked for, the same size")
	} else {
		fmt.Fprintln(w, "  NOT verified: "+strings.Join(r.Mismatch, "; "))
	}
}

func printPlan(w io.Writer, p actions.ReencryptPlan) {
	fmt.Fprintf(w, "plan: s3://%s/%s → %s (versioning %s)\n", p.Bucket, p.Prefix, p.Target, p.Versioning)
	fmt.Fprintf(w, "  %d objects, %s", p.Objects, humanSize(p.Bytes))
	if p.Filtered > 0 {
		fmt.Fprintf(w, " (%d more left out by --only-mode/--only-key)", p.Filtered)
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  NOW\tKEY\tOBJECTS\tBYTES\tPATHS")
	for _, gr := range p.Groups {
		key := gr.KMSKeyArn
		if gr.BucketKey {
			key += " (bucket key)"
		}
		if key == "" {
			key = "-"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%d\t%s\t%s\n", gr.Mode, key, gr.Objects, humanSize(gr.Bytes), countList(gr.Paths))
	}
	tw.Flush()
	fmt.Fprintf(w, "  by path: %s\n", countList(p.Paths))
	fmt.Fprintf(w, "  KMS requests: about %d, $%.4f at $%.2f per 10,000 (%s)\n", p.KMSRequests, p.KMSCostUSD, actions.KMSRequestPrice, p.PriceSource)
	if len(p.Cannot) > 0 {
		fmt.Fprintf(w, "  cannot be changed (%d), left untouched:\n", len(p.Cannot))
		for _, it := range p.Cannot {
			fmt.Fprintf(w, "    %s: %s\n", it.Key, it.Why)
		}
	}
	for _, n := range p.Notes {
		fmt.Fprintln(w, "  note: "+n)
	}
}

// countList renders counts by name as "3 copy, 5 update", sorted ("" when
// there are none): the re-encryption paths and the audit's modes alike.
func countList[N int | int64](m map[string]N) string {
	parts := make([]string, 0, len(m))
	for name, n := range m {
		parts = append(parts, fmt.Sprintf("%d %s", n, name))
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}

func printReport(w io.Writer, r actions.ReencryptReport) {
	printPlan(w, r.Plan)
	fmt.Fprintf(w, "run: %s; %d verified", countList(r.Done), r.Verified)
	if r.Resumed > 0 {
		fmt.Fprintf(w, "; %d done by an earlier run, not redone", r.Resumed)
	}
	fmt.Fprintf(w, "\n  %s in %.1fs: %.0f objects/s, %.1f MB/s\n", humanSize(r.Bytes), r.Duration, r.ObjectsPerS, r.BytesPerS/1e6)
	if r.KMSRequestsSeen {
		fmt.Fprintf(w, "  KMS requests made: %d\n", r.KMSRequests)
	} else {
		fmt.Fprintf(w, "  KMS requests you made: %d (S3's on your behalf are not visible on this backend)\n", r.KMSRequests)
	}
	for _, f := range r.Failed {
		fmt.Fprintf(w, "  FAILED %s: %s\n", f.Key, f.Error)
	}
	for _, f := range r.Unverified {
		fmt.Fprintf(w, "  NOT AS ASKED %s: %s\n", f.Key, f.Error)
	}
	fmt.Fprintf(w, "  journal: %s\n", r.Journal)
}
