package actions

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"golang.org/x/sync/errgroup"

	s3c "github.com/s3crypt/s3crypt/crypto"
	"github.com/s3crypt/s3crypt/keyflow"
	"github.com/s3crypt/s3crypt/modes"
)

// The server-side encryption a request asks for ("" leaves it to the
// bucket default, as AWS does).
const (
	SSEDefault = ""
	SSES3      = modes.APIAES256
	SSEKMS     = modes.APIKMS
	DSSEKMS    = modes.APIKMSDSSE
)

// SSECKey is a customer key for SSE-C and the file it came from (shown in
// commands instead of the key).
type SSECKey struct {
	Key  *s3c.Key
	File string
	// Encoding is how File holds the key (raw bytes, base64 or hex text;
	// read from File when unknown): the aws CLI's fileb:// needs the raw
	// bytes, so the commands shown decode it first.
	Encoding s3c.KeyEncoding
	// FromKMS says File holds a KMS-encrypted data key (the raw
	// CiphertextBlob) that was decrypted to get Key: the commands shown
	// have KMS decrypt it first.
	FromKMS bool
}

// headers returns algorithm, base64 key and base64 MD5 for the SDK.
func (k *SSECKey) headers() (alg, key, md5 *string) {
	if k == nil || k.Key == nil {
		return nil, nil, nil
	}
	a, kb, m := s3c.SSECHeaders(k.Key)
	return aws.String(a), aws.String(kb), aws.String(m)
}

// Put uploads a local file with a chosen encryption.
type Put struct {
	File        string
	Bucket, Key string
	SSE         string // SSEDefault, SSES3, SSEKMS or DSSEKMS
	KMSKey      string // key id, ARN, alias or alias ARN ("" = aws/s3)
	BucketKey   *bool  // nil = the bucket's setting
	SSEC        *SSECKey
	Context     map[string]string // extra encryption context (SSE-KMS)
	ContentType string
	// ClientSide, when set, encrypts the file on your side first (S3
	// Encryption Client format); the fields above then set S3's own layer.
	ClientSide *ClientSide
}

// PutResult is what an upload produced.
type PutResult struct {
	Bucket, Key string
	VersionID   string
	ETag        string
	Size        int64
	Encryption  ObjectEncryption
	Parts       int
	Duration    time.Duration
	// KMSCalls is how many KMS requests S3 made for this upload, when the
	// backend can show it (-1 otherwise).
	KMSCalls int
	// ClientSide is the client-side layer, when Put.ClientSide asked for one.
	ClientSide *ClientSideResult
	// Mode names Encryption as the modes table does ("none": S3's answer
	// carried no encryption header, so the endpoint stored it as sent).
	Mode string `json:",omitempty"`
	// EncryptionUnknown: nothing reported the encryption (a multipart
	// upload whose Complete said nothing, and the HEAD after it failed).
	EncryptionUnknown bool `json:",omitempty"`
	// Ignored lists what the request asked for that S3's answer does not
	// show: "asked for a bucket key, the endpoint ignored it: …".
	Ignored []string `json:",omitempty"`
	// Notes say where the encryption was read from when it was not the
	// upload's own answer.
	Notes []string `json:",omitempty"`
}

// EncryptionSummary says how the object is encrypted, as S3 reported it,
// or that nothing reported it.
func (r PutResult) EncryptionSummary() string {
	if r.EncryptionUnknown {
		return "encryption not reported"
	}
	return r.Encryption.Summary()
}

// ObjectEncryption is how an object is encrypted, as S3 reports it.
type ObjectEncryption struct {
	SSE        string `json:"sse,omitempty"` // AES256, aws:kms, aws:kms:dsse; "" for SSE-C
	KMSKeyARN  string `json:"kmsKeyArn,omitempty"`
	BucketKey  bool   `json:"bucketKey"`
	SSECKeyMD5 string `json:"sseCustomerKeyMd5,omitempty"`
}

