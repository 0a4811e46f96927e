package cli

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/s3crypt/s3crypt/actions"
)

// KMSKeyUsageCmd is `s3crypt kms key-usage`.
type KMSKeyUsageCmd struct {
	keyIDFlag
	Bucket      []string `name:"bucket" help:"Look only in this bucket (repeatable; default: every bucket)." placeholder:"B"`
	Concurrency int      `name:"concurrency" default:"16" help:"HEAD requests at once." placeholder:"N"`
}

// Run implements the verb.
func (c *KMSKeyUsageCmd) Run(ctx context.Context, g *Globals) error {
	if c.Concurrency < 1 {
		return usage("--concurrency %d: at least 1", c.Concurrency)
	}
	a := &actions.KeyUsage{KeyID: c.KeyID, Buckets: c.Bucket, Concurrency: c.Concurrency}
	return g.run(ctx, a, func(w io.Writer, res any) { printKeyUsage(w, res.(actions.KeyUsageResult)) })
}

func printKeyUsage(w io.Writer, u actions.KeyUsageResult) {
	name := u.KeyID
	if len(u.Aliases) > 0 {
		name += " (" + u.Aliases[0] + ")"
	}
	fmt.Fprintf(w, "KMS key %s, %s: %s\n", name, u.KeyState, u.Summary())
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "bucket\tdefault\tcurrent\tnoncurrent\tbytes\tSSE-KMS\t+bucket key\tDSSE-KMS\t")
	for _, b := range u.Buckets {
		def := ""
		if b.DefaultRule {
			def = "yes"
		}
		extra := ""
		if b.Error != "" {
			extra = "  ! " + b.Error
		} else if b.Unread > 0 {
			extra = fmt.Sprintf("  ! %d versions unreadable", b.Unread)
		}
		fmt.Fprintf(tw, "s3://%s\t%s\t%d\t%d\t%s\t%d\t%d\t%d\t%s\n", b.Bucket, def, b.Objects, b.Versions, humanSize(b.Bytes), b.SSEKMS, b.BucketKey, b.DSSEKMS, extra)
	}
	_ = tw.Flush()
	fmt.Fprintf(w, "%d versions read with %d S3 requests\n", u.Scanned, u.Requests)
	for _, n := range u.Notes {
		fmt.Fprintln(w, "note: "+n)
	}
}
