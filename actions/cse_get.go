package actions

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"golang.org/x/sync/errgroup"

	s3c "github.com/s3crypt/s3crypt/crypto"
)

// probe HEADs the object: a download to a file needs its size and ETag,
// and its user metadata says whether it is client-side encrypted. cse is
// nil for an object without S3 Encryption Client metadata.
func (g *Get) probe(ctx context.Context, env *Env, r *Reporter) (*s3.HeadObjectOutput, *ClientSideResult, error) {
	head, err := env.Backend.S3.HeadObject(ctx, g.headInput(), withJob(r))
	if err != nil {
		if _, _, st := apiError(err); isSSECHeadRefusal(err) || (g.SSEC != nil && st == 403) {
			// A HEAD refused for the customer key (none, or a wrong one)
			// has no error body: ask for the object itself, so S3 refuses
			// the download's GetObject and says why.
			if out, gerr := env.Backend.S3.GetObject(ctx, g.input(), withJob(r)); gerr != nil {
				err = gerr
			} else {
				out.Body.Close()
			}
		}
		return nil, nil, refineHeadError(ctx, env, g.Describe(), g.Bucket, err)
	}
	if s3c.NeedsInstruction(head.Metadata) || g.InstructionFile && clientSideFormat(head.Metadata) == 0 {
		if err := g.loadInstruction(ctx, env, r, head.Metadata); err != nil {
			return nil, nil, err
		}
	}
	f := clientSideFormat(g.metadata(head.Metadata))
	if f == 0 {
		return head, nil, nil
	}
	cse := &ClientSideResult{Format: f, CiphertextSize: aws.ToInt64(head.ContentLength)}
	if e, err := s3c.ParseEnvelope(g.metadata(head.Metadata)); err == nil {
		cse.Context = e.MatDesc
	}
	return head, cse, nil
}

// runClientSide is Get.Run for a client-side encrypted object: GET the
// ciphertext and its envelope, ask KMS to unwrap the data key, decrypt
// locally into a temporary file renamed into place only once the GCM tag
// verifies, and wipe the key.
func (g *Get) runClientSide(ctx context.Context, env *Env, r *Reporter, head *s3.HeadObjectOutput, start time.Time) (any, error) {
	in := g.input()
	in.IfMatch = head.ETag // the object the HEAD saw, not one written since
	// A large object to a file comes in parallel ranges; the first range's
	// response carries the envelope like a whole GET.
	headLen := aws.ToInt64(head.ContentLength)
	// Each range is decrypted as a GCM piece, which starts at a block edge.
	parallel := g.File != "-" && headLen >= threshold(env) && headLen > partSize(env) && partSize(env)%16 == 0 &&
		s3c.DetectFormat(g.metadata(head.Metadata)).Legacy == "" && !g.Legacy
	if parallel {
		in.Range = aws.String(fmt.Sprintf("bytes=0-%d", partSize(env)-1))
		in.ChecksumMode = ""
	}
	out, err := env.Backend.S3.GetObject(ctx, in, withJob(r))
	if err != nil {
		return nil, g.fail(ctx, err)
	}
	defer out.Body.Close()
	obj := fmt.Sprintf("s3://%s/%s", g.Bucket, g.Key)
	e, err := g.envelope(obj, out.Metadata)
	if err != nil {
		return nil, err
	}
	ctLen := aws.ToInt64(out.ContentLength)
	if parallel {
		ctLen = headLen
	}
	enc := encryptionOfGet(out)
	if !r.Observing() {
		for _, s := range drawnSteps(modeOf(enc), false) {
			r.Step(s)
		}
	}
	r.Step(Step{Actor: S3, To: You, Op: OpResponse, Title: "ciphertext + envelope", Observed: true, Bytes: ctLen, Context: e.MatDesc,
		Detail: fmt.Sprintf("S3 removed its own %s and streams %d bytes of client-side ciphertext, with the envelope in x-amz-meta-* (%s)",
			enc.Mode(), ctLen, clientSideLabel(e.Format))})
	s3KMS := r.kmsCalls() // S3's, before your own Decrypt
	for _, c := range g.cseCommands(env, e) {
		r.Command(c)
	}
	key, arn, err := g.unwrap(ctx, env, r, e)
	if err != nil {
		return nil, err
	}
	defer key.Wipe()
	var done atomic.Int64
	var n int64
	if parallel {
		n, err = g.decryptRanges(ctx, env, r, out.Body, key, e, ctLen, aws.ToString(head.ETag))
	} else {
		n, err = g.decrypt(&countingReader{r: out.Body, done: &done, total: ctLen, rep: r}, key, e)
	}
	key.Wipe()
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, cseContentError(g.Describe(), obj, err)
	}
	detail := fmt.Sprintf("you decrypted the body locally and its AES-GCM tag verified%s; only then was %s written",
		map[bool]string{true: " after the key commitment check", false: ""}[e.Format == s3c.FormatV3], g.File)
	if e.CEKAlg == s3c.CEKAlgAESCBC {
		detail = "you decrypted the legacy AES-CBC body locally, as you asked (--legacy): its padding checked out, but nothing authenticates it"
	}
	r.Step(Step{Actor: You, Op: OpLocalDecrypt, Title: fmt.Sprintf("decrypt %d bytes", n), Bytes: n, Observed: true, Detail: detail})
	r.Step(Step{Actor: You, Op: OpLocalWipe, Title: "plaintext key wiped", Observed: true, Detail: "you wiped the plaintext data key from memory"})
	res := GetResult{Bucket: g.Bucket, Key: g.Key, File: g.File, VersionID: aws.ToString(out.VersionId), Size: n, Encryption: enc,
		Duration: time.Since(start), KMSCalls: -1,
		ClientSide: &ClientSideResult{Format: e.Format, KMSKeyARN: arn, Context: e.MatDesc, CiphertextSize: ctLen, Decrypted: true, WrapAlg: e.WrapAlg,
			Unauthenticated: e.CEKAlg == s3c.CEKAlgAESCBC}}
	if r.Observing() {
		r.syncTrace(ctx)
		res.KMSCalls = s3KMS
	}
	return res, nil
}