// Mode names the encryption for people, as the modes table does: SSE-S3,
// SSE-KMS, DSSE-KMS, SSE-C, none (or the raw value S3 reported, if the
// table has no such mode).
func (e ObjectEncryption) Mode() string {
	if m := modeOf(ObjectEncryption{SSE: e.SSE, SSECKeyMD5: e.SSECKeyMD5}); m != nil {
		return m.Short
	}
	return e.SSE
}

// Describe implements Action.
func (p *Put) Describe() string {
	return fmt.Sprintf("upload %s to s3://%s/%s with %s", filepath.Base(p.File), p.Bucket, p.Key, p.modeName())
}

func (p *Put) modeName() string {
	switch {
	case p.ClientSide != nil:
		return clientSideLabel(p.ClientSide.format()) + " encryption"
	case p.SSE == SSEDefault && p.SSEC == nil:
		return "the bucket's default encryption"
	}
	if m := p.serverMode(); m != nil {
		return m.Name
	}
	return p.SSE
}

func (p *Put) hint() Hint {
	return Hint{Bucket: p.Bucket, Key: p.Key, KMSKey: p.KMSKey, UsedSSEC: p.SSEC != nil, Write: true}
}

// Run implements Action.
func (p *Put) Run(ctx context.Context, env *Env, r *Reporter) (any, error) {
	start := time.Now()
	f, err := os.Open(p.File)
	if err != nil {
		return nil, &Error{Op: p.Describe(), What: "cannot read " + p.File, Why: errors.Unwrap(err).Error(), Err: err}
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return nil, &Error{Op: p.Describe(), What: p.File + " is a directory", Fix: "Upload one file at a time"}
	}
	if err := p.validate(); err != nil {
		return nil, &Error{Op: p.Describe(), What: err.Error(), Fix: "See s3crypt put --help"}
	}
	if err := refuseSSECOverHTTP(env, p.Describe(), p.SSEC); err != nil {
		return nil, err
	}
	if p.ClientSide != nil {
		withKeys, wipe, err := p.withKeyFiles(r)
		if err != nil {
			return nil, err
		}
		defer wipe()
		return withKeys.runClientSide(ctx, env, r, f, st.Size())
	}
	for _, c := range p.commands(env) {
		r.Command(c)
	}
	p.reportKeySteps(r)
	r.Step(Step{Actor: You, To: S3, Op: OpRequest, Title: p.requestName(st.Size(), env),
		Detail: "you send the file " + carrier(env) + " with " + p.headerSummary(), Bytes: st.Size(), Observed: true})
	if !r.Observing() {
		for _, s := range drawnSteps(p.serverMode(), true) {
			r.Step(s)
		}
	}
	var res PutResult
	if st.Size() >= threshold(env) {
		res, err = p.multipart(ctx, env, r, f, st.Size())
	} else {
		res, err = p.single(ctx, env, r, f, st.Size())
	}
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, Diagnose(p.Describe(), err, p.hint())
	}
	res.Bucket, res.Key, res.Size = p.Bucket, p.Key, st.Size()
	if st.Size() >= threshold(env) {
		p.readBack(ctx, env, r, &res)
	}
	res.Duration = time.Since(start)
	res.KMSCalls = -1
	if r.Observing() {
		r.syncTrace(ctx)
		res.KMSCalls = r.kmsCalls()
	}
	p.compare(&res)
	r.Step(Step{Actor: S3, To: You, Op: OpResponse, Title: "200 OK", Observed: true,
		Detail: storedDetail(res), KeyARN: res.Encryption.KMSKeyARN})
	return res, nil
}

// storedDetail says what S3's answer to an upload reported.
func storedDetail(res PutResult) string { return "S3 stored the object: " + answerSummary(res) }

// answerSummary says how S3's answer (or the HEAD after it) reported an
// upload's encryption, and what it ignored.
func answerSummary(res PutResult) string {
	d := res.EncryptionSummary()
	switch {
	case res.EncryptionUnknown:
		d += " (neither CompleteMultipartUpload's answer nor a HEAD after it said how it is encrypted)"
	case res.Encryption.unencrypted():
		d += " — its answer carries no x-amz-server-side-encryption header: the endpoint stored the bytes as sent"
	}
	if len(res.Ignored) > 0 {
		d += "; " + strings.Join(res.Ignored, "; ")
	}
	return d
}

