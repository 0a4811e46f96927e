package cli

import (
	"context"
	"crypto/rsa"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/s3crypt/s3crypt/actions"
	s3c "github.com/s3crypt/s3crypt/crypto"
)

// parseS3URL splits s3://bucket[/key].
func parseS3URL(u string, needKey bool) (bucket, key string, err error) {
	rest, ok := strings.CutPrefix(u, "s3://")
	if !ok || rest == "" {
		return "", "", usage("%q is not an S3 URL: write s3://BUCKET/KEY", u)
	}
	bucket, key, _ = strings.Cut(rest, "/")
	if bucket == "" {
		return "", "", usage("%q names no bucket: write s3://BUCKET/KEY", u)
	}
	if needKey && key == "" {
		return "", "", usage("%q names no object key: write s3://%s/KEY", u, bucket)
	}
	return bucket, key, nil
}

// sseCFlags are the SSE-C key options of put, get and head.
type sseCFlags struct {
	SSECKey string `name:"sse-c-key" help:"SSE-C: the customer key file (32 raw bytes, or its base64 or hex text; fileb://FILE also works, as with aws s3 cp)." placeholder:"FILE" type:"blobpath"`
	// SSECustomerKey and SSECAlgorithm are the aws CLI's names; awsNames
	// folds them into SSECKey.
	SSECustomerKey string `name:"sse-customer-key" help:"The aws s3api name for --sse-c-key, as fileb://FILE only (a key typed on the command line would sit in your shell history)." placeholder:"fileb://FILE" type:"filebonly"`
	SSECAlgorithm  string `name:"sse-customer-algorithm" aliases:"sse-c" enum:",AES256" default:"" help:"AES256, the only SSE-C algorithm, as aws s3api --sse-customer-algorithm and aws s3 cp --sse-c take it; s3crypt implies it with an SSE-C key."`
}

// awsNames folds --sse-customer-key into --sse-c-key and checks that
// --sse-customer-algorithm comes with a key (generated counts).
func (f *sseCFlags) awsNames(generated bool) error {
	if f.SSECustomerKey != "" {
		if f.SSECKey != "" && f.SSECKey != f.SSECustomerKey {
			return usage("--sse-c-key and --sse-customer-key name different files: give one of them")
		}
		f.SSECKey, f.SSECustomerKey = f.SSECustomerKey, ""
	}
	if f.SSECAlgorithm != "" && f.SSECKey == "" && !generated {
		return usage("--sse-customer-algorithm %s needs the key: --sse-c-key FILE", f.SSECAlgorithm)
	}
	f.SSECAlgorithm = "" // implied by the key
	return nil
}

// load reads the SSE-C key file, if one is given.
func (f sseCFlags) load(g *Globals) (*actions.SSECKey, error) {
	if f.SSECKey == "" {
		return nil, nil
	}
	// The encoding is for the aws command s3crypt shows: its fileb://
	// needs the raw bytes.
	k, enc, warn, err := s3c.ReadKeyFileEncoding(f.SSECKey)
	if err != nil {
		return nil, err
	}
	if warn != nil {
		g.warn(warn.String())
	}
	return &actions.SSECKey{Key: k, File: f.SSECKey, Encoding: enc}, nil
}

// target parses an object URL and loads the SSE-C key, if one is given;
// the caller wipes it (wipeSSEC).
func (f *sseCFlags) target(url string, g *Globals) (bucket, key string, k *actions.SSECKey, err error) {
	if bucket, key, err = parseS3URL(url, true); err != nil {
		return "", "", nil, err
	}
	if err = f.awsNames(false); err != nil {
		return "", "", nil, err
	}
	k, err = f.load(g)
	return bucket, key, k, err
}

// wipeSSEC wipes a loaded SSE-C key (nil is fine).
func wipeSSEC(k *actions.SSECKey) {
	if k != nil {
		k.Key.Wipe()
	}
}