// fail explains a failed request of a client-side download.
func (g *Get) fail(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return Diagnose(g.Describe(), err, g.hint())
}

// envelope reads and checks the object's S3EC envelope before KMS is asked
// anything: a format s3crypt can decrypt, the KMS keyring, and the context
// (anti-downgrade, and --context when given).
func (g *Get) envelope(obj string, meta map[string]string) (s3c.Envelope, error) {
	noDecrypt := "Download the ciphertext as stored with --no-decrypt"
	parse := s3c.ParseEnvelope
	if g.Legacy {
		parse = s3c.ParseEnvelopeLegacy
	}
	e, err := parse(g.metadata(meta))
	if err != nil {
		why := err.Error()
		if errors.Is(err, s3c.ErrNoEnvelope) {
			why = "part of its envelope is missing: it may be in an instruction file (" + g.Key + ".instruction); add --instruction-file to read it"
		}
		fix := noDecrypt
		if k := s3c.DetectFormat(g.metadata(meta)); k.Legacy != "" && !g.Legacy {
			fix = "Add --legacy to decrypt it anyway (nothing authenticates legacy content), or " + strings.ToLower(noDecrypt[:1]) + noDecrypt[1:]
		}
		return e, &Error{Op: g.Describe(), What: obj + " has S3 Encryption Client metadata s3crypt cannot decrypt", Why: why, Fix: fix, Err: err}
	}
	raw := isRawWrap(e.WrapAlg)
	switch {
	// A raw keyring has no KMS key and no encryption context: its material
	// description (x-amz-matdesc / x-amz-m) is not authenticated, and the
	// S3 Encryption Client (Java RawKeyring) says an encryption context
	// "provides no security benefit" there and does not check it. s3crypt
	// refuses instead of ignoring a check the user asked for.
	case raw && g.KMSKey != "":
		return e, &Error{Op: g.Describe(), What: obj + "'s data key is wrapped with a raw key (" + e.WrapAlg + "), not a KMS key: --kms-key does not apply",
			Why: "a raw keyring wraps the data key locally; no KMS key is involved",
			Fix: "Leave --kms-key out and pass the raw key: --wrapping-key FILE (AES/GCM) or --rsa-key FILE.pem (RSA-OAEP-SHA1)"}
	case raw && len(g.Context) > 0:
		return e, &Error{Op: g.Describe(), What: obj + "'s data key is wrapped with a raw key (" + e.WrapAlg + "): --context cannot be checked",
			Why: "an object wrapped by a raw keyring has no encryption context, only a material description that nothing authenticates " +
				"(the S3 Encryption Client warns that an encryption context provides no security benefit with raw keyrings); s3crypt head shows it",
			Fix: "Leave --context out"}
	case raw && s3c.IsAESWrap(e.WrapAlg) && g.AESWrappingKey == nil:
		return e, &Error{Op: g.Describe(), What: obj + "'s data key is wrapped with a raw AES key (" + e.WrapAlg + "), not a KMS key",
			Why: "a raw keyring keeps its wrapping key outside KMS: only the holder of that AES-256 key can unwrap the data key",
			Fix: "Pass the wrapping key: --wrapping-key FILE; or " + strings.ToLower(noDecrypt[:1]) + noDecrypt[1:]}
	case raw && !s3c.IsAESWrap(e.WrapAlg) && g.RSAPrivateKey == nil:
		return e, &Error{Op: g.Describe(), What: obj + "'s data key is wrapped with a raw RSA key (" + e.WrapAlg + "), not a KMS key",
			Why: "a raw keyring keeps its wrapping key outside KMS: only the holder of the RSA private key can unwrap the data key",
			Fix: "Pass the private key: --rsa-key FILE.pem; or " + strings.ToLower(noDecrypt[:1]) + noDecrypt[1:]}
	case e.WrapAlg == s3c.WrapAlgKMSLegacy:
		return e, nil // legacy V1 KMS: the material description is the context; nothing binds the content algorithm
	case e.WrapAlg != s3c.WrapAlgKMSContext:
		return e, nil // a raw keyring: its binding to the content algorithm is checked when it unwraps
	case e.CEKAlg == s3c.CEKAlgAESCBC:
		if e.MatDesc[s3c.ContextKeyCEKAlg] != s3c.CEKAlgAESCBC {
			return e, &Error{Op: g.Describe(), What: obj + "'s envelope contradicts itself: its stored encryption context does not name its content algorithm",
				Why: "the legacy CBC object's context has aws:x-amz-cek-alg " + fmt.Sprintf("%q", e.MatDesc[s3c.ContextKeyCEKAlg]), Fix: noDecrypt}
		}
		return e, nil
	}
	if err := s3c.CheckContext(e.MatDesc, g.Context, e.Format); err != nil {
		if errors.Is(err, s3c.ErrCEKAlgMismatch) {
			return e, &Error{Op: g.Describe(), Err: err,
				What: obj + "'s envelope contradicts itself: its stored encryption context does not name its content algorithm",
				Why: err.Error() + ". S3 Encryption Clients bind the wrapped data key to the content algorithm " +
					"(aws:x-amz-cek-alg) so an object cannot be downgraded; s3crypt did not ask KMS to unwrap it",
				Fix: "Restore the object from a version you trust; " + noDecrypt}
		}
		return e, &Error{Op: g.Describe(), What: obj + " was written with another encryption context than --context gives", Why: err.Error(), Err: err,
			Fix: "Pass the context the object was written with (--context K=V, repeatable; s3crypt head shows it), or leave --context out"}
	}
	return e, nil
}