// readBack reads a multipart upload's encryption with HeadObject when
// CompleteMultipartUpload's answer named none (some endpoints never do);
// when the HEAD fails too, the result says the encryption is not reported.
func (p *Put) readBack(ctx context.Context, env *Env, r *Reporter, res *PutResult) {
	if res.Encryption.SSE != "" || res.Encryption.SSECKeyMD5 != "" {
		return
	}
	in := &s3.HeadObjectInput{Bucket: &p.Bucket, Key: &p.Key}
	if res.VersionID != "" {
		in.VersionId = &res.VersionID
	}
	in.SSECustomerAlgorithm, in.SSECustomerKey, in.SSECustomerKeyMD5 = p.SSEC.headers()
	r.Step(Step{Actor: You, To: S3, Op: OpRequest, Title: "HeadObject", Observed: true,
		Detail: "CompleteMultipartUpload's answer names no encryption: you ask S3 for the object's headers"})
	out, err := env.Backend.S3.HeadObject(ctx, in, withJob(r))
	if err != nil {
		res.EncryptionUnknown = true
		res.Notes = append(res.Notes, "encryption not reported: CompleteMultipartUpload's answer named none and HeadObject failed ("+apiErrorText(err)+")")
		return
	}
	res.Encryption = encryptionOfHead(out)
	res.Notes = append(res.Notes, "CompleteMultipartUpload's answer named no encryption; read back with HeadObject: "+res.Encryption.Summary())
}

// compare sets res.Mode and lists what p asked for that S3's answer does
// not show.
func (p *Put) compare(res *PutResult) {
	if res.EncryptionUnknown {
		return
	}
	e := res.Encryption
	res.Mode = e.Mode()
	answer := "its answer says " + e.Summary()
	if e.unencrypted() {
		answer = "its answer carries no x-amz-server-side-encryption header"
	}
	add := func(s string) { res.Ignored = append(res.Ignored, s) }
	switch _, _, md5 := p.SSEC.headers(); {
	case p.SSEC != nil && e.SSECKeyMD5 == "":
		add("asked for SSE-C, the endpoint ignored it: " + answer)
	case p.SSEC != nil && e.SSECKeyMD5 != aws.ToString(md5):
		add("asked for SSE-C with key MD5 " + aws.ToString(md5) + ", the endpoint answered key MD5 " + e.SSECKeyMD5)
	case p.SSE != SSEDefault && e.SSE != p.SSE:
		add("asked for " + p.serverMode().Name + ", the endpoint ignored it: " + answer)
	}
	kms := e.SSE == SSEKMS && (p.SSE == SSEKMS || p.SSE == SSEDefault)
	if p.BucketKey != nil && *p.BucketKey && kms && !e.BucketKey {
		add("asked for a bucket key, the endpoint ignored it: its answer has no x-amz-server-side-encryption-bucket-key-enabled: true")
	}
	if p.BucketKey != nil && !*p.BucketKey && e.BucketKey {
		add("asked for no bucket key, the endpoint ignored it: its answer says x-amz-server-side-encryption-bucket-key-enabled: true")
	}
	if p.KMSKey != "" && e.SSE == p.SSE && e.KMSKeyARN == "" {
		add("asked for KMS key " + p.KMSKey + ", the endpoint's answer names no key (no x-amz-server-side-encryption-aws-kms-key-id)")
	}
}

// unencrypted reports whether S3's answer named no encryption at all.
func (e ObjectEncryption) unencrypted() bool {
	m := modeOf(e)
	return m != nil && m.ID == modes.None
}

