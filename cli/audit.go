package cli

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/s3crypt/s3crypt/actions"
)

// AuditCmd is `s3crypt audit`: each bucket's encryption posture, and with
// --objects every object version's; each weakness a finding with its
// severity, reason and fix. --fail-on makes findings an exit code.
type AuditCmd struct {
	URLs        []string `arg:"" optional:"" name:"s3-url" help:"Buckets to audit, s3://BUCKET (default: every bucket)."`
	Objects     bool     `name:"objects" help:"Also read every object version (ListObjectVersions and a HEAD each) and the KMS keys they use."`
	Markdown    bool     `name:"markdown" help:"Print the report as Markdown."`
	FailOn      string   `name:"fail-on" enum:",info,low,medium,high,critical" default:"" help:"Exit 3 when a finding is at or above this severity: info, low, medium, high, critical." placeholder:"SEVERITY"`
	Concurrency int      `name:"concurrency" default:"16" help:"HEAD requests at once (--objects)." placeholder:"N"`
}

// FindingsError is an audit that found something at or above --fail-on.
type FindingsError struct {
	N        int
	Severity actions.Severity
}

func (e *FindingsError) Error() string {
	return fmt.Sprintf("%d finding(s) at or above %s", e.N, e.Severity)
}

// ExitCode is 3: the audit ran, and found what --fail-on fails on.
func (e *FindingsError) ExitCode() int { return 3 }

// Run implements the verb.
func (c *AuditCmd) Run(ctx context.Context, g *Globals) error {
	if c.Markdown && g.JSON {
		return usage("--markdown and --json: choose one")
	}
	if c.Concurrency < 1 {
		return usage("--concurrency %d: at least 1", c.Concurrency)
	}
	var buckets []string
	for _, u := range c.URLs {
		b, key, err := parseS3URL(u, false)
		if err != nil {
			return err
		}
		if key != "" {
			return usage("%s: audit takes buckets (s3://BUCKET), not objects", u)
		}
		buckets = append(buckets, b)
	}
	a := &capture{Action: &actions.Audit{Buckets: buckets, Objects: c.Objects, Concurrency: c.Concurrency}}
	err := g.run(ctx, a, func(w io.Writer, res any) {
		if c.Markdown {
			printAuditMarkdown(w, res.(actions.AuditResult))
			return
		}
		printAudit(w, res.(actions.AuditResult))
	})
	if err != nil || c.FailOn == "" {
		return err
	}
	sev, _ := actions.ParseSeverity(c.FailOn)
	if n := a.res.(actions.AuditResult).AtLeast(sev); n > 0 {
		return &FindingsError{N: n, Severity: sev}
	}
	return nil
}

func auditCounts(r actions.AuditResult) string {
	var parts []string
	for s := actions.SeverityCritical; s >= actions.SeverityInfo; s-- {
		if n := r.Counts.Of(s); n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, s))
		}
	}
	if len(parts) == 0 {
		return "no findings"
	}
	return strings.Join(parts, ", ")
}

func printAudit(w io.Writer, r actions.AuditResult) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "bucket\tdefault encryption\tversioning\tpolicy\t")
	for _, b := range r.Buckets {
		def := b.DefaultEncryption
		if b.KMSKeyState != "" && b.KMSKeyState != "Enabled" {
			def += " [key " + b.KMSKeyState + "]"
		}
		if b.Error != "" {
			def += " ! " + b.Error
		}
		fmt.Fprintf(tw, "s3://%s\t%s\t%s\t%s\t\n", b.Bucket, def, b.Versioning, b.Policy)
	}
	_ = tw.Flush()
	if r.Objects {
		fmt.Fprintf(w, "\nobjects: %d versions read\n", r.Scanned)
		for _, b := range r.Buckets {
			if b.Objects != nil {
				fmt.Fprintf(w, "  s3://%s: %s\n", b.Bucket, modeList(b.Objects.ByMode))
			}
		}
	}
	fmt.Fprintf(w, "\n%d finding(s): %s\n", len(r.Findings), auditCounts(r))
	for _, f := range r.Findings {
		where := f.Bucket
		if where != "" {
			where = "s3://" + where
		}
		if f.KMSKey != "" {
			where = strings.TrimSpace(where + " " + f.KMSKey)
		}
		fmt.Fprintf(w, "\n[%s] %s  %s\n  %s\n", strings.ToUpper(f.Severity.String()), f.ID, where, f.Reason)
		if len(f.Examples) > 0 {
			fmt.Fprintf(w, "  e.g. %s\n", strings.Join(f.Examples, ", "))
		}
		fmt.Fprintf(w, "  fix: %s\n  aws: %s\n", f.Fix, f.FixAWS)
		if f.FixAWSNeedsCLI != "" {
			fmt.Fprintf(w, "       (needs aws CLI %s or later)\n", f.FixAWSNeedsCLI)
		}
		if len(f.Maps) > 0 {
			fmt.Fprintf(w, "  same as: %s\n", strings.Join(f.Maps, "; "))
		}
	}
	for _, n := range r.Notes {
		fmt.Fprintln(w, "note: "+n)
	}
}

// modeList renders object counts by mode, "empty" when there are none.
func modeList(m map[string]int64) string {
	if len(m) == 0 {
		return "empty"
	}
	return countList(m)
}

// mdCell escapes a Markdown table cell.
func mdCell(s string) string { return strings.ReplaceAll(strings.ReplaceAll(s, "|", `\|`), "\n", " ") }

func printAuditMarkdown(w io.Writer, r actions.AuditResult) {
	fmt.Fprintf(w, "# S3 encryption audit\n\n%d bucket(s); %s.\n\n", len(r.Buckets), auditCounts(r))
	fmt.Fprintln(w, "| bucket | default encryption | bucket key | SSE-C | versioning | policy |")
	fmt.Fprintln(w, "| --- | --- | --- | --- | --- | --- |")
	for _, b := range r.Buckets {
		ssec := map[bool]string{true: "blocked", false: "allowed"}[b.SSECBlocked]
		bk := map[bool]string{true: "on", false: "off"}[b.BucketKey]
		fmt.Fprintf(w, "| s3://%s | %s | %s | %s | %s | %s |\n", b.Bucket, mdCell(b.DefaultEncryption), bk, ssec, b.Versioning, mdCell(b.Policy))
	}
	if len(r.Findings) == 0 {
		return
	}
	fmt.Fprintln(w, "\n## Findings\n\n| severity | id | where | reason | fix | aws |")
	fmt.Fprintln(w, "| --- | --- | --- | --- | --- | --- |")
	for _, f := range r.Findings {
		where := strings.TrimSpace(map[bool]string{true: "s3://" + f.Bucket, false: ""}[f.Bucket != ""] + " " + f.KMSKey)
		fmt.Fprintf(w, "| %s | `%s` | %s | %s | `%s` | `%s` |\n", f.Severity, f.ID, mdCell(where), mdCell(f.Reason), mdCell(f.Fix), mdCell(f.FixAWS))
	}
}