// decrypt writes the plaintext to g.File only once it authenticates (an
// anonymous file linked into place, see s3c.DecryptToFile); for standard
// output it decrypts into an anonymous file in TMPDIR first, so no
// unauthenticated byte is ever released or left behind.
func (g *Get) decrypt(body io.Reader, key *s3c.Key, e s3c.Envelope) (int64, error) {
	if g.File != "-" {
		return s3c.DecryptToFile(g.File, body, key, e)
	}
	return s3c.DecryptVerifiedTo(os.Stdout, "", body, key, e)
}

// decryptRanges downloads a large client-side object in parallel ranged
// GETs (first is the body of the first range, already requested) and
// decrypts each range as it arrives, on its own goroutine (a GCM piece,
// s3c.Decrypter.Piece), writing only plaintext, at its offset, into an
// anonymous pending file beside g.File. The pieces' shares of the tag are
// joined in order once every range is in; the file gets its name only
// once the tag verifies. Each byte is read from the network, decrypted in
// a small buffer and written once, and both cores decrypt: no second pass
// over the file. Memory stays at one small buffer per range in flight.
func (g *Get) decryptRanges(ctx context.Context, env *Env, r *Reporter, first io.Reader, key *s3c.Key, e s3c.Envelope, size int64, etag string) (int64, error) {
	if size < cseTagSize {
		return 0, fmt.Errorf("decrypt: %w", s3c.ErrTruncated)
	}
	d, err := s3c.NewDecrypter(key, e)
	if err != nil {
		return 0, err
	}
	defer d.Wipe()
	ptLen := size - cseTagSize
	ps := partSize(env) // a multiple of 16 (see runClientSide)
	parts := int((size + ps - 1) / ps)
	pieces := make([]*s3c.Piece, parts) // nil for a range of tag bytes only
	defer func() {
		for _, pc := range pieces {
			if pc != nil {
				pc.Wipe()
			}
		}
	}()
	for i := range pieces {
		if off := int64(i) * ps; off < ptLen {
			if pieces[i], err = d.Piece(off); err != nil {
				return 0, err
			}
		}
	}
	p, err := s3c.NewPendingFile(filepath.Dir(g.File), filepath.Base(g.File))
	if err != nil {
		return 0, fmt.Errorf("decrypt to %s: %w", g.File, err)
	}
	defer p.Discard()
	tag := make([]byte, cseTagSize) // each range writes its own bytes of it
	var progress atomic.Int64
	fetch := func(i int, body io.Reader) error {
		off, end := int64(i)*ps, min(int64(i+1)*ps, size)
		src := &countingReader{r: body, done: &progress, total: size, rep: r}
		buf := make([]byte, min(256<<10, end-off))
		for pos := off; pos < end; {
			chunk := buf[:min(int64(len(buf)), end-pos)]
			if n, err := io.ReadFull(src, chunk); err != nil {
				if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
					err = fmt.Errorf("range %d-%d: got %d bytes", off, end-1, pos-off+int64(n))
				}
				return err
			}
			ct := chunk[:max(0, min(int64(len(chunk)), ptLen-pos))]
			if len(ct) > 0 {
				if err := pieces[i].Open(ct); err != nil {
					return err
				}
				if _, err := p.WriteAt(ct, pos); err != nil {
					return fmt.Errorf("decrypt: write plaintext: %w", err)
				}
			}
			for k := len(ct); k < len(chunk); k++ {
				tag[pos+int64(k)-ptLen] = chunk[k]
			}
			pos += int64(len(chunk))
		}
		if n, _ := io.ReadFull(src, buf[:1]); n > 0 {
			return fmt.Errorf("range %d-%d: more than %d bytes", off, end-1, end-off)
		}
		return nil
	}
	eg, gctx := errgroup.WithContext(ctx)
	sem := make(chan struct{}, concurrency(env))
	eg.Go(func() error { return fetch(0, first) })
	eg.Go(func() error {
		for i := 1; i < parts; i++ {
			select {
			case sem <- struct{}{}:
			case <-gctx.Done():
				return nil
			}
			eg.Go(func() error {
				defer func() { <-sem }()
				in := g.input()
				in.ChecksumMode = ""
				in.Range = aws.String(fmt.Sprintf("bytes=%d-%d", int64(i)*ps, min(int64(i+1)*ps, size)-1))
				in.IfMatch = aws.String(etag)
				out, err := env.Backend.S3.GetObject(gctx, in, withJob(r))
				if err != nil {
					return err
				}
				defer out.Body.Close()
				return fetch(i, out.Body)
			})
		}
		return nil
	})
	err = eg.Wait()
	if ctx.Err() != nil { // cancelled by the caller: say so, not what a range saw of it
		err = context.Cause(ctx)
	}
	if err != nil {
		return 0, err
	}
	for i, pc := range pieces {
		if pc == nil {
			continue
		}
		pieces[i] = nil
		if err := d.Join(pc); err != nil {
			return 0, err
		}
	}
	if err := d.Verify(tag); err != nil {
		return 0, err
	}
	if err := p.Truncate(ptLen); err != nil {
		return 0, fmt.Errorf("decrypt to %s: %w", g.File, err)
	}
	if err := p.Commit(g.File); err != nil {
		return 0, fmt.Errorf("decrypt to %s: %w", g.File, err)
	}
	return ptLen, nil
}