// Summary says how the object is encrypted, in a few words ("no
// encryption" when S3 reported none).
func (e ObjectEncryption) Summary() string {
	if e.unencrypted() {
		return modes.Get(modes.None).Name
	}
	s := e.Mode()
	if e.KMSKeyARN != "" {
		s += " under " + e.KMSKeyARN
	}
	if e.BucketKey {
		s += " with a bucket key"
	}
	if e.SSECKeyMD5 != "" {
		s += " (key MD5 " + e.SSECKeyMD5 + ")"
	}
	return s
}

func (p *Put) validate() error {
	if p.SSE != SSEDefault && !slices.Contains(modes.APIValues(), p.SSE) {
		return fmt.Errorf("unknown --sse %q: use %s", p.SSE, strings.Join(modes.APIValues(), ", "))
	}
	if p.SSEC != nil && p.SSE != SSEDefault {
		return errors.New("SSE-C cannot be combined with --sse: S3 refuses both in one request")
	}
	if p.KMSKey != "" && p.SSE != SSEKMS && p.SSE != DSSEKMS {
		return errors.New("--kms-key needs --sse aws:kms or --sse aws:kms:dsse")
	}
	if len(p.Context) > 0 && p.SSE != SSEKMS && p.SSE != DSSEKMS {
		return errors.New("--context applies to --sse aws:kms or aws:kms:dsse only")
	}
	return nil
}

// serverMode is the server-side mode the request asks S3 for (nil: the
// bucket default, which S3 picks).
func (p *Put) serverMode() *modes.Mode {
	switch {
	case p.SSEC != nil:
		return modes.Get(modes.SSEC)
	case p.SSE == SSEDefault:
		return nil
	}
	return modes.ByAPI(p.SSE, p.BucketKey != nil && *p.BucketKey)
}

func (p *Put) requestName(size int64, env *Env) string {
	if size >= threshold(env) {
		return "CreateMultipartUpload + UploadPart × " + strconv.FormatInt((size+partSize(env)-1)/partSize(env), 10)
	}
	return "PutObject"
}

func (p *Put) headerSummary() string {
	switch {
	case p.SSEC != nil:
		return "the SSE-C key and its MD5 (S3 uses it and forgets it)"
	case p.SSE == SSEDefault:
		return "no encryption header (the bucket default applies)"
	case p.KMSKey != "":
		return "x-amz-server-side-encryption: " + p.SSE + " and key " + p.KMSKey
	}
	return "x-amz-server-side-encryption: " + p.SSE
}

// reportKeySteps reports the local handling of an SSE-C key.
func (p *Put) reportKeySteps(r *Reporter) {
	if p.SSEC == nil {
		return
	}
	r.Step(Step{Actor: You, Op: OpKeyChecked, Title: "SSE-C key MD5", Observed: true,
		Detail: "you computed the MD5 of the 32-byte key (" + s3c.KeyMD5(p.SSEC.Key) + ") so S3 can check it arrived intact"})
}

// encryptionContext renders p.Context for the header.
func (p *Put) encryptionContext() *string {
	if len(p.Context) == 0 {
		return nil
	}
	data, _ := json.Marshal(p.Context)
	return aws.String(base64.StdEncoding.EncodeToString(data))
}

// withJob tags a request with the job token so its sandbox steps can be
// found in the trace.
func withJob(r *Reporter) func(*s3.Options) {
	return func(o *s3.Options) {
		o.APIOptions = append(o.APIOptions, smithyhttp.AddHeaderValue(keyflow.JobHeader, r.Token()), addSSECHTTPGuard)
	}
}

func (p *Put) single(ctx context.Context, env *Env, r *Reporter, f *os.File, size int64) (PutResult, error) {
	return p.putOnce(ctx, env, r, newProgressReader(io.NewSectionReader(f, 0, size), size, r, nil), size, nil)
}