// PutCmd is `s3crypt put FILE s3://BUCKET/KEY`.
type PutCmd struct {
	File        string            `arg:"" help:"Local file to upload." type:"existingfile"`
	URL         string            `arg:"" name:"s3-url" help:"Destination s3://BUCKET/KEY (a trailing / keeps the file name)."`
	SSE         string            `name:"sse" aliases:"server-side-encryption" help:"Server-side encryption: ${sse_help}. Without it (or with none) the request asks for nothing and the bucket's default applies, as on AWS." enum:"${sse_enum}" default:""`
	KMSKey      string            `name:"kms-key" help:"KMS key for aws:kms / aws:kms:dsse: id, ARN, alias/NAME or alias ARN (default: the AWS managed aws/s3 key). With --client-side: the symmetric key that wraps your data key (required)." placeholder:"KEY"`
	SSEKMSKeyID string            `name:"sse-kms-key-id" aliases:"ssekms-key-id" help:"S3's SSE-KMS key, as aws s3 cp --sse-kms-key-id and aws s3api put-object --ssekms-key-id: the same as --kms-key, except that with --client-side it sets the key of S3's own layer." placeholder:"KEY"`
	BucketKey   *bool             `name:"bucket-key" aliases:"bucket-key-enabled" help:"Use an S3 bucket key (SSE-KMS), or --no-bucket-key (--no-bucket-key-enabled) to refuse the bucket's." negatable:""`
	NoBucketKey bool              `name:"no-bucket-key-enabled" hidden:"" help:"The aws CLI's name for --no-bucket-key."`
	SSECGen     string            `name:"sse-c-generate" help:"SSE-C with a fresh random key, written to FILE (mode 0600; never overwritten)." placeholder:"FILE" type:"path"`
	Context     map[string]string `name:"context" type:"context" help:"Extra encryption context for SSE-KMS, or with --client-side for your data key: K=V, K=V,K2=V2 or {\"K\":\"V\"} (repeatable)." placeholder:"K=V"`
	ContentType string            `name:"content-type" help:"Content-Type to store."`
	ClientSide  bool              `name:"client-side" help:"Encrypt on your side before upload, as the S3 Encryption Client does: a KMS data key, AES-256-GCM locally, the envelope in x-amz-meta-*. S3 then adds its own encryption (--sse, or the bucket default)."`
	CSEFormat   string            `name:"cse-format" help:"Client-side format: v3 (key commitment, S3 Encryption Client Go v4's default) or v2 (Go v3's). Default v3." enum:",v3,v2" default:""`
	// InstructionFile is the S3 Encryption Client's opt-in instruction file.
	InstructionFile bool `name:"instruction-file" help:"Client-side: store the envelope (V3: its wrapped key, algorithm and description) in a separate object KEY.instruction instead of the object's metadata, as S3 Encryption Clients can."`
	rawKeyFlags
	sseCFlags
}

// rawKeyFlags name a raw keyring's key: the data key is then wrapped
// locally, offline, instead of by KMS.
type rawKeyFlags struct {
	WrappingKey string `name:"wrapping-key" help:"Client-side objects: a raw AES keyring instead of KMS: the AES-256 wrapping key file (32 raw bytes, or its base64 or hex text) that wraps the data key locally (x-amz-w AES/GCM)." placeholder:"FILE" type:"existingfile"`
	RSAKey      string `name:"rsa-key" help:"Client-side objects: a raw RSA keyring instead of KMS: an RSA key in PEM (put: public or private, get: private) that wraps the data key with RSA-OAEP-SHA1." placeholder:"FILE.pem" type:"existingfile"`
}

// loadRaw reads the raw keyring's key, if one is given.
func (f rawKeyFlags) loadRaw(g *Globals) (aesKey *s3c.Key, priv *s3c.RSAPrivateKey, pub *rsa.PublicKey, err error) {
	switch {
	case f.WrappingKey != "" && f.RSAKey != "":
		return nil, nil, nil, usage("--wrapping-key and --rsa-key are exclusive: give one raw keyring")
	case f.WrappingKey != "":
		k, warn, err := s3c.ReadKeyFile(f.WrappingKey)
		if err != nil {
			return nil, nil, nil, err
		}
		if warn != nil {
			g.warn(warn.String())
		}
		return k, nil, nil, nil
	case f.RSAKey != "":
		priv, pub, warn, err := s3c.ReadRSAKeyFile(f.RSAKey)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("--rsa-key %s: %w", f.RSAKey, err)
		}
		if warn != nil {
			g.warn(warn.String())
		}
		return nil, priv, pub, nil
	}
	return nil, nil, nil, nil
}

