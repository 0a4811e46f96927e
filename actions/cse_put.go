package actions

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"runtime/debug"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"golang.org/x/sync/errgroup"

	s3c "github.com/s3crypt/s3crypt/crypto"
)

// Ciphertext is produced in order (one GCM message over the whole
// object), so each part of a client-side multipart upload in flight holds
// a part-sized buffer. maxCSEConcurrency parts go at once (encrypting the
// next while the others upload) within cseBufferBudget bytes of buffers:
// parts of cseBufferBudget/maxCSEConcurrency (5 MiB, S3's minimum), or
// more when an object needs more than S3's 10,000 parts. A 1 GiB upload
// then peaks near 60 MiB of RSS (bench/cse.sh).
const (
	maxCSEConcurrency = 3
	cseBufferBudget   = 15 << 20
)

// cseSealStep is how much of a part is read, encrypted and checksummed at
// a time: small enough to stay in a core's L2 cache between the three.
const cseSealStep = 256 << 10

// cseGCPercent is the garbage collector's target while client-side parts
// are buffered: the buffers live for the whole upload, and Go's default
// (GOGC 100) would let garbage grow to their size again before collecting.
const cseGCPercent = 40

// gcTight holds the collector at cseGCPercent while any client-side
// multipart upload runs in this process.
var gcTight struct {
	sync.Mutex
	n, old int
}

// tightenGC sets cseGCPercent and returns what restores the previous
// setting once the last upload that asked is done.
func tightenGC() (restore func()) {
	gcTight.Lock()
	defer gcTight.Unlock()
	if gcTight.n == 0 {
		gcTight.old = debug.SetGCPercent(cseGCPercent)
		if gcTight.old >= 0 && gcTight.old < cseGCPercent {
			debug.SetGCPercent(gcTight.old) // already tighter (GOGC)
		}
	}
	gcTight.n++
	return func() {
		gcTight.Lock()
		defer gcTight.Unlock()
		if gcTight.n--; gcTight.n == 0 {
			debug.SetGCPercent(gcTight.old)
		}
	}
}

// csePartSize is the part size of a client-side multipart upload of
// ctLen bytes: a multiple of 16, as each part is a piece of the GCM
// message that starts at a block edge.
func csePartSize(env *Env, ctLen int64) int64 {
	ps := min(partSize(env), cseBufferBudget/maxCSEConcurrency) &^ 15
	if need := (ctLen + maxParts - 1) / maxParts; ps < need {
		ps = (need + 1<<20 - 1) &^ (1<<20 - 1) // whole MiB
	}
	return ps
}

