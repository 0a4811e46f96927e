package actions

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	s3c "github.com/s3crypt/s3crypt/crypto"
)

// errRangeNeedsOptIn is the refusal of a client-side ranged read without
// --allow-unauthenticated-range.
const errRangeNeedsOptIn = "a part of a client-side object cannot be authenticated: its AES-GCM tag covers the whole object, " +
	"so a range is decrypted with AES-CTR (the S3 Encryption Client's ranged-read suite) and nothing proves its bytes are the ones written"

// parseByteRange reads an HTTP byte range (bytes=A-B, bytes=A-, bytes=-N)
// against content of size bytes and returns its first and last byte,
// clipped to the content as S3 does.
func parseByteRange(spec string, size int64) (first, last int64, err error) {
	v, ok := strings.CutPrefix(strings.TrimSpace(spec), "bytes=")
	a, b, dash := strings.Cut(v, "-")
	if !ok || !dash || strings.Contains(b, ",") {
		return 0, 0, fmt.Errorf("range %q is not bytes=FIRST-LAST, bytes=FIRST- or bytes=-COUNT (one range)", spec)
	}
	num := func(s string) (int64, error) {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("range %q: %q is not a byte position", spec, s)
		}
		return n, nil
	}
	switch {
	case a == "":
		n, err := num(b)
		if err != nil {
			return 0, 0, err
		}
		if n == 0 || size == 0 {
			return 0, 0, fmt.Errorf("range %q asks for no bytes of %d", spec, size)
		}
		return max(0, size-n), size - 1, nil
	case b == "":
		first, err = num(a)
		last = size - 1
	default:
		if first, err = num(a); err == nil {
			last, err = num(b)
		}
		if err == nil && last < first {
			err = fmt.Errorf("range %q ends before it starts", spec)
		}
		last = min(last, size-1)
	}
	if err != nil {
		return 0, 0, err
	}
	if first >= size {
		return 0, 0, fmt.Errorf("range %q starts at byte %d, past the end of the %d-byte content", spec, first, size)
	}
	return first, last, nil
}

// runClientSideRange is Get.Run for a range of a client-side object, which
// the user explicitly accepted unauthenticated: widen the start to an AES
// block, GET only those ciphertext bytes (never the tag), unwrap the data
// key, and decrypt with the CTR twin of the object's GCM suite.
func (g *Get) runClientSideRange(ctx context.Context, env *Env, r *Reporter, head *s3.HeadObjectOutput, start time.Time) (any, error) {
	obj := fmt.Sprintf("s3://%s/%s", g.Bucket, g.Key)
	if !g.AllowUnauthenticatedRange {
		return nil, &Error{Op: g.Describe(), What: obj + " is client-side encrypted: s3crypt refuses an unauthenticated ranged read unless you ask for one",
			Why: errRangeNeedsOptIn, Fix: "Add --allow-unauthenticated-range to accept that, or download the whole object (its tag then verifies)"}
	}
	e, err := g.envelope(obj, head.Metadata)
	if err != nil {
		return nil, err
	}
	if e.CEKAlg == s3c.CEKAlgAESCBC {
		return nil, &Error{Op: g.Describe(), What: "s3crypt does not read ranges of legacy AES-CBC objects", Why: "CBC has no CTR twin; only whole legacy objects are read",
			Fix: "Download the whole object with --legacy"}
	}
	ptLen := aws.ToInt64(head.ContentLength) - cseTagSize
	if ptLen < 0 {
		return nil, cseContentError(g.Describe(), obj, s3c.ErrTruncated)
	}
	first, last, err := parseByteRange(g.Range, ptLen)
	if err != nil {
		return nil, &Error{Op: g.Describe(), What: "cannot read that range of " + obj, Why: err.Error(),
			Fix: fmt.Sprintf("Give a range within the %d bytes of plaintext, e.g. --range bytes=0-%d", ptLen, min(ptLen, 1024)-1)}
	}
	off := first / 16 * 16 // the AES block the range starts in
	wire := fmt.Sprintf("bytes=%d-%d", off, last)
	in := g.input()
	in.Range, in.ChecksumMode, in.IfMatch = &wire, "", head.ETag
	g.wireRange = wire
	for _, c := range g.cseCommands(env, e) {
		r.Command(c)
	}
	out, err := env.Backend.S3.GetObject(ctx, in, withJob(r))
	if err != nil {
		return nil, g.fail(ctx, err)
	}
	defer out.Body.Close()
	enc := encryptionOfGet(out)
	if !r.Observing() {
		for _, s := range drawnSteps(modeOf(enc), false) {
			r.Step(s)
		}
	}
	ctLen := aws.ToInt64(out.ContentLength)
	r.Step(Step{Actor: S3, To: You, Op: OpResponse, Title: "ciphertext range", Observed: true, Bytes: ctLen, Context: e.MatDesc,
		Detail: fmt.Sprintf("S3 removed its own %s and streams ciphertext bytes %d-%d (%s: widened to the AES block at %d; the tag is not read)",
			enc.Mode(), off, last, clientSideLabel(e.Format), off)})
	s3KMS := r.kmsCalls()
	key, arn, err := g.unwrap(ctx, env, r, e)
	if err != nil {
		return nil, err
	}
	stream, err := s3c.NewRangeStream(key, e, off)
	key.Wipe()
	if err != nil {
		return nil, cseContentError(g.Describe(), obj, err)
	}
	var done atomic.Int64
	body := &countingReader{r: out.Body, done: &done, total: ctLen, rep: r}
	n, err := g.writeRange(body, stream, first-off, last-first+1)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, Diagnose(g.Describe(), err, g.hint())
	}
	r.Step(Step{Actor: You, Op: OpLocalDecrypt, Title: fmt.Sprintf("decrypt %d bytes, unauthenticated", n), Bytes: n, Observed: true,
		Detail: fmt.Sprintf("you decrypted bytes %d-%d with AES-CTR, as you asked (--allow-unauthenticated-range): no tag covers them", first, last)})
	r.Step(Step{Actor: You, Op: OpLocalWipe, Title: "plaintext key wiped", Observed: true, Detail: "you wiped the plaintext data key from memory"})
	res := GetResult{Bucket: g.Bucket, Key: g.Key, File: g.File, VersionID: aws.ToString(out.VersionId), Size: n, Encryption: enc,
		Duration: time.Since(start), KMSCalls: -1,
		ClientSide: &ClientSideResult{Format: e.Format, KMSKeyARN: arn, Context: e.MatDesc, CiphertextSize: ptLen + cseTagSize, Decrypted: true, WrapAlg: e.WrapAlg,
			Range: fmt.Sprintf("bytes=%d-%d", first, last), Unauthenticated: true}}
	if r.Observing() {
		r.syncTrace(ctx)
		res.KMSCalls = s3KMS
	}
	return res, nil
}

