package actions

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"golang.org/x/sync/errgroup"

	s3c "github.com/s3crypt/s3crypt/crypto"
)

// Get downloads an object to a local file ("-" for standard output).
type Get struct {
	Bucket, Key string
	File        string
	VersionID   string
	SSEC        *SSECKey
	// Client-side encrypted objects (S3 Encryption Client metadata) are
	// decrypted locally unless NoDecrypt keeps the ciphertext as stored.
	// Context, when non-nil, is the encryption context the object must
	// carry; KMSKey, when set, the key its data key must be wrapped under.
	NoDecrypt bool
	Context   map[string]string
	KMSKey    string
	// NoOverwrite refuses to replace an existing local file.
	NoOverwrite bool
	// Range, when set, downloads only these bytes ("bytes=A-B", "bytes=A-"
	// or "bytes=-N", as HTTP Range). Of a client-side object that is only
	// possible unauthenticated (the GCM tag covers the whole object), so it
	// is refused unless AllowUnauthenticatedRange is set.
	Range                     string
	AllowUnauthenticatedRange bool
	// AESWrappingKey / RSAPrivateKey unwrap data keys that a raw keyring
	// wrapped (x-amz-w AES/GCM / RSA-OAEP-SHA1) instead of KMS.
	AESWrappingKey *s3c.Key
	RSAPrivateKey  *s3c.RSAPrivateKey // redacted in every printed form
	// KeyFiles names the raw keyring's key by file instead (read when the
	// download runs).
	KeyFiles KeyringFiles
	// InstructionFile looks for the envelope in KEY.instruction when the
	// object's metadata has none (a V3 object whose metadata has only
	// x-amz-c/d/i is looked up without being asked).
	InstructionFile bool
	// Legacy reads the legacy formats (V1, AES-CBC content, kms wrapping)
	// that S3 Encryption Clients read only when told to; CBC content is
	// not authenticated.
	Legacy    bool
	instrMeta map[string]string // the object's metadata merged with its instruction file

	wireRange string // the ciphertext range a client-side ranged read asked S3 for
}

// GetResult is what a download produced.
type GetResult struct {
	Bucket, Key string
	File        string
	VersionID   string
	Size        int64
	Encryption  ObjectEncryption
	Duration    time.Duration
	KMSCalls    int // KMS requests S3 made for this download (-1 unknown)
	// ClientSide is set for a client-side encrypted object: decrypted
	// locally, or kept as ciphertext (NoDecrypt).
	ClientSide *ClientSideResult
}

// Describe implements Action.
func (g *Get) Describe() string {
	return fmt.Sprintf("download s3://%s/%s to %s", g.Bucket, g.Key, g.File)
}

func (g *Get) hint() Hint {
	return Hint{Bucket: g.Bucket, Key: g.Key, UsedSSEC: g.SSEC != nil}
}