// putOnce sends body (size bytes, with user metadata meta) in one
// PutObject with p's encryption headers.
func (p *Put) putOnce(ctx context.Context, env *Env, r *Reporter, body io.Reader, size int64, meta map[string]string) (PutResult, error) {
	in := &s3.PutObjectInput{Bucket: &p.Bucket, Key: &p.Key, Body: body, ContentLength: aws.Int64(size), Metadata: meta,
		ServerSideEncryption: s3types.ServerSideEncryption(p.SSE), SSEKMSEncryptionContext: p.encryptionContext(),
		BucketKeyEnabled: p.BucketKey}
	if p.KMSKey != "" {
		in.SSEKMSKeyId = &p.KMSKey
	}
	if p.ContentType != "" {
		in.ContentType = &p.ContentType
	}
	in.SSECustomerAlgorithm, in.SSECustomerKey, in.SSECustomerKeyMD5 = p.SSEC.headers()
	out, err := env.Backend.S3.PutObject(ctx, in, withJob(r))
	if err != nil {
		return PutResult{}, err
	}
	return PutResult{VersionID: aws.ToString(out.VersionId), ETag: aws.ToString(out.ETag), Parts: 1,
		Encryption: ObjectEncryption{SSE: string(out.ServerSideEncryption), KMSKeyARN: aws.ToString(out.SSEKMSKeyId),
			BucketKey: aws.ToBool(out.BucketKeyEnabled), SSECKeyMD5: aws.ToString(out.SSECustomerKeyMD5)}}, nil
}

// multipart uploads f in parts, several at once, each read straight from
// the file (memory stays bounded).
func (p *Put) multipart(ctx context.Context, env *Env, r *Reporter, f *os.File, size int64) (PutResult, error) {
	return p.multipartWith(ctx, env, r, nil, func(uploadID *string) ([]s3types.CompletedPart, error) {
		return p.uploadParts(ctx, env, r, f, size, uploadID)
	})
}

// multipartWith runs a multipart upload whose parts sendParts uploads:
// it creates the upload with p's encryption (and meta), completes it, and
// aborts it on any failure or cancellation.
func (p *Put) multipartWith(ctx context.Context, env *Env, r *Reporter, meta map[string]string,
	sendParts func(uploadID *string) ([]s3types.CompletedPart, error)) (res PutResult, err error) {
	cin := &s3.CreateMultipartUploadInput{Bucket: &p.Bucket, Key: &p.Key, Metadata: meta, ServerSideEncryption: s3types.ServerSideEncryption(p.SSE),
		SSEKMSEncryptionContext: p.encryptionContext(), BucketKeyEnabled: p.BucketKey, ChecksumAlgorithm: s3types.ChecksumAlgorithmCrc32}
	if p.KMSKey != "" {
		cin.SSEKMSKeyId = &p.KMSKey
	}
	if p.ContentType != "" {
		cin.ContentType = &p.ContentType
	}
	cin.SSECustomerAlgorithm, cin.SSECustomerKey, cin.SSECustomerKeyMD5 = p.SSEC.headers()
	up, err := env.Backend.S3.CreateMultipartUpload(ctx, cin, withJob(r))
	if err != nil {
		return res, err
	}
	defer func() {
		if err != nil {
			// Abort on a fresh context: the job's may be cancelled.
			actx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			_, _ = env.Backend.S3.AbortMultipartUpload(actx, &s3.AbortMultipartUploadInput{Bucket: &p.Bucket, Key: &p.Key, UploadId: up.UploadId}, withJob(r))
		}
	}()
	parts, err := sendParts(up.UploadId)
	if err != nil {
		return res, err
	}
	comp := &s3.CompleteMultipartUploadInput{Bucket: &p.Bucket, Key: &p.Key,
		UploadId: up.UploadId, MultipartUpload: &s3types.CompletedMultipartUpload{Parts: parts}}
	// AWS requires the SSE-C key on Complete when the upload has a
	// checksum algorithm (the SDK may add one); it accepts it always.
	comp.SSECustomerAlgorithm, comp.SSECustomerKey, comp.SSECustomerKeyMD5 = p.SSEC.headers()
	out, err := env.Backend.S3.CompleteMultipartUpload(ctx, comp, withJob(r))
	if err != nil {
		return res, err
	}
	return PutResult{VersionID: aws.ToString(out.VersionId), ETag: aws.ToString(out.ETag), Parts: len(parts),
		Encryption: ObjectEncryption{SSE: string(out.ServerSideEncryption), KMSKeyARN: aws.ToString(out.SSEKMSKeyId),
			BucketKey: aws.ToBool(out.BucketKeyEnabled), SSECKeyMD5: aws.ToString(up.SSECustomerKeyMD5)}}, nil
}