func (f rawKeyFlags) given() bool { return f.WrappingKey != "" || f.RSAKey != "" }

// Run implements the verb.
func (c *PutCmd) Run(ctx context.Context, g *Globals) error {
	bucket, key, err := parseS3URL(c.URL, false)
	if err != nil {
		return err
	}
	if key == "" || strings.HasSuffix(key, "/") {
		key += baseName(c.File)
	}
	if err := c.awsNames(); err != nil {
		return err
	}
	p := &actions.Put{File: c.File, Bucket: bucket, Key: key, SSE: c.SSE, KMSKey: c.KMSKey, BucketKey: c.BucketKey,
		Context: c.Context, ContentType: c.ContentType}
	if p.SSE == "none" {
		p.SSE = actions.SSEDefault
	}
	if err := c.clientSide(p); err != nil {
		return err
	}
	if p.ClientSide != nil && c.given() {
		aesKey, _, pub, err := c.loadRaw(g)
		if err != nil {
			return err
		}
		if aesKey != nil {
			defer aesKey.Wipe()
		}
		p.ClientSide.AESWrappingKey, p.ClientSide.RSAPublicKey = aesKey, pub
	}
	var a actions.Action = p
	switch {
	case c.SSECKey != "" && c.SSECGen != "":
		return usage("--sse-c-key and --sse-c-generate are exclusive")
	case c.SSECGen != "":
		// PutSSEC generates the key, and removes its file if S3 refuses
		// the upload (as the UI's upload does).
		a = &actions.PutSSEC{Put: *p, Source: actions.SSECGenerate, KeyFile: c.SSECGen}
	default:
		if p.SSEC, err = c.load(g); err != nil {
			return err
		}
		defer wipeSSEC(p.SSEC)
	}
	err = g.run(ctx, a, func(w io.Writer, res any) {
		r := res.(actions.PutResult)
		fmt.Fprintf(w, "upload: %s to s3://%s/%s\n", c.File, r.Bucket, r.Key)
		if cs := r.ClientSide; cs != nil {
			fmt.Fprintf(w, "  %s, encrypted locally: S3 holds %s of ciphertext\n", cs.Summary(), humanSize(cs.CiphertextSize))
			if len(cs.Context) > 0 {
				fmt.Fprintf(w, "  context %s\n", contextText(cs.Context))
			}
		}
		fmt.Fprintf(w, "  %s, %s in %s (%s)\n", r.EncryptionSummary(), humanSize(r.Size), r.Duration.Round(1e6), rate(r.Size, r.Duration))
		for _, n := range r.Ignored {
			fmt.Fprintln(w, "  ignored: "+n)
		}
		for _, n := range r.Notes {
			fmt.Fprintln(w, "  note: "+n)
		}
		if r.VersionID != "" {
			fmt.Fprintf(w, "  version %s\n", r.VersionID)
		}
		if r.KMSCalls >= 0 {
			fmt.Fprintf(w, "  KMS requests S3 made: %d\n", r.KMSCalls)
		}
	})
	if c.SSECGen != "" {
		switch {
		case err == nil:
			g.notice(fmt.Sprintf("wrote a new 32-byte SSE-C key to %s (mode 0600): keep it, S3 cannot read the object without it", c.SSECGen))
		case actions.RefusedByS3(err) && !fileExists(c.SSECGen):
			g.notice(fmt.Sprintf("S3 refused the upload, so the new key in %s protects nothing: removed it", c.SSECGen))
		}
	}
	return err
}

// fileExists reports whether path names something.
func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func baseName(p string) string {
	if i := strings.LastIndexByte(p, os.PathSeparator); i >= 0 {
		return p[i+1:]
	}
	return p
}