// writeRange decrypts body with stream, drops the first skip bytes (the
// widening to a block) and writes n bytes to g.File (through a pending
// file, so a failed read leaves no partial file) or standard output.
func (g *Get) writeRange(body io.Reader, stream interface{ XORKeyStream(dst, src []byte) }, skip, n int64) (int64, error) {
	var w io.Writer = os.Stdout
	var p *s3c.PendingFile
	if g.File != "-" {
		var err error
		if p, err = s3c.NewPendingFile(filepath.Dir(g.File), filepath.Base(g.File)); err != nil {
			return 0, fmt.Errorf("write %s: %w", g.File, err)
		}
		defer p.Discard()
		w = p
	}
	buf := make([]byte, 256<<10)
	var wrote int64
	for wrote < n {
		m, rerr := io.ReadFull(body, buf[:min(int64(len(buf)), skip+n-wrote)])
		if m > 0 {
			chunk := buf[:m]
			stream.XORKeyStream(chunk, chunk)
			if skip > 0 {
				d := min(skip, int64(len(chunk)))
				chunk, skip = chunk[d:], skip-d
			}
			if _, err := w.Write(chunk); err != nil {
				return 0, fmt.Errorf("write plaintext: %w", err)
			}
			wrote += int64(len(chunk))
		}
		if rerr != nil {
			if wrote < n {
				return 0, fmt.Errorf("read the range: got %d of %d bytes: %w", wrote, n, rerr)
			}
			break
		}
	}
	if p != nil {
		if err := p.Commit(g.File); err != nil {
			return 0, fmt.Errorf("write %s: %w", g.File, err)
		}
	}
	return wrote, nil
}

// NormalizeByteRange checks a range as a user types it, before the
// object's size is known: "A-B", "A-" or "-N", with or without "bytes=",
// one range. It returns the HTTP form (bytes=…) Get.Range takes.
func NormalizeByteRange(spec string) (string, error) {
	spec = strings.TrimSpace(spec)
	if !strings.HasPrefix(spec, "bytes=") {
		spec = "bytes=" + spec
	}
	if _, _, err := parseByteRange(spec, math.MaxInt64); err != nil {
		return "", err
	}
	return spec, nil
}
