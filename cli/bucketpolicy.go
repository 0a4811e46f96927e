package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/s3crypt/s3crypt/actions"
)

// BucketPolicyCmd is `s3crypt bucket-policy get|put|delete`.
type BucketPolicyCmd struct {
	Get    BucketPolicyGetCmd    `cmd:"" help:"Show a bucket's policy and what it enforces."`
	Put    BucketPolicyPutCmd    `cmd:"" help:"Set a bucket's policy: from a JSON file (- for standard input) or ready-made (--require-sse-kms, --require-tls, --deny-sse-c)."`
	Delete BucketPolicyDeleteCmd `cmd:"" help:"Delete a bucket's policy."`
}

// BucketPolicyGetCmd is `s3crypt bucket-policy get s3://BUCKET`.
type BucketPolicyGetCmd struct {
	URL string `arg:"" name:"s3-url" help:"The bucket: s3://BUCKET."`
}

// Run implements the verb.
func (c *BucketPolicyGetCmd) Run(ctx context.Context, g *Globals) error {
	bucket, err := bucketOnly(c.URL)
	if err != nil {
		return err
	}
	return g.run(ctx, &actions.GetBucketPolicy{Bucket: bucket}, printBucketPolicy)
}

// BucketPolicyPutCmd is `s3crypt bucket-policy put s3://BUCKET …`.
type BucketPolicyPutCmd struct {
	URL           string `arg:"" name:"s3-url" help:"The bucket: s3://BUCKET."`
	File          string `arg:"" optional:"" name:"policy-file" help:"The policy as JSON: a file, file://FILE, or - for standard input (as aws s3api put-bucket-policy --policy takes it)." placeholder:"FILE"`
	RequireSSEKMS bool   `name:"require-sse-kms" help:"Deny uploads whose x-amz-server-side-encryption header is not aws:kms (even when the bucket default would encrypt them)."`
	Key           string `name:"key" help:"With --require-sse-kms: also deny uploads that do not name this KMS key (id, alias or ARN; the policy names its ARN)." placeholder:"KEY"`
	RequireTLS    bool   `name:"require-tls" help:"Deny every request over plain HTTP (aws:SecureTransport false)."`
	DenySSEC      bool   `name:"deny-sse-c" help:"Deny uploads that carry an SSE-C key."`
}

// Run implements the verb.
func (c *BucketPolicyPutCmd) Run(ctx context.Context, g *Globals) error {
	bucket, err := bucketOnly(c.URL)
	if err != nil {
		return err
	}
	ready := c.RequireSSEKMS || c.RequireTLS || c.DenySSEC
	switch {
	case c.File != "" && ready:
		return usage("give either a policy file or the ready-made options (--require-sse-kms, --require-tls, --deny-sse-c), not both")
	case c.File == "" && !ready:
		return usage("say what to set: a policy file (- for standard input), or --require-sse-kms [--key K], --require-tls, --deny-sse-c")
	case c.Key != "" && !c.RequireSSEKMS:
		return usage("--key applies with --require-sse-kms")
	}
	p := &actions.PutBucketPolicy{Bucket: bucket, RequireSSEKMS: c.RequireSSEKMS, KMSKey: c.Key, RequireTLS: c.RequireTLS, DenySSEC: c.DenySSEC}
	switch file := strings.TrimPrefix(c.File, "file://"); file {
	case "":
	case "-":
		data, err := io.ReadAll(io.LimitReader(os.Stdin, 1<<20))
		if err != nil {
			return fmt.Errorf("read the policy from standard input: %w", err)
		}
		p.JSON = data
	default:
		p.File = file
	}
	return g.run(ctx, p, printBucketPolicy)
}

// BucketPolicyDeleteCmd is `s3crypt bucket-policy delete s3://BUCKET`.
type BucketPolicyDeleteCmd struct {
	URL string `arg:"" name:"s3-url" help:"The bucket: s3://BUCKET."`
}

// Run implements the verb.
func (c *BucketPolicyDeleteCmd) Run(ctx context.Context, g *Globals) error {
	bucket, err := bucketOnly(c.URL)
	if err != nil {
		return err
	}
	return g.run(ctx, &actions.DeleteBucketPolicy{Bucket: bucket}, printBucketPolicy)
}

// printBucketPolicy prints what a policy enforces, then the policy.
func printBucketPolicy(w io.Writer, res any) {
	r := res.(actions.BucketPolicyResult)
	fmt.Fprintf(w, "s3://%s bucket policy\n", r.Bucket)
	field(w, "enforces", r.Summary)
	if e := r.Enforces; e != nil {
		field(w, "tls", map[bool]string{true: "required: plain HTTP requests are denied", false: "not required"}[e.TLSRequired])
		field(w, "allowed", strings.Join(e.AllowedWrites, ", "))
		field(w, "denied", strings.Join(e.DeniedWrites, ", "))
		field(w, "kms keys", strings.Join(e.KMSKeys, ", "))
	}
	if r.IsPublic != nil {
		field(w, "public", map[bool]string{true: "yes: it allows everyone (GetBucketPolicyStatus IsPublic)", false: "no"}[*r.IsPublic])
	}
	if r.Policy != "" {
		fmt.Fprintln(w, r.Policy)
	}
	for _, n := range r.Notes {
		fmt.Fprintln(w, "note: "+n)
	}
}

// bucketPolicyJSON is --json of a bucket policy verb: Policy and
// PolicyStatus as get-bucket-policy and get-bucket-policy-status print them.
type bucketPolicyJSON struct {
	Bucket       string              `json:"Bucket"`
	Policy       string              `json:"Policy,omitempty"`
	PolicyStatus *policyStatusJSON   `json:"PolicyStatus,omitempty"`
	Summary      string              `json:"Summary"`
	Enforces     *policyEnforcesJSON `json:"Enforces,omitempty"`
	Notes        []string            `json:"Notes,omitempty"`
}

type policyStatusJSON struct {
	IsPublic bool `json:"IsPublic"`
}

type policyEnforcesJSON struct {
	TLSRequired   bool     `json:"TLSRequired"`
	DeniedWrites  []string `json:"DeniedWrites,omitempty"`
	AllowedWrites []string `json:"AllowedWrites,omitempty"`
	KMSKeys       []string `json:"KMSKeys,omitempty"`
	ReadsDenied   bool     `json:"ReadsDenied,omitempty"`
	Public        bool     `json:"Public,omitempty"`
}

func bucketPolicyOf(r actions.BucketPolicyResult) bucketPolicyJSON {
	j := bucketPolicyJSON{Bucket: r.Bucket, Policy: r.Policy, Summary: r.Summary, Notes: r.Notes}
	if r.IsPublic != nil {
		j.PolicyStatus = &policyStatusJSON{IsPublic: *r.IsPublic}
	}
	if e := r.Enforces; e != nil {
		j.Enforces = &policyEnforcesJSON{TLSRequired: e.TLSRequired, DeniedWrites: e.DeniedWrites, AllowedWrites: e.AllowedWrites,
			KMSKeys: e.KMSKeys, ReadsDenied: e.ReadsDenied, Public: e.Public}
	}
	return j
}
