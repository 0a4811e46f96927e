package cli

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/s3crypt/s3crypt/actions"
)

// bucketOnly parses s3://BUCKET (a trailing / is fine; a key is not).
func bucketOnly(u string) (string, error) {
	bucket, key, err := parseS3URL(u, false)
	if err != nil {
		return "", err
	}
	if key != "" {
		return "", usage("%q names an object; this verb takes a bucket: s3://%s", u, bucket)
	}
	return bucket, nil
}

// MbCmd is `s3crypt mb s3://BUCKET`.
type MbCmd struct {
	URL string `arg:"" name:"s3-url" help:"The bucket to create: s3://BUCKET."`
}

// Run implements the verb.
func (c *MbCmd) Run(ctx context.Context, g *Globals) error {
	bucket, err := bucketOnly(c.URL)
	if err != nil {
		return err
	}
	return g.run(ctx, &actions.MakeBucket{Bucket: bucket}, func(w io.Writer, res any) {
		r := res.(actions.MakeBucketResult)
		fmt.Fprintf(w, "make_bucket: %s\n", r.Bucket)
		fmt.Fprintf(w, "  default encryption: %s\n", r.DefaultEncryption())
	})
}

// RbCmd is `s3crypt rb s3://BUCKET` (empty buckets only).
type RbCmd struct {
	URL string `arg:"" name:"s3-url" help:"The empty bucket to remove: s3://BUCKET."`
}

// Run implements the verb.
func (c *RbCmd) Run(ctx context.Context, g *Globals) error {
	bucket, err := bucketOnly(c.URL)
	if err != nil {
		return err
	}
	return g.run(ctx, &actions.RemoveBucket{Bucket: bucket}, func(w io.Writer, res any) {
		fmt.Fprintf(w, "remove_bucket: %s\n", res.(actions.RemoveBucketResult).Bucket)
	})
}

// LsCmd is `s3crypt ls [s3://BUCKET[/PREFIX]]`.
type LsCmd struct {
	URL         string `arg:"" optional:"" name:"s3-url" help:"s3://BUCKET[/PREFIX] to list objects; without it, list the buckets."`
	Recursive   bool   `short:"r" help:"List every object under the prefix, not one level."`
	Delimiter   string `default:"/" help:"What ends a folder name (ignored with --recursive)." placeholder:"D"`
	Concurrency int    `default:"16" help:"HeadObject (or GetBucketEncryption) requests at once." placeholder:"N"`
	Versions    bool   `help:"List every version and delete marker under the prefix, each version with its own encryption."`
}

// Run implements the verb.
func (c *LsCmd) Run(ctx context.Context, g *Globals) error {
	if c.Concurrency < 1 {
		return usage("--concurrency must be at least 1")
	}
	if c.URL == "" {
		return g.run(ctx, &actions.ListBuckets{Concurrency: c.Concurrency}, func(w io.Writer, res any) {
			printBuckets(w, res.(actions.ListBucketsResult))
		})
	}
	bucket, prefix, err := parseS3URL(c.URL, false)
	if err != nil {
		return err
	}
	if c.Versions {
		return c.listVersions(ctx, g, bucket, prefix)
	}
	l := &actions.ListObjects{Bucket: bucket, Prefix: prefix, Delimiter: c.Delimiter, Concurrency: c.Concurrency}
	if c.Recursive {
		l.Delimiter = ""
	}
	return g.run(ctx, l, func(w io.Writer, res any) { printObjects(w, res.(actions.ListObjectsResult)) })
}