// runClientSide is Put.Run for p.ClientSide: GenerateDataKey, set up the
// local cipher, wipe the plaintext key, upload the ciphertext with the
// envelope as user metadata.
func (p *Put) runClientSide(ctx context.Context, env *Env, r *Reporter, f *os.File, size int64) (any, error) {
	start := time.Now()
	kctx, err := p.ClientSide.kmsContext()
	if err != nil {
		return nil, &Error{Op: p.Describe(), What: err.Error(), Fix: "See s3crypt put --help"}
	}
	format := p.ClientSide.format()
	ctLen := s3c.EncryptedLength(size)
	multipart := ctLen >= threshold(env)
	key, wrapped, arn, err := p.dataKey(ctx, env, r, kctx)
	if err != nil {
		return nil, err
	}
	defer key.Wipe()
	var e s3c.Envelope
	if raw := p.ClientSide.rawWrapAlg(); raw != "" {
		e, err = s3c.NewRawEnvelope(format, raw, key, wrapped, p.ClientSide.Context, size)
		kctx = e.MatDesc
	} else {
		e, err = s3c.NewEnvelope(format, key, wrapped, kctx, size)
	}
	if err != nil {
		return nil, &Error{Op: p.Describe(), What: "cannot prepare the client-side envelope", Why: err.Error(), Err: err}
	}
	// One PutObject streams through an encrypting reader; a multipart
	// upload encrypts each part apart (s3c.Encrypter), in parallel.
	var body io.ReadCloser
	var enc *s3c.Encrypter
	if multipart {
		enc, err = s3c.NewEncrypter(key, e)
	} else {
		body, err = s3c.NewEncryptReader(newProgressReader(io.NewSectionReader(f, 0, size), size, r, nil), key, e)
	}
	if err != nil {
		return nil, &Error{Op: p.Describe(), What: "cannot set up the local cipher", Why: err.Error(), Err: err}
	}
	if multipart {
		defer enc.Wipe()
	} else {
		defer body.Close() // wipes the running cipher if the upload ends early
	}
	r.Step(Step{Actor: You, Op: OpLocalEncrypt, Title: fmt.Sprintf("encrypt %d bytes", size), Bytes: size, Observed: true,
		Detail: fmt.Sprintf("you encrypt the file locally with AES-256-GCM (S3 Encryption Client format V%d) as it streams out: "+
			"%d bytes of ciphertext with the 16-byte tag", format, ctLen)})
	key.Wipe()
	r.Step(Step{Actor: You, Op: OpLocalWipe, Title: "plaintext key wiped", Observed: true,
		Detail: "you wiped the plaintext data key; only the running cipher's AES key schedule remains until the last byte, and only the encrypted key is stored"})
	meta := e.Metadata()
	var instruction []byte
	if p.ClientSide.InstructionFile {
		if meta, instruction, err = e.SplitInstruction(); err != nil {
			return nil, &Error{Op: p.Describe(), What: "cannot prepare the instruction file", Why: err.Error(), Err: err}
		}
	}
	for _, c := range p.cseCommands(env, multipart) {
		r.Command(c)
	}
	request := "PutObject"
	if multipart {
		ps := csePartSize(env, ctLen)
		request = fmt.Sprintf("CreateMultipartUpload + UploadPart × %d", (ctLen+ps-1)/ps)
	}
	r.Step(Step{Actor: You, To: S3, Op: OpRequest, Title: request, Bytes: ctLen, Observed: true,
		Detail: "you send only ciphertext, with the envelope (encrypted data key, " + ivName(format) + ", context) as x-amz-meta-* metadata, and " + p.headerSummary()})
	if !r.Observing() {
		for _, s := range drawnSteps(p.serverMode(), true) {
			r.Step(s)
		}
	}
	var res PutResult
	if multipart {
		res, err = p.cseMultipart(ctx, env, r, f, enc, size, meta)
	} else {
		res, err = p.cseSingle(ctx, env, r, body, ctLen, meta)
	}
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, Diagnose(p.Describe(), err, p.hint())
	}
	if instruction != nil {
		if err := p.putInstruction(ctx, env, r, instruction); err != nil {
			return nil, err
		}
	}
	res.Bucket, res.Key, res.Size, res.Duration, res.KMSCalls = p.Bucket, p.Key, size, time.Since(start), -1
	res.ClientSide = &ClientSideResult{Format: format, KMSKeyARN: arn, Context: kctx, CiphertextSize: ctLen, WrapAlg: e.WrapAlg}
	if multipart {
		p.readBack(ctx, env, r, &res)
	}
	p.compare(&res)
	if r.Observing() {
		r.syncTrace(ctx)
		res.KMSCalls = r.kmsCalls()
	}
	r.Step(Step{Actor: S3, To: You, Op: OpResponse, Title: "200 OK", Observed: true, KeyARN: res.Encryption.KMSKeyARN, Bytes: ctLen,
		Detail: fmt.Sprintf("S3 stored %d bytes of ciphertext it cannot read; its own layer: %s", ctLen, answerSummary(res))})
	return res, nil
}