// cseTagSize is the GCM tag at the end of every S3EC body.
const cseTagSize = 16

// unwrap asks KMS to decrypt the envelope's data key, under the stored
// context (and --kms-key when given).
func (g *Get) unwrap(ctx context.Context, env *Env, r *Reporter, e s3c.Envelope) (*s3c.Key, string, error) {
	if isRawWrap(e.WrapAlg) {
		return g.unwrapRaw(r, e)
	}
	kmsRequest(r, "Decrypt", fmt.Sprintf("you send KMS the %d-byte encrypted data key with the context stored in the envelope", len(e.WrappedKey)))
	kin := &kms.DecryptInput{CiphertextBlob: e.WrappedKey, EncryptionContext: e.MatDesc}
	if g.KMSKey != "" {
		kin.KeyId = &g.KMSKey
	}
	kout, err := env.Backend.KMS.Decrypt(ctx, kin, withKMSJob(r))
	if err != nil {
		return nil, "", failed(ctx, g.Describe(), err, keyOrDefault(g.KMSKey, "KEY"), cseKMSRefine(g.KMSKey))
	}
	key := s3c.NewKey(kout.Plaintext)
	clear(kout.Plaintext)
	arn := aws.ToString(kout.KeyId)
	kmsResponse(r, "plaintext data key", fmt.Sprintf("KMS unwrapped the data key (%d bytes, kept in memory) under %s", key.Len(), arn), arn)
	return key, arn, nil
}