// Run implements Action.
func (g *Get) Run(ctx context.Context, env *Env, r *Reporter) (any, error) {
	if g.KeyFiles.Given() {
		withKeys, wipe, err := g.withKeyFiles(r)
		if err != nil {
			return nil, err
		}
		defer wipe()
		if withKeys != g {
			return withKeys.Run(ctx, env, r)
		}
	}
	if err := refuseSSECOverHTTP(env, g.Describe(), g.SSEC); err != nil {
		return nil, err
	}
	if g.NoOverwrite && g.File != "-" {
		if _, err := os.Lstat(g.File); err == nil {
			return nil, &Error{Op: g.Describe(), What: g.File + " already exists", Fix: "Choose another name, or delete the file first"}
		}
	}
	start := time.Now()
	// The HEAD tells a client-side envelope and the size (ranged parts for
	// a large object); each request carries the SSE-C key, and S3 checks it
	// each time.
	r.Step(Step{Actor: You, To: S3, Op: OpRequest, Title: "HeadObject + GetObject", Observed: true,
		Detail: "you ask S3 for the object's headers, then the object" +
			map[bool]string{true: ", sending the SSE-C key again with each request", false: ""}[g.SSEC != nil]})
	head, cse, err := g.probe(ctx, env, r)
	if err == nil && cse != nil && !g.NoDecrypt {
		if g.Range != "" {
			return g.runClientSideRange(ctx, env, r, head, start) // reports its own commands
		}
		return g.runClientSide(ctx, env, r, head, start) // reports its own commands
	}
	for _, c := range g.commands(env) {
		r.Command(c)
	}
	var res GetResult
	switch {
	case err != nil:
	case g.File == "-":
		res, err = g.stream(ctx, env, r, os.Stdout)
	default:
		res, err = g.toFile(ctx, env, r, head)
	}
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, Diagnose(g.Describe(), err, g.hint())
	}
	if !r.Observing() {
		for _, s := range drawnSteps(modeOf(res.Encryption), false) {
			r.Step(s)
		}
	}
	res.Bucket, res.Key, res.File, res.Duration, res.KMSCalls = g.Bucket, g.Key, g.File, time.Since(start), -1
	if r.Observing() {
		r.syncTrace(ctx)
		res.KMSCalls = r.kmsCalls()
	}
	what := "plaintext bytes"
	if cse != nil {
		res.ClientSide = cse
		what = "bytes of client-side ciphertext, kept as stored (" + cse.Label() + ")"
	}
	r.Step(Step{Actor: S3, To: You, Op: OpResponse, Title: "200 OK", Observed: true, Bytes: res.Size,
		Detail: fmt.Sprintf("S3 returned %d %s %s (%s)", res.Size, what, carrier(env), res.Encryption.Summary())})
	return res, nil
}

func (g *Get) input() *s3.GetObjectInput {
	in := &s3.GetObjectInput{Bucket: &g.Bucket, Key: &g.Key, ChecksumMode: s3types.ChecksumModeEnabled}
	if g.VersionID != "" {
		in.VersionId = &g.VersionID
	}
	if g.Range != "" {
		in.Range = &g.Range
	}
	in.SSECustomerAlgorithm, in.SSECustomerKey, in.SSECustomerKeyMD5 = g.SSEC.headers()
	return in
}

// stream copies the whole object to w in one GET (the SDK checks the
// object's checksum as it goes).
func (g *Get) stream(ctx context.Context, env *Env, r *Reporter, w io.Writer) (GetResult, error) {
	out, err := env.Backend.S3.GetObject(ctx, g.input(), withJob(r))
	if err != nil {
		return GetResult{}, err
	}
	defer out.Body.Close()
	size := aws.ToInt64(out.ContentLength)
	var done atomic.Int64
	n, err := io.CopyBuffer(w, &countingReader{r: out.Body, done: &done, total: size, rep: r}, make([]byte, 1<<20))
	if err != nil {
		return GetResult{}, fmt.Errorf("read the object: %w", err)
	}
	return GetResult{VersionID: aws.ToString(out.VersionId), Size: n, Encryption: encryptionOfGet(out)}, nil
}

func encryptionOfGet(out *s3.GetObjectOutput) ObjectEncryption {
	return ObjectEncryption{SSE: string(out.ServerSideEncryption), KMSKeyARN: aws.ToString(out.SSEKMSKeyId),
		BucketKey: aws.ToBool(out.BucketKeyEnabled), SSECKeyMD5: aws.ToString(out.SSECustomerKeyMD5)}
}