// ivName names what makes each V2/V3 object's encryption unique.
func ivName(format int) string {
	if format == s3c.FormatV2 {
		return "IV"
	}
	return "message ID and key commitment"
}

// cseSingle uploads the ciphertext stream in one PutObject. The body is
// not seekable (it is encrypted as it is read), so the SDK sends it with a
// trailing checksum and cannot retry it.
func (p *Put) cseSingle(ctx context.Context, env *Env, r *Reporter, body io.Reader, ctLen int64, meta map[string]string) (PutResult, error) {
	return p.putOnce(ctx, env, r, body, ctLen, meta)
}

// cseMultipart uploads the ciphertext in parts; the envelope goes on
// CreateMultipartUpload.
func (p *Put) cseMultipart(ctx context.Context, env *Env, r *Reporter, f *os.File, enc *s3c.Encrypter, size int64, meta map[string]string) (PutResult, error) {
	return p.multipartWith(ctx, env, r, meta, func(uploadID *string) ([]s3types.CompletedPart, error) {
		return p.cseParts(ctx, env, r, f, enc, size, uploadID)
	})
}

// cseParts uploads the ciphertext of f's size bytes in parts, up to
// maxCSEConcurrency at once, each in a part-sized buffer (memory stays at
// that many buffers whatever the size). Each part's goroutine reads its
// plaintext from f, seals it as a piece of the one GCM message
// (s3c.Encrypter.Piece: the keystream is addressed by block and GHASH is
// linear, so parts need not be encrypted in order), computes its CRC32
// while the bytes are fresh, and uploads it; a retry resends the same
// bytes, never a second encryption. The parts holding the tag (the last,
// and the one before when the tag straddles them) wait until every piece
// is sealed, join them in order and append the tag.
func (p *Put) cseParts(ctx context.Context, env *Env, r *Reporter, f *os.File, enc *s3c.Encrypter, size int64, uploadID *string) ([]s3types.CompletedPart, error) {
	ctLen := s3c.EncryptedLength(size)
	ps := csePartSize(env, ctLen)
	n := int((ctLen + ps - 1) / ps)
	conc := min(concurrency(env), maxCSEConcurrency)
	defer tightenGC()()
	// ctx's cause is the caller's.
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	pieces := make([]*s3c.Piece, n) // nil for a part of tag bytes only
	defer func() {
		for _, pc := range pieces {
			if pc != nil {
				pc.Wipe()
			}
		}
	}()
	var sealed sync.WaitGroup // one per piece, done when sealed, or failed, or never started
	for i := range pieces {
		if off := int64(i) * ps; off < size {
			pc, err := enc.Piece(off)
			if err != nil {
				return nil, err
			}
			pieces[i] = pc
			sealed.Add(1)
		}
	}
	allSealed := make(chan struct{})
	go func() { sealed.Wait(); close(allSealed) }()
	var (
		mu       sync.Mutex
		parts    = make([]s3types.CompletedPart, 0, n)
		progress atomic.Int64
		// free holds the buffers (nil = not allocated yet); a part in
		// flight holds one, so free bounds the parts in flight too.
		free       = make(chan []byte, conc)
		sealFailed atomic.Bool
		tagOnce    sync.Once
		tag        []byte
		tagErr     error
	)
	for range conc {
		free <- nil
	}
	eg, gctx := errgroup.WithContext(ctx)
	// theTag joins the sealed pieces in order and returns the body's tag.
	theTag := func() ([]byte, error) {
		select {
		case <-allSealed:
		case <-gctx.Done():
			return nil, context.Cause(gctx)
		}
		tagOnce.Do(func() {
			if sealFailed.Load() {
				tagErr = errors.New("encrypt: a part failed")
				return
			}
			for i, pc := range pieces {
				if pc == nil {
					continue
				}
				pieces[i] = nil
				if tagErr = enc.Join(pc); tagErr != nil {
					return
				}
			}
			tag, tagErr = enc.Tag()
		})
		return tag, tagErr
	}
	// seal reads and encrypts part i's plaintext into buf and returns the
	// CRC32 of the ciphertext; it marks the piece done whatever happens.
	// It goes in steps of cseSealStep, so each step is read, sealed and
	// summed while it is in the CPU's cache.
	seal := func(i int, buf []byte) (uint32, error) {
		defer sealed.Done()
		var crc uint32
		for pos := 0; pos < len(buf); pos += cseSealStep {
			step := buf[pos:min(pos+cseSealStep, len(buf))]
			if _, err := f.ReadAt(step, int64(i)*ps+int64(pos)); err != nil {
				sealFailed.Store(true)
				if errors.Is(err, io.EOF) {
					err = fmt.Errorf("%w: the file is shorter than the %d bytes it had", s3c.ErrLengthMismatch, size)
				}
				return 0, fmt.Errorf("encrypt part %d: read plaintext: %w", i+1, err)
			}
			if err := pieces[i].Seal(step); err != nil {
				sealFailed.Store(true)
				return 0, fmt.Errorf("encrypt part %d: %w", i+1, err)
			}
			crc = crc32.Update(crc, crc32.IEEETable, step)
			r.Progress(progress.Add(int64(len(step))), size)
		}
		return crc, nil
	}
	started := 0 // parts whose goroutine runs
	for i := 0; i < n && gctx.Err() == nil; i++ {
		var buf []byte
		select {
		case buf = <-free:
		case <-gctx.Done():
		}
		if gctx.Err() != nil {
			break
		}
		if buf == nil {
			buf = make([]byte, ps)
		}
		off := int64(i) * ps
		buf = buf[:min(ps, ctLen-off)]
		ptN := max(0, min(int64(len(buf)), size-off)) // plaintext bytes; the rest is tag
		num := int32(i + 1)
		started++
		eg.Go(func() error {
			defer func() { free <- buf[:cap(buf)] }()
			var crc uint32
			if ptN > 0 {
				var err error
				if crc, err = seal(i, buf[:ptN:ptN]); err != nil {
					return err
				}
			}
			if ptN < int64(len(buf)) {
				t, err := theTag()
				if err != nil {
					return err
				}
				copy(buf[ptN:], t[off+ptN-size:])
				crc = crc32.Update(crc, crc32.IEEETable, buf[ptN:])
			}
			var sum [4]byte
			binary.BigEndian.PutUint32(sum[:], crc)
			part, err := p.sendPart(gctx, env, r, uploadID, num, bytes.NewReader(buf), int64(len(buf)),
				aws.String(base64.StdEncoding.EncodeToString(sum[:])))
			if err != nil {
				return err
			}
			mu.Lock()
			parts = append(parts, part)
			mu.Unlock()
			return nil
		})
	}
	for i := started; i < n; i++ { // never started: not sealed, and never will be
		if pieces[i] != nil {
			sealFailed.Store(true)
			sealed.Done()
		}
	}
	err := eg.Wait()
	if ctx.Err() != nil {
		err = context.Cause(ctx)
	}
	if err != nil {
		return nil, err
	}
	sort.Slice(parts, func(i, j int) bool { return *parts[i].PartNumber < *parts[j].PartNumber })
	return parts, nil
}