func (p *Put) uploadParts(ctx context.Context, env *Env, r *Reporter, f *os.File, size int64, uploadID *string) ([]s3types.CompletedPart, error) {
	ps := partSize(env)
	n := int((size + ps - 1) / ps)
	var (
		mu    sync.Mutex
		parts = make([]s3types.CompletedPart, 0, n)
		done  atomic.Int64
	)
	eg, gctx := errgroup.WithContext(ctx)
	eg.SetLimit(concurrency(env))
	for i := 0; i < n && gctx.Err() == nil; i++ {
		off := int64(i) * ps
		length := min(ps, size-off)
		num := int32(i + 1)
		eg.Go(func() error {
			body := newProgressReader(io.NewSectionReader(f, off, length), size, r, &done)
			part, err := p.sendPart(gctx, env, r, uploadID, num, body, length, nil)
			if err != nil {
				return err
			}
			mu.Lock()
			parts = append(parts, part)
			mu.Unlock()
			return nil
		})
	}
	err := eg.Wait()
	if ctx.Err() != nil { // cancelled by the caller: say so, not what a part saw of it
		err = context.Cause(ctx)
	}
	if err != nil {
		return nil, err
	}
	sort.Slice(parts, func(i, j int) bool { return *parts[i].PartNumber < *parts[j].PartNumber })
	return parts, nil
}

// sendPart uploads one part (with p's SSE-C key, as every part must carry
// it) and returns what CompleteMultipartUpload needs of it. crc32 is the
// part's CRC32 (base64) when the caller has it, or nil for the SDK to
// compute it (reading the body once more).
func (p *Put) sendPart(ctx context.Context, env *Env, r *Reporter, uploadID *string, num int32, body io.Reader, length int64, crc32 *string) (s3types.CompletedPart, error) {
	in := &s3.UploadPartInput{Bucket: &p.Bucket, Key: &p.Key, UploadId: uploadID, PartNumber: aws.Int32(num),
		Body: body, ContentLength: aws.Int64(length), ChecksumAlgorithm: s3types.ChecksumAlgorithmCrc32, ChecksumCRC32: crc32}
	in.SSECustomerAlgorithm, in.SSECustomerKey, in.SSECustomerKeyMD5 = p.SSEC.headers()
	out, err := env.Backend.S3.UploadPart(ctx, in, withJob(r))
	if err != nil {
		return s3types.CompletedPart{}, fmt.Errorf("part %d: %w", num, err)
	}
	return s3types.CompletedPart{PartNumber: aws.Int32(num), ETag: out.ETag, ChecksumCRC32: out.ChecksumCRC32}, nil
}

// commands is the aws CLI equivalent of p, in order.
func (p *Put) commands(env *Env) []Command {
	args := []string{"s3api", "put-object", "--bucket", p.Bucket, "--key", p.Key, "--body", p.File}
	if p.SSE != SSEDefault {
		args = append(args, "--server-side-encryption", p.SSE)
	}
	if p.KMSKey != "" {
		args = append(args, "--ssekms-key-id", p.KMSKey)
	}
	if p.BucketKey != nil {
		if *p.BucketKey {
			args = append(args, "--bucket-key-enabled")
		} else {
			args = append(args, "--no-bucket-key-enabled")
		}
	}
	if c := p.encryptionContext(); c != nil {
		args = append(args, "--ssekms-encryption-context", *c)
	}
	cmds, main := sseCSequence(env, p.SSEC, args)
	if fi, err := os.Stat(p.File); err == nil && fi.Size() >= threshold(env) {
		cmds[main].Note = "s3crypt sends this as a multipart upload in parallel parts; aws s3 cp does the same for large files"
	}
	return cmds
}