// unwrapRaw opens a data key a raw keyring wrapped, locally.
func (g *Get) unwrapRaw(r *Reporter, e s3c.Envelope) (*s3c.Key, string, error) {
	var key *s3c.Key
	var err error
	what := "your AES-256 wrapping key (" + e.WrapAlg + ")"
	switch {
	case e.WrapAlg == s3c.WrapAlgAESGCM:
		key, err = s3c.UnwrapAESGCM(g.AESWrappingKey, e.WrappedKey, e.Format)
	case e.WrapAlg == s3c.WrapAlgRSAOAEP:
		what = "your RSA private key (RSA-OAEP-SHA1)"
		key, err = s3c.UnwrapRSAOAEP(g.RSAPrivateKey.Private(), e.WrappedKey, e.Format)
	case s3c.IsAESWrap(e.WrapAlg): // legacy, behind --legacy
		key, err = s3c.UnwrapLegacyAES(g.AESWrappingKey, e.WrappedKey, e.WrapAlg)
	default:
		what = "your RSA private key (" + e.WrapAlg + ")"
		key, err = s3c.UnwrapLegacyRSA(g.RSAPrivateKey.Private(), e.WrappedKey, e.WrapAlg)
	}
	if err == nil && s3c.IsLegacyRawWrap(e.WrapAlg) {
		what += ", a legacy wrapping that does not bind the data key to the content algorithm"
	}
	if err != nil {
		return nil, "", &Error{Op: g.Describe(), Err: err, What: fmt.Sprintf("s3://%s/%s's data key could not be unwrapped with %s", g.Bucket, g.Key, what),
			Why: err.Error(), Fix: "Use the key the object was written with (s3crypt head shows its material description); nothing was written"}
	}
	r.Step(Step{Actor: You, Op: OpLocalDecrypt, Title: "data key unwrapped", Bytes: int64(key.Len()), Observed: true,
		Detail: fmt.Sprintf("you unwrapped the %d-byte data key from the envelope with %s; no KMS request", len(e.WrappedKey), what)})
	return key, "", nil
}

// metadata is the object's metadata with its instruction file's keys, when
// one was read.
func (g *Get) metadata(meta map[string]string) map[string]string {
	if g.instrMeta != nil {
		return g.instrMeta
	}
	return meta
}

// loadInstruction reads KEY.instruction and merges it into the object's
// metadata (g.instrMeta).
func (g *Get) loadInstruction(ctx context.Context, env *Env, r *Reporter, meta map[string]string) error {
	key := g.Key + s3c.InstructionSuffix
	obj := fmt.Sprintf("s3://%s/%s", g.Bucket, g.Key)
	out, err := env.Backend.S3.GetObject(ctx, &s3.GetObjectInput{Bucket: &g.Bucket, Key: &key}, withJob(r))
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		e := Diagnose(g.Describe(), err, g.hint())
		var ae *Error
		if errors.As(e, &ae) {
			ae.What = obj + "'s envelope should be in its instruction file " + key + ", which could not be read: " + ae.What
		}
		return e
	}
	defer out.Body.Close()
	body, err := io.ReadAll(io.LimitReader(out.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("read %s: %w", key, err)
	}
	merged, err := s3c.MergeInstruction(meta, body)
	if err != nil {
		return &Error{Op: g.Describe(), What: obj + "'s instruction file " + key + " does not hold a usable envelope", Why: err.Error(), Err: err,
			Fix: "Download the ciphertext as stored with --no-decrypt, and the instruction file itself, to examine them"}
	}
	detail := fmt.Sprintf("the envelope's wrapped key and its description come from %s (%d bytes of JSON), not the object's metadata", key, len(body))
	if g.VersionID != "" {
		detail += "; it is the current " + key + ", not one tied to version " + g.VersionID +
			" (S3 keeps no link between the two objects' versions, and the S3 Encryption Client also reads the current one): " +
			"if it was replaced since, the key commitment or the GCM tag fails and nothing is written"
	}
	r.Step(Step{Actor: S3, To: You, Op: OpResponse, Title: "instruction file", Bytes: int64(len(body)), Observed: true, Detail: detail})
	g.instrMeta = merged
	return nil
}

// isRawWrap reports whether a data key is wrapped with a key of your own
// (a raw keyring, current or legacy) rather than KMS.
func isRawWrap(alg string) bool {
	return alg == s3c.WrapAlgAESGCM || alg == s3c.WrapAlgRSAOAEP || s3c.IsLegacyRawWrap(alg)
}