// dataKey makes the object's data key and its wrapped form: from KMS
// GenerateDataKey under the context, or with crypto/rand and wrapped
// locally by a raw keyring. arn is the KMS key ("" for a raw keyring).
func (p *Put) dataKey(ctx context.Context, env *Env, r *Reporter, kctx map[string]string) (key *s3c.Key, wrapped []byte, arn string, err error) {
	c := p.ClientSide
	if raw := c.rawWrapAlg(); raw != "" {
		pdk := make([]byte, 32)
		if _, err := rand.Read(pdk); err != nil {
			return nil, nil, "", &Error{Op: p.Describe(), What: "cannot make a data key", Why: err.Error(), Err: err}
		}
		key = s3c.NewKey(pdk)
		clear(pdk)
		what := "your AES-256 wrapping key (AES/GCM)"
		if raw == s3c.WrapAlgAESGCM {
			wrapped, err = s3c.WrapAESGCM(c.AESWrappingKey, key, c.format())
		} else {
			what = "your RSA public key (RSA-OAEP-SHA1)"
			wrapped, err = s3c.WrapRSAOAEP(c.RSAPublicKey, key, c.format())
		}
		if err != nil {
			key.Wipe()
			return nil, nil, "", &Error{Op: p.Describe(), What: "cannot wrap the data key", Why: err.Error(), Err: err}
		}
		r.Step(Step{Actor: You, Op: OpLocalEncrypt, Title: "data key made and wrapped", Bytes: int64(key.Len()), Observed: true,
			Detail: fmt.Sprintf("you made a random %d-byte data key and wrapped it with %s into %d bytes, bound to the content algorithm; no KMS request",
				key.Len(), what, len(wrapped))})
		return key, wrapped, "", nil
	}
	kmsRequest(r, "GenerateDataKey", "you ask KMS for a new AES_256 data key under "+c.KMSKey+
		", bound to the context (aws:x-amz-cek-alg = "+kctx[s3c.ContextKeyCEKAlg]+")")
	out, err := env.Backend.KMS.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{KeyId: &c.KMSKey,
		KeySpec: kmstypes.DataKeySpecAes256, EncryptionContext: kctx}, withKMSJob(r))
	if err != nil {
		return nil, nil, "", failed(ctx, p.Describe(), err, c.KMSKey, cseKMSRefine(c.KMSKey))
	}
	key = s3c.NewKey(out.Plaintext)
	clear(out.Plaintext)
	arn = aws.ToString(out.KeyId)
	r.Step(Step{Actor: KMS, To: You, Op: OpResponse, Title: "plaintext + encrypted key", KeyARN: arn, Context: kctx,
		Bytes: int64(key.Len()), Observed: true, Detail: fmt.Sprintf(
			"KMS returned the data key twice: in plaintext (%d bytes, kept in memory) and encrypted under the KMS key (%d bytes, to store)",
			key.Len(), len(out.CiphertextBlob))})
	return key, out.CiphertextBlob, arn, nil
}