// toFile downloads into a temporary file beside the target and renames it
// into place only when every byte arrived: a failed or cancelled download
// leaves nothing behind.
func (g *Get) toFile(ctx context.Context, env *Env, r *Reporter, head *s3.HeadObjectOutput) (GetResult, error) {
	dir := filepath.Dir(g.File)
	tmp, err := os.CreateTemp(dir, ".s3crypt-get-*")
	if err != nil {
		return GetResult{}, &Error{Op: g.Describe(), What: "cannot write in " + dir, Why: err.Error(), Err: err}
	}
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	size := aws.ToInt64(head.ContentLength)
	var res GetResult
	if size < threshold(env) || g.Range != "" {
		res, err = g.stream(ctx, env, r, tmp)
	} else {
		res, err = g.ranges(ctx, env, r, tmp, size, aws.ToString(head.ETag))
		res.Encryption = ObjectEncryption{SSE: string(head.ServerSideEncryption), KMSKeyARN: aws.ToString(head.SSEKMSKeyId),
			BucketKey: aws.ToBool(head.BucketKeyEnabled), SSECKeyMD5: aws.ToString(head.SSECustomerKeyMD5)}
		res.VersionID = aws.ToString(head.VersionId)
	}
	if err != nil {
		return GetResult{}, err
	}
	// No fsync: the rename already makes the download all-or-nothing
	// against a killed process or a cancel, the object is still in S3 after
	// a power loss, and flushing 1 GiB halved download throughput here
	// (aws s3 cp does not flush either).
	if err := tmp.Close(); err != nil {
		return GetResult{}, fmt.Errorf("write %s: %w", g.File, err)
	}
	if err := os.Rename(tmp.Name(), g.File); err != nil {
		return GetResult{}, fmt.Errorf("write %s: %w", g.File, err)
	}
	ok = true
	return res, nil
}

func (g *Get) headInput() *s3.HeadObjectInput {
	in := &s3.HeadObjectInput{Bucket: &g.Bucket, Key: &g.Key}
	if g.VersionID != "" {
		in.VersionId = &g.VersionID
	}
	in.SSECustomerAlgorithm, in.SSECustomerKey, in.SSECustomerKeyMD5 = g.SSEC.headers()
	return in
}

// ranges downloads a large object in parallel ranged GETs, each written at
// its offset; If-Match pins every range to the same version. The first
// failed range cancels the others.
func (g *Get) ranges(ctx context.Context, env *Env, r *Reporter, f *os.File, size int64, etag string) (GetResult, error) {
	ps := partSize(env)
	var done atomic.Int64
	eg, gctx := errgroup.WithContext(ctx)
	eg.SetLimit(concurrency(env))
	for off := int64(0); off < size && gctx.Err() == nil; off += ps {
		end := min(off+ps, size)
		eg.Go(func() error {
			in := g.input()
			in.ChecksumMode = ""
			in.Range = aws.String(fmt.Sprintf("bytes=%d-%d", off, end-1))
			in.IfMatch = aws.String(etag)
			out, err := env.Backend.S3.GetObject(gctx, in, withJob(r))
			if err != nil {
				return err
			}
			defer out.Body.Close()
			w := io.NewOffsetWriter(f, off)
			n, err := io.CopyBuffer(w, &countingReader{r: out.Body, done: &done, total: size, rep: r}, make([]byte, 1<<20))
			if err == nil && n != end-off {
				err = fmt.Errorf("range %d-%d: got %d bytes", off, end-1, n)
			}
			return err
		})
	}
	err := eg.Wait()
	if ctx.Err() != nil { // cancelled by the caller: say so, not what a range saw of it
		err = context.Cause(ctx)
	}
	if err != nil {
		return GetResult{}, err
	}
	return GetResult{Size: size}, nil
}

// countingReader reports download progress.
type countingReader struct {
	r     io.Reader
	done  *atomic.Int64
	total int64
	rep   *Reporter
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if n > 0 {
		c.rep.Progress(c.done.Add(int64(n)), c.total)
	}
	return n, err
}

// commands is the aws CLI equivalent of g, in order.
func (g *Get) commands(env *Env) []Command {
	args := []string{"s3api", "get-object", "--bucket", g.Bucket, "--key", g.Key}
	if g.VersionID != "" {
		args = append(args, "--version-id", g.VersionID)
	}
	if g.Range != "" {
		args = append(args, "--range", g.Range)
	}
	file := g.File
	if file == "-" {
		file = "/dev/stdout"
	}
	cmds, main := sseCSequence(env, g.SSEC, args, file)
	if g.File == "-" {
		cmds[main].Note = "the aws CLI prints its response (JSON) to standard output too, after the object's bytes"
	}
	return cmds
}