// awsNames folds the flags that have their own field under the aws CLI's
// name into s3crypt's: the SSE-C ones (sseCFlags.awsNames),
// --no-bucket-key-enabled into --bucket-key, and
// --sse-kms-key-id into --kms-key (not with --client-side: clientSide
// gives it to S3's layer).
func (c *PutCmd) awsNames() error {
	if err := c.sseCFlags.awsNames(c.SSECGen != ""); err != nil {
		return err
	}
	if c.NoBucketKey {
		if c.BucketKey != nil && *c.BucketKey {
			return usage("--bucket-key and --no-bucket-key-enabled contradict each other")
		}
		off := false
		c.BucketKey, c.NoBucketKey = &off, false
	}
	if c.SSEKMSKeyID == "" || c.ClientSide {
		return nil
	}
	if c.KMSKey != "" && c.KMSKey != c.SSEKMSKeyID {
		return usage("--kms-key %s and --sse-kms-key-id %s name different keys: give one of them", c.KMSKey, c.SSEKMSKeyID)
	}
	c.KMSKey, c.SSEKMSKeyID = c.SSEKMSKeyID, ""
	return nil
}

// clientSide moves --kms-key and --context to the client-side layer when
// --client-side asks for one; S3's layer then uses --sse-kms-key-id, or
// its default key.
func (c *PutCmd) clientSide(p *actions.Put) error {
	if !c.ClientSide {
		switch {
		case c.CSEFormat != "":
			return usage("--cse-format needs --client-side")
		case c.given():
			return usage("--wrapping-key and --rsa-key are client-side keyrings: add --client-side")
		case c.InstructionFile:
			return usage("--instruction-file needs --client-side")
		}
		return nil
	}
	switch {
	case c.KMSKey == "" && !c.given():
		return usage("client-side encryption needs --kms-key (a symmetric KMS key you can use; aws/s3 cannot be used by clients), " +
			"or a raw keyring: --wrapping-key FILE (AES-256) or --rsa-key FILE.pem")
	case c.KMSKey != "" && c.given():
		return usage("give one way to wrap the data key: --kms-key, --wrapping-key or --rsa-key")
	}
	p.ClientSide = &actions.ClientSide{KMSKey: c.KMSKey, Context: c.Context, Format: s3c.FormatV3, InstructionFile: c.InstructionFile}
	if c.CSEFormat == "v2" {
		p.ClientSide.Format = s3c.FormatV2
	}
	p.KMSKey, p.Context = c.SSEKMSKeyID, nil
	return nil
}

// GetCmd is `s3crypt get s3://BUCKET/KEY FILE`.
type GetCmd struct {
	URL       string            `arg:"" name:"s3-url" help:"Object s3://BUCKET/KEY."`
	File      string            `arg:"" help:"Local file to write (- for standard output)."`
	VersionID string            `name:"version-id" help:"Object version." placeholder:"V"`
	NoDecrypt bool              `name:"no-decrypt" help:"Client-side encrypted objects: keep the ciphertext as stored instead of decrypting it."`
	Context   map[string]string `name:"context" type:"context" help:"Client-side encrypted objects: the encryption context the object must carry, checked before KMS is asked: K=V, K=V,K2=V2 or {\"K\":\"V\"} (repeatable)." placeholder:"K=V"`
	KMSKey    string            `name:"kms-key" help:"Client-side encrypted objects: the KMS key the data key must be wrapped under (default: the key the wrapped data key names)." placeholder:"KEY"`
	rawKeyFlags
	InstructionFile bool   `name:"instruction-file" help:"Client-side objects: read the envelope from KEY.instruction when the object's metadata has none (a V3 object's instruction file is found without it). With --version-id the current KEY.instruction is read, as the S3 Encryption Client does: an older version whose instruction file was since replaced fails authentication and nothing is written."`
	Range           string `name:"range" help:"Only these bytes, as aws s3api get-object --range: bytes=FIRST-LAST, bytes=FIRST- or bytes=-COUNT. Of a client-side object only with --allow-unauthenticated-range." placeholder:"bytes=A-B"`
	// AllowUnauthenticatedRange is the opt-in the S3 Encryption Client
	// specification asks of ranged reads.
	AllowUnauthenticatedRange bool `name:"allow-unauthenticated-range" help:"Client-side objects: accept a --range decrypted with AES-CTR, which nothing authenticates (the AES-GCM tag covers the whole object)."`
	// Legacy is the opt-in of the S3 Encryption Clients' EnableLegacy…
	// options.
	Legacy bool `name:"legacy" help:"Client-side objects: also read the legacy formats S3 Encryption Clients read only when told to: format V1 (x-amz-key), AES-CBC content, and kms, AES, RSA, AESWrap or RSA-OAEP-SHA-256 wrapping (with --kms-key's KMS, --wrapping-key or --rsa-key). Nothing authenticates CBC content, and legacy wrapping does not bind the data key to the content algorithm."`
	sseCFlags
}