// putInstruction stores the envelope's instruction file beside the object
// (KEY.instruction, marked x-amz-crypto-instr-file). If S3 refuses it, the
// object, unreadable without it, is deleted again.
func (p *Put) putInstruction(ctx context.Context, env *Env, r *Reporter, body []byte) error {
	key := p.Key + s3c.InstructionSuffix
	r.Step(Step{Actor: You, To: S3, Op: OpRequest, Title: "PutObject " + key, Bytes: int64(len(body)), Observed: true,
		Detail: fmt.Sprintf("you store the envelope's wrapped key and its description in the instruction file %s (%d bytes of JSON), as you asked", key, len(body))})
	_, err := env.Backend.S3.PutObject(ctx, &s3.PutObjectInput{Bucket: &p.Bucket, Key: &key, Body: bytes.NewReader(body),
		ContentLength: aws.Int64(int64(len(body))), Metadata: map[string]string{s3c.InstructionFileMetadata: ""}}, withJob(r))
	if err == nil {
		return nil
	}
	_, _ = env.Backend.S3.DeleteObject(context.WithoutCancel(ctx), &s3.DeleteObjectInput{Bucket: &p.Bucket, Key: &p.Key}, withJob(r))
	if ctx.Err() != nil {
		return ctx.Err()
	}
	e := Diagnose(p.Describe(), err, p.hint())
	var ae *Error
	if errors.As(e, &ae) {
		ae.What = "the instruction file " + key + " could not be stored, so the object was deleted again: " + ae.What
	}
	return e
}