// printBuckets prints one bucket a line with its default encryption.
func printBuckets(w io.Writer, r actions.ListBucketsResult) {
	if len(r.Buckets) == 0 {
		fmt.Fprintln(w, "no buckets: create one with s3crypt mb s3://BUCKET")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CREATED\tBUCKET\tDEFAULT ENCRYPTION\tBUCKET KEY\tSSE-C")
	for _, b := range r.Buckets {
		def, bk, ssec := actions.NoDefaultEncryption, "-", "allowed"
		switch e := b.Encryption; {
		case b.EncryptionError != "":
			def, bk, ssec = "? "+b.EncryptionError, "?", "?"
		case e != nil:
			def, bk = e.Mode(), onOff(e.BucketKey)
			if e.KMSKeyID != "" {
				def += " " + e.KMSKeyID
			} else if e.SSEAlgorithm == actions.SSEKMS || e.SSEAlgorithm == actions.DSSEKMS {
				def += " aws/s3"
			}
			if e.SSECBlocked() {
				ssec = "blocked"
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", b.Created.Local().Format("2006-01-02 15:04:05"), b.Name, def, bk, ssec)
	}
	tw.Flush()
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

// printObjects prints a listing like aws s3 ls, with an encryption column.
func printObjects(w io.Writer, r actions.ListObjectsResult) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	name := func(k string) string {
		if r.Delimiter != "" {
			return strings.TrimPrefix(k, r.Prefix)
		}
		return k
	}
	for _, p := range r.Prefixes {
		fmt.Fprintf(tw, "\tPRE\t%s\n", name(p))
	}
	for _, o := range r.Objects {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", o.LastModified.Local().Format("2006-01-02 15:04:05"), humanSize(o.Size), name(o.Key), o.Label)
	}
	tw.Flush()
	if len(r.Objects)+len(r.Prefixes) == 0 {
		fmt.Fprintf(w, "nothing under s3://%s/%s\n", r.Bucket, r.Prefix)
	}
	for _, n := range r.Notes {
		fmt.Fprintln(w, "note: "+n)
	}
}

// HeadCmd is `s3crypt head s3://BUCKET/KEY`.
type HeadCmd struct {
	URL       string `arg:"" name:"s3-url" help:"Object s3://BUCKET/KEY."`
	VersionID string `name:"version-id" help:"Object version." placeholder:"V"`
	sseCFlags
}

// Run implements the verb.
func (c *HeadCmd) Run(ctx context.Context, g *Globals) error {
	bucket, key, ssec, err := c.target(c.URL, g)
	if err != nil {
		return err
	}
	defer wipeSSEC(ssec)
	return g.run(ctx, &actions.Head{Bucket: bucket, Key: key, VersionID: c.VersionID, SSEC: ssec}, func(w io.Writer, res any) {
		printHead(w, res.(actions.HeadResult))
	})
}

// printHead prints everything about an object's encryption.
func printHead(w io.Writer, r actions.HeadResult) {
	e := r.Encryption
	fmt.Fprintf(w, "s3://%s/%s\n", r.Bucket, r.Key)
	layers := "" // a client-side layer comes first: S3 encrypts its ciphertext
	if cs := r.ClientSide; cs != nil {
		layers = fmt.Sprintf("client-side S3EC V%d, then ", cs.Format)
	}
	switch {
	case e.SSECKeyMD5 != "":
		field(w, "encryption", layers+"SSE-C (x-amz-server-side-encryption-customer-algorithm: AES256)")
	case e.SSE != "":
		field(w, "encryption", layers+r.Mode+" (x-amz-server-side-encryption: "+e.SSE+")")
	case r.Mode == "none":
		field(w, "encryption", layers+"no encryption (the answer carries no x-amz-server-side-encryption header)")
	default:
		field(w, "encryption", layers+r.Mode)
	}
	if k := r.KMS; k != nil {
		field(w, "kms key", k.ARN)
		field(w, "aliases", strings.Join(k.Aliases, ", "))
		if k.Manager != "" {
			field(w, "managed by", map[string]string{"AWS": "AWS (AWS managed key)", "CUSTOMER": "you (customer managed key)"}[k.Manager]+", "+k.State)
		}
		field(w, "kms", k.Error)
	}
	if e.KMSKeyARN != "" {
		field(w, "bucket key", onOff(e.BucketKey))
	}
	field(w, "sse-c md5", e.SSECKeyMD5)
	if cs := r.ClientSide; cs != nil {
		field(w, "client-side", clientSideLine(cs))
		field(w, "  context", contextText(cs.Context))
		field(w, "  problem", cs.Error)
	}
	field(w, "size", fmt.Sprintf("%s (%d bytes)", humanSize(r.Size), r.Size))
	if r.Parts > 0 {
		field(w, "parts", fmt.Sprint(r.Parts))
	}
	field(w, "etag", r.ETag)
	for _, alg := range sortedKeys(r.Checksums) {
		field(w, "checksum", strings.TrimSpace(alg+" "+r.Checksums[alg]+" "+r.ChecksumType))
	}
	field(w, "version", r.VersionID)
	field(w, "modified", r.LastModified.Local().Format("2006-01-02 15:04:05"))
	field(w, "type", r.ContentType)
	if a := r.AtRest; a != nil {
		fmt.Fprintln(w, "at rest (sandbox: what lies on disk)")
		field(w, "format", fmt.Sprintf("%s; %d-byte packages", a.Format, a.PackageSize))
		for i, l := range a.Layers {
			s := fmt.Sprintf("%s, wrapped key %d bytes", l.Wrapping, l.WrappedKeyBytes)
			if l.KMSKeyARN != "" {
				s += " under " + l.KMSKeyARN
			}
			if l.BucketKeyBlobSize > 0 {
				s += fmt.Sprintf(", bucket key blob %d bytes", l.BucketKeyBlobSize)
			}
			field(w, fmt.Sprintf("layer %d", i+1), s)
			field(w, "  context", contextText(l.Context))
		}
		if a.SSECHMAC != "" {
			field(w, "sse-c check", "salted HMAC "+shortHex(a.SSECHMAC)+" (salt "+shortHex(a.SSECSalt)+")")
		}
		for _, p := range a.Parts {
			field(w, fmt.Sprintf("part %d", p.Number), fmt.Sprintf("%s (%d bytes stored for %d)", p.Path, p.StoredSize, p.Size))
			field(w, "  bytes", spacedHex(p.FirstBytes)+" … (ciphertext)")
		}
		field(w, "plaintext key", a.PlaintextKey)
	}
	for _, n := range r.Notes {
		fmt.Fprintln(w, "note: "+n)
	}
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func shortHex(h string) string {
	if len(h) > 16 {
		return h[:16] + "…"
	}
	return h
}

// spacedHex renders the first 16 bytes of a hex string as "9f 3a 11 …".
func spacedHex(h string) string {
	var parts []string
	for i := 0; i+1 < len(h) && i < 32; i += 2 {
		parts = append(parts, h[i:i+2])
	}
	return strings.Join(parts, " ")
}

// BucketEncryptionCmd is `s3crypt bucket-encryption get|put|delete`.
type BucketEncryptionCmd struct {
	Get    BucketEncryptionGetCmd    `cmd:"" help:"Show a bucket's default encryption."`
	Put    BucketEncryptionPutCmd    `cmd:"" help:"Set a bucket's default encryption (and whether SSE-C is blocked)."`
	Delete BucketEncryptionDeleteCmd `cmd:"" help:"Delete a bucket's default encryption rule (AWS then applies SSE-S3; other endpoints may apply none)."`
}

// BucketEncryptionGetCmd is `s3crypt bucket-encryption get s3://BUCKET`.
type BucketEncryptionGetCmd struct {
	URL string `arg:"" name:"s3-url" help:"The bucket: s3://BUCKET."`
}

// Run implements the verb.
func (c *BucketEncryptionGetCmd) Run(ctx context.Context, g *Globals) error {
	bucket, err := bucketOnly(c.URL)
	if err != nil {
		return err
	}
	return g.run(ctx, &actions.GetBucketEncryption{Bucket: bucket}, printBucketEncryption)
}

// BucketEncryptionPutCmd is `s3crypt bucket-encryption put s3://BUCKET …`.
type BucketEncryptionPutCmd struct {
	URL       string `arg:"" name:"s3-url" help:"The bucket: s3://BUCKET."`
	SSE       string `name:"sse" help:"Default algorithm: AES256 (SSE-S3), aws:kms (SSE-KMS) or aws:kms:dsse (DSSE-KMS). Without it (and without --file) the current rule is kept and only the other options change it." enum:",AES256,aws:kms,aws:kms:dsse" default:""`
	KMSKey    string `name:"kms-key" help:"KMS key for aws:kms / aws:kms:dsse: id, ARN, alias/NAME (default: the AWS managed aws/s3 key)." placeholder:"KEY"`
	BucketKey *bool  `name:"bucket-key" help:"Use S3 Bucket Keys for SSE-KMS (--no-bucket-key turns them off)." negatable:""`
	BlockSSEC bool   `name:"block-sse-c" help:"Refuse SSE-C writes (BlockedEncryptionTypes SSE-C, on AWS the default for new buckets since April 2026)." xor:"ssec"`
	AllowSSEC bool   `name:"allow-sse-c" help:"Allow SSE-C writes (BlockedEncryptionTypes NONE)." xor:"ssec"`
	File      string `name:"file" aliases:"server-side-encryption-configuration" help:"Read the rule from a JSON file: the aws CLI's {\"Rules\": [...]} or a bare rule object; the options above override it (file://FILE also works, as with aws s3api put-bucket-encryption)." placeholder:"FILE" type:"jsonfile"`
}

// Run implements the verb.
func (c *BucketEncryptionPutCmd) Run(ctx context.Context, g *Globals) error {
	bucket, err := bucketOnly(c.URL)
	if err != nil {
		return err
	}
	if c.SSE == "" && c.File == "" && c.KMSKey == "" && c.BucketKey == nil && !c.BlockSSEC && !c.AllowSSEC {
		return usage("say what to set: --sse, --kms-key, --bucket-key, --block-sse-c/--allow-sse-c or --file")
	}
	p := &actions.PutBucketEncryption{Bucket: bucket, SSE: c.SSE, KMSKey: c.KMSKey, BucketKey: c.BucketKey, File: c.File}
	if c.BlockSSEC || c.AllowSSEC {
		block := c.BlockSSEC
		p.BlockSSEC = &block
	}
	return g.run(ctx, p, printBucketEncryption)
}

// BucketEncryptionDeleteCmd is `s3crypt bucket-encryption delete s3://BUCKET`.
type BucketEncryptionDeleteCmd struct {
	URL string `arg:"" name:"s3-url" help:"The bucket: s3://BUCKET."`
}

// Run implements the verb.
func (c *BucketEncryptionDeleteCmd) Run(ctx context.Context, g *Globals) error {
	bucket, err := bucketOnly(c.URL)
	if err != nil {
		return err
	}
	return g.run(ctx, &actions.DeleteBucketEncryption{Bucket: bucket}, printBucketEncryption)
}

// printBucketEncryption prints a bucket's rule and the notes on it.
func printBucketEncryption(w io.Writer, res any) {
	r := res.(actions.BucketEncryptionResult)
	fmt.Fprintf(w, "s3://%s default encryption\n", r.Bucket)
	if e := r.Encryption; e != nil {
		field(w, "algorithm", e.SSEAlgorithm+" ("+e.Mode()+")")
		key := e.KMSKeyID
		if key == "" && (e.SSEAlgorithm == actions.SSEKMS || e.SSEAlgorithm == actions.DSSEKMS) {
			key = "the AWS managed key aws/s3"
		}
		field(w, "kms key", key)
		field(w, "bucket key", onOff(e.BucketKey))
		blocked := "none: SSE-C writes are allowed"
		if len(e.Blocked) > 0 {
			blocked = strings.Join(e.Blocked, ", ")
			if e.SSECBlocked() {
				blocked += ": SSE-C writes are refused (403 AccessDenied)"
			}
		}
		field(w, "blocked", blocked)
	} else {
		field(w, "algorithm", actions.NoDefaultEncryption+" (no rule configured)")
	}
	for _, n := range r.Ignored {
		fmt.Fprintln(w, "ignored: "+n)
	}
	for _, n := range r.Notes {
		fmt.Fprintln(w, "note: "+n)
	}
}

// clientSideLine is head's client-side line: what the format is, then the
// envelope's parts as far as they parsed (a malformed envelope shows its
// problem on the next line instead of empty fields).
func clientSideLine(cs *actions.ClientSideInfo) string {
	s := cs.Description
	if cs.Error == "" {
		s += fmt.Sprintf("; data key wrapped with %s (%d bytes), content %s", cs.WrapAlg, cs.WrappedKey, cs.CEKAlg)
	}
	return s
}