// Run implements the verb.
func (c *GetCmd) Run(ctx context.Context, g *Globals) error {
	bucket, key, ssec, err := c.target(c.URL, g)
	if err != nil {
		return err
	}
	defer wipeSSEC(ssec)
	aesKey, priv, pub, err := c.loadRaw(g)
	if err != nil {
		return err
	}
	if aesKey != nil {
		defer aesKey.Wipe()
	}
	if pub != nil && priv == nil {
		return usage("--rsa-key %s holds only a public key: unwrapping a data key needs the private key", c.RSAKey)
	}
	a := &actions.Get{Bucket: bucket, Key: key, File: c.File, VersionID: c.VersionID, SSEC: ssec,
		NoDecrypt: c.NoDecrypt, Context: c.Context, KMSKey: c.KMSKey, Range: c.Range, AllowUnauthenticatedRange: c.AllowUnauthenticatedRange,
		AESWrappingKey: aesKey, RSAPrivateKey: priv, InstructionFile: c.InstructionFile, Legacy: c.Legacy}
	return g.run(ctx, a, func(w io.Writer, res any) {
		if c.File == "-" {
			return
		}
		r := res.(actions.GetResult)
		fmt.Fprintf(w, "download: s3://%s/%s to %s\n", r.Bucket, r.Key, r.File)
		if cs := r.ClientSide; cs != nil && cs.Unauthenticated {
			fmt.Fprintf(w, "  %s, %s decrypted locally with AES-CTR: NOT authenticated (--allow-unauthenticated-range)\n", cs.Summary(), cs.Range)
		} else if cs != nil && cs.Decrypted {
			fmt.Fprintf(w, "  %s, decrypted locally; the tag verified before the file was written\n", cs.Summary())
		} else if cs != nil {
			fmt.Fprintf(w, "  %s: kept as stored, %s of ciphertext (--no-decrypt)\n", cs.Label(), humanSize(r.Size))
		}
		fmt.Fprintf(w, "  %s, %s in %s (%s)\n", r.Encryption.Summary(), humanSize(r.Size), r.Duration.Round(1e6), rate(r.Size, r.Duration))
		if r.KMSCalls >= 0 {
			fmt.Fprintf(w, "  KMS requests S3 made: %d\n", r.KMSCalls)
		}
	})
}

// RmCmd is `s3crypt rm s3://BUCKET/KEY`.
type RmCmd struct {
	URL       string `arg:"" name:"s3-url" help:"Object s3://BUCKET/KEY."`
	VersionID string `name:"version-id" help:"Delete this version only." placeholder:"V"`
}

// Run implements the verb.
func (c *RmCmd) Run(ctx context.Context, g *Globals) error {
	bucket, key, err := parseS3URL(c.URL, true)
	if err != nil {
		return err
	}
	return g.run(ctx, &actions.DeleteObject{Bucket: bucket, Key: key, VersionID: c.VersionID}, func(w io.Writer, res any) {
		r := res.(actions.DeleteObjectResult)
		fmt.Fprintf(w, "delete: s3://%s/%s\n", r.Bucket, r.Key)
		if r.DeleteMarker {
			fmt.Fprintf(w, "  a delete marker (version %s) now hides it; earlier versions are kept\n", r.VersionID)
		}
	})
}
