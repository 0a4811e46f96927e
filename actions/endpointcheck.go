package actions

import (
	"bytes"
	"context"
	"crypto/md5" //nolint:gosec // SSE-C sends the key's MD5, as S3 defines it
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/s3crypt/s3crypt/keyflow"
	"github.com/s3crypt/s3crypt/modes"
)

// Support is what an endpoint did with one capability s3crypt asked of it.
type Support string

// The outcomes of a capability check.
const (
	// SupportOK: the endpoint accepted the request and, read back, really
	// applied what was asked.
	SupportOK Support = "supported"
	// SupportIgnored: the endpoint accepted the request but did not apply it
	// (HEAD says otherwise, or a later request shows it had no effect).
	SupportIgnored Support = "ignored"
	// SupportRefused: the endpoint answered the request with an error.
	SupportRefused Support = "refused"
	// SupportNotTried: the check could not try it (it would change a bucket you
	// named, or it needs something the endpoint lacks); Detail says why.
	SupportNotTried Support = "not tried"
)

// Capability is one thing `s3crypt endpoint check` tries.
type Capability string

// The capabilities, in the order the check tries them.
const (
	CapKMSAPI        Capability = "KMS API"
	CapSSES3         Capability = "SSE-S3"
	CapSSEKMSDefault Capability = "SSE-KMS, default key"
	CapSSEKMSKey     Capability = "SSE-KMS, given key"
	CapBucketKey     Capability = "SSE-KMS + bucket key"
	CapDSSEKMS       Capability = "DSSE-KMS"
	CapSSECTLS       Capability = "SSE-C over TLS"
	CapSSECHTTP      Capability = "SSE-C over plain HTTP"
	CapDefault       Capability = "default encryption"
	CapSSECBlock     Capability = "SSE-C blocking"
	CapUpdate        Capability = "UpdateObjectEncryption"
	CapVersioning    Capability = "versioning"
)

// CheckRow is one line of the capability table.
type CheckRow struct {
	Capability Capability
	// Mode is the encryption mode this row decides ("" for bucket-level
	// capabilities): the TUI marks the mode when the row is not SupportOK.
	Mode    modes.ID
	Support Support
	// AWS is what Amazon S3 itself does with the same request.
	AWS Support
	// Detail is what the endpoint said (its own code and message) or did.
	Detail string
}

// EndpointCheckResult is the capability table of one endpoint.
type EndpointCheckResult struct {
	Endpoint string
	// Bucket is where the check wrote; Scratch when it created the bucket
	// and removed it again.
	Bucket  string
	Scratch bool
	// KMSKey is the key the "given key" rows used ("" when none).
	KMSKey string
	Rows   []CheckRow
	// Leftovers lists what the check could not clean up.
	Leftovers []string
}

// Row returns the row of capability c, or nil.
func (r EndpointCheckResult) Row(c Capability) *CheckRow {
	for i := range r.Rows {
		if r.Rows[i].Capability == c {
			return &r.Rows[i]
		}
	}
	return nil
}

// ModeSupport is what the endpoint does with an upload in mode id: the
// row that decides it (for SSE-KMS the given key's row when that works,
// else the default key's), or nil when no row does (none, or a check that
// has not run).
func (r EndpointCheckResult) ModeSupport(id modes.ID) *CheckRow {
	var found *CheckRow
	for i := range r.Rows {
		row := &r.Rows[i]
		if row.Mode != id {
			continue
		}
		if found == nil || found.Support != SupportOK && row.Support == SupportOK {
			found = row
		}
	}
	return found
}

// EndpointCheck tries each encryption capability on the backend's endpoint
// and says, for each, whether the endpoint supports it, accepts it without
// applying it, or refuses it, in the endpoint's own words (`s3crypt
// endpoint check`). It works in a scratch bucket it creates and removes,
// or, with Bucket, under a scratch prefix of that bucket, deleting what it
// wrote (then it leaves the bucket's settings alone and does not try the
// bucket-level capabilities).
type EndpointCheck struct {
	Bucket string
	// KMSKey is the key for the "given key" rows and UpdateObjectEncryption;
	// empty: the first enabled symmetric customer managed key the KMS API
	// lists, else a made-up key id (engines whose KMS makes keys on demand).
	KMSKey string
	// PlainHTTPEndpoint is the same S3 service over http://, for the SSE-C
	// over plain HTTP row (not tried without it, unless the endpoint itself
	// is plain HTTP).
	PlainHTTPEndpoint string
}

// madeUpKey is the key id the check asks for when the endpoint's KMS API
// cannot list one and none was given.
const madeUpKey = "s3crypt-endpoint-check"

// Describe implements Action.
func (c *EndpointCheck) Describe() string { return "check what the endpoint supports" }

// checkRun is the state of one run.
type checkRun struct {
	c      *EndpointCheck
	env    *Env
	r      *Reporter
	res    EndpointCheckResult
	prefix string
	ssecK  []byte
	// written are the objects (and versions) the run created.
	written []objectVersion
	kmsOK   bool
	// knowsBlock: the bucket blocked SSE-C when created, so the endpoint
	// knows BlockedEncryptionTypes and a rule must say NONE to allow SSE-C.
	knowsBlock bool
}

type objectVersion struct{ key, version string }

// Run implements Action.
func (c *EndpointCheck) Run(ctx context.Context, env *Env, r *Reporter) (any, error) {
	run := &checkRun{c: c, env: env, r: r, res: EndpointCheckResult{Endpoint: env.Backend.Endpoint, Bucket: c.Bucket}}
	if run.res.Endpoint == "" {
		run.res.Endpoint = "AWS " + env.Backend.Region
	}
	token := randomHex(4)
	run.ssecK = make([]byte, 32)
	_, _ = rand.Read(run.ssecK)
	defer clear(run.ssecK)
	if c.Bucket == "" {
		run.res.Bucket, run.res.Scratch = "s3crypt-check-"+token, true
		if _, err := (&MakeBucket{Bucket: run.res.Bucket}).Run(ctx, env, r); err != nil {
			return nil, fmt.Errorf("create the scratch bucket: %w", err)
		}
		run.prefix = "check/"
	} else {
		run.prefix = "s3crypt-endpoint-check-" + token + "/"
	}
	defer run.cleanup()
	run.checkKMS(ctx)
	if run.res.Scratch {
		run.allowSSEC(ctx)
	}
	run.checkModes(ctx)
	run.checkBucketLevel(ctx)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return run.res, nil
}

// add appends a row and reports it as a step.
func (run *checkRun) add(row CheckRow) {
	run.res.Rows = append(run.res.Rows, row)
	run.r.Step(Step{Actor: S3, To: You, Op: OpResponse, Title: string(row.Capability), Observed: true,
		Detail: string(row.Support) + ": " + row.Detail})
}

// checkKMS fills the KMS API row and picks the key for the given-key rows.
func (run *checkRun) checkKMS(ctx context.Context) {
	kc := run.env.Backend.KMS
	out, err := kc.ListKeys(ctx, &kms.ListKeysInput{Limit: aws.Int32(50)})
	if err != nil {
		detail := "ListKeys: " + checkWords(err)
		var ae *Error
		if errors.As(Diagnose("ListKeys", err, Hint{}), &ae) && ae.Kind == KindNoKMSAPI {
			detail = "ListKeys: " + ae.What
		}
		run.add(CheckRow{Capability: CapKMSAPI, Mode: modes.ClientSide, Support: SupportRefused, AWS: SupportOK, Detail: detail})
	} else {
		run.kmsOK = true
		row := CheckRow{Capability: CapKMSAPI, Mode: modes.ClientSide, Support: SupportOK, AWS: SupportOK,
			Detail: fmt.Sprintf("ListKeys listed %d key(s)", len(out.Keys))}
		if run.c.KMSKey == "" {
			run.res.KMSKey = pickKey(ctx, kc, out.Keys)
		}
		run.add(row)
	}
	switch {
	case run.c.KMSKey != "":
		run.res.KMSKey = run.c.KMSKey
	case run.res.KMSKey == "" && !run.kmsOK:
		run.res.KMSKey = madeUpKey
	}
}

// pickKey returns the first enabled symmetric customer managed key, or "".
func pickKey(ctx context.Context, kc *kms.Client, keys []kmstypes.KeyListEntry) string {
	for _, k := range keys {
		d, err := kc.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: k.KeyId})
		if err != nil || d.KeyMetadata == nil {
			continue
		}
		m := d.KeyMetadata
		if m.KeyManager == kmstypes.KeyManagerTypeCustomer && m.Enabled && m.KeySpec == kmstypes.KeySpecSymmetricDefault &&
			m.KeyUsage == kmstypes.KeyUsageTypeEncryptDecrypt {
			return aws.ToString(m.Arn)
		}
	}
	return ""
}

// allowSSEC lets the scratch bucket take SSE-C writes when it blocks them
// (new buckets on AWS do since April 2026), so the SSE-C rows test SSE-C
// rather than the block.
func (run *checkRun) allowSSEC(ctx context.Context) {
	enc, err := run.env.Backend.S3.GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: &run.res.Bucket})
	if err != nil || enc.ServerSideEncryptionConfiguration == nil {
		return
	}
	for _, rule := range enc.ServerSideEncryptionConfiguration.Rules {
		if rule.BlockedEncryptionTypes == nil {
			continue
		}
		for _, t := range rule.BlockedEncryptionTypes.EncryptionType {
			if t == s3types.EncryptionType(BlockSSEC) {
				run.knowsBlock = true
				_ = run.putRule(ctx, s3types.ServerSideEncryptionAes256, "", false, s3types.EncryptionTypeNone)
				return
			}
		}
	}
}

// putRule sets the scratch bucket's default encryption rule.
func (run *checkRun) putRule(ctx context.Context, alg s3types.ServerSideEncryption, key string, bucketKey bool, blocked s3types.EncryptionType) error {
	def := &s3types.ServerSideEncryptionByDefault{SSEAlgorithm: alg}
	if key != "" {
		def.KMSMasterKeyID = aws.String(key)
	}
	rule := s3types.ServerSideEncryptionRule{ApplyServerSideEncryptionByDefault: def}
	if bucketKey {
		rule.BucketKeyEnabled = aws.Bool(true)
	}
	if blocked != "" {
		rule.BlockedEncryptionTypes = &s3types.BlockedEncryptionTypes{EncryptionType: []s3types.EncryptionType{blocked}}
	}
	_, err := run.env.Backend.S3.PutBucketEncryption(ctx, &s3.PutBucketEncryptionInput{Bucket: &run.res.Bucket,
		ServerSideEncryptionConfiguration: &s3types.ServerSideEncryptionConfiguration{Rules: []s3types.ServerSideEncryptionRule{rule}}})
	return err
}

// sseAsk is what one upload asks for.
type sseAsk struct {
	alg       s3types.ServerSideEncryption
	key       string
	bucketKey bool
	ssec      bool
	// clear: the request may carry the SSE-C key over plain HTTP (the
	// SSE-C over plain HTTP row only).
	clear bool
}

// checkModes tries an upload in each server-side mode the modes table
// offers, and reads each back.
func (run *checkRun) checkModes(ctx context.Context) {
	for _, m := range modes.Offered() {
		switch {
		case m.ID == modes.SSEC:
			run.checkSSEC(ctx, m)
		case m.API == "":
			// Client-side: the KMS API row decides it.
		case m.UsesKMS() && !m.BucketKey && m.API == modes.APIKMS:
			run.tryMode(ctx, CapSSEKMSDefault, m, sseAsk{alg: s3types.ServerSideEncryption(m.API)})
			run.tryKeyed(ctx, CapSSEKMSKey, m, false)
		case m.BucketKey:
			run.tryKeyed(ctx, CapBucketKey, m, true)
		case m.API == modes.APIKMSDSSE:
			run.tryMode(ctx, CapDSSEKMS, m, sseAsk{alg: s3types.ServerSideEncryption(m.API), key: run.res.KMSKey})
		default:
			run.tryMode(ctx, Capability(m.Short), m, sseAsk{alg: s3types.ServerSideEncryption(m.API)})
		}
	}
}

// tryKeyed tries an SSE-KMS upload with the chosen key.
func (run *checkRun) tryKeyed(ctx context.Context, capab Capability, m *modes.Mode, bucketKey bool) {
	if run.res.KMSKey == "" {
		run.add(CheckRow{Capability: capab, Mode: m.ID, Support: SupportNotTried, AWS: SupportOK,
			Detail: "no enabled symmetric customer managed key to try: pass --kms-key"})
		return
	}
	run.tryMode(ctx, capab, m, sseAsk{alg: s3types.ServerSideEncryptionAwsKms, key: run.res.KMSKey, bucketKey: bucketKey})
}

// tryMode uploads a small object asking for ask, reads it back with HEAD
// and fills the row.
func (run *checkRun) tryMode(ctx context.Context, capab Capability, m *modes.Mode, ask sseAsk) {
	row := CheckRow{Capability: capab, Mode: m.ID, AWS: SupportOK}
	key := run.prefix + strings.NewReplacer(" ", "-", ",", "", "+", "").Replace(strings.ToLower(string(capab)))
	if err := run.put(ctx, run.env.Backend.S3, key, ask); err != nil {
		row.Support, row.Detail = SupportRefused, "PutObject: "+checkWords(err)
		run.add(row)
		return
	}
	head, err := run.head(ctx, key, false)
	if err != nil {
		row.Support, row.Detail = SupportIgnored, "PutObject accepted, but HeadObject: "+checkWords(err)
		run.add(row)
		return
	}
	row.Support, row.Detail = judge(ask, head)
	run.add(row)
}

// judge compares what was asked with what HEAD reports.
func judge(ask sseAsk, h *s3.HeadObjectOutput) (Support, string) {
	got := headSummary(h)
	if h.ServerSideEncryption != ask.alg {
		return SupportIgnored, "accepted, but HEAD says " + got
	}
	if ask.key != "" && !sameKey(aws.ToString(h.SSEKMSKeyId), ask.key) {
		return SupportIgnored, "accepted, but HEAD names key " + aws.ToString(h.SSEKMSKeyId) + ", not " + ask.key
	}
	if ask.bucketKey && !aws.ToBool(h.BucketKeyEnabled) {
		return SupportIgnored, "accepted, but HEAD does not say the bucket key is enabled: " + got
	}
	return SupportOK, "HEAD says " + got
}

// headSummary is HEAD's encryption headers in a few words.
func headSummary(h *s3.HeadObjectOutput) string {
	var parts []string
	if h.ServerSideEncryption != "" {
		parts = append(parts, "x-amz-server-side-encryption: "+string(h.ServerSideEncryption))
	}
	if k := aws.ToString(h.SSEKMSKeyId); k != "" {
		parts = append(parts, "key "+k)
	}
	if aws.ToBool(h.BucketKeyEnabled) {
		parts = append(parts, "bucket key enabled")
	}
	if a := aws.ToString(h.SSECustomerAlgorithm); a != "" {
		parts = append(parts, "SSE-C "+a)
	}
	if len(parts) == 0 {
		return "no encryption"
	}
	return strings.Join(parts, ", ")
}

// sameKey reports whether the key id S3 reported names the key asked for
// (an ARN, a key id, or anything the reported id ends with).
func sameKey(got, asked string) bool {
	if got == "" {
		return false
	}
	return got == asked || strings.HasSuffix(got, "/"+asked) || strings.HasSuffix(asked, "/"+got) ||
		strings.HasSuffix(got, ":"+asked)
}

// put uploads a small object through client c, asking for ask.
func (run *checkRun) put(ctx context.Context, c *s3.Client, key string, ask sseAsk) error {
	body := []byte("s3crypt endpoint check " + key + "\n")
	in := &s3.PutObjectInput{Bucket: &run.res.Bucket, Key: &key, Body: bytes.NewReader(body), ContentLength: aws.Int64(int64(len(body)))}
	if ask.alg != "" {
		in.ServerSideEncryption = ask.alg
	}
	if ask.key != "" {
		in.SSEKMSKeyId = aws.String(ask.key)
	}
	if ask.bucketKey {
		in.BucketKeyEnabled = aws.Bool(true)
	}
	if ask.ssec {
		in.SSECustomerAlgorithm, in.SSECustomerKey, in.SSECustomerKeyMD5 = run.ssecHeaders()
	}
	opt := withJob(run.r)
	if ask.clear {
		opt = run.clearOpt()
	}
	out, err := c.PutObject(ctx, in, opt)
	if err != nil {
		return err
	}
	run.written = append(run.written, objectVersion{key: key, version: aws.ToString(out.VersionId)})
	return nil
}

// ssecHeaders are the SSE-C headers of the run's key.
func (run *checkRun) ssecHeaders() (alg, key, md5sum *string) {
	sum := md5.Sum(run.ssecK) //nolint:gosec // the header S3 defines
	return aws.String("AES256"), aws.String(base64.StdEncoding.EncodeToString(run.ssecK)),
		aws.String(base64.StdEncoding.EncodeToString(sum[:]))
}

// head reads an object's headers, with the run's SSE-C key when ssec.
func (run *checkRun) head(ctx context.Context, key string, ssec bool) (*s3.HeadObjectOutput, error) {
	in := &s3.HeadObjectInput{Bucket: &run.res.Bucket, Key: &key}
	opt := withJob(run.r)
	if ssec {
		in.SSECustomerAlgorithm, in.SSECustomerKey, in.SSECustomerKeyMD5 = run.ssecHeaders()
		opt = run.clearOpt() // the throwaway key; over TLS unless the endpoint itself is http://
	}
	return run.env.Backend.S3.HeadObject(ctx, in, opt)
}

// clearOpt tags a request with the job but without the guard that refuses
// to send an SSE-C key over plain HTTP: for the check's throwaway key only
// (made for the run, wiped after it), so its rows can say what the
// endpoint does with one. Every other request keeps the guard.
func (run *checkRun) clearOpt() func(*s3.Options) {
	token := run.r.Token()
	return func(o *s3.Options) {
		o.APIOptions = append(o.APIOptions, smithyhttp.AddHeaderValue(keyflow.JobHeader, token))
	}
}

// checkSSEC tries SSE-C over TLS (an upload, a HEAD with the key, and a
// GET without it that must fail) and over plain HTTP (which AWS refuses).
func (run *checkRun) checkSSEC(ctx context.Context, m *modes.Mode) {
	httpsEndpoint := !strings.HasPrefix(run.env.Backend.Endpoint, "http://")
	if httpsEndpoint {
		run.add(run.ssecRow(ctx, CapSSECTLS, m, run.env.Backend.S3, SupportOK, false))
	} else {
		run.add(CheckRow{Capability: CapSSECTLS, Mode: m.ID, Support: SupportNotTried, AWS: SupportOK,
			Detail: "the endpoint is plain HTTP: point --endpoint-url at its https:// address"})
	}
	var plain *s3.Client
	switch {
	case run.c.PlainHTTPEndpoint != "":
		plain = s3.NewFromConfig(run.env.Backend.Config, func(o *s3.Options) {
			o.BaseEndpoint, o.UsePathStyle = aws.String(run.c.PlainHTTPEndpoint), true
		})
	case !httpsEndpoint:
		plain = run.env.Backend.S3
	}
	if plain == nil {
		run.add(CheckRow{Capability: CapSSECHTTP, Support: SupportNotTried, AWS: SupportRefused,
			Detail: "give the endpoint's http:// address with --plain-http-endpoint to try it"})
		return
	}
	row := run.ssecRow(ctx, CapSSECHTTP, m, plain, SupportRefused, true)
	row.Mode = "" // over plain HTTP SSE-C should be refused: it decides no mode
	if row.Support == SupportOK {
		row.Detail += " (AWS refuses SSE-C over HTTP: the key would travel in clear)"
	}
	run.add(row)
}

// ssecRow uploads with SSE-C through c and judges the answer.
func (run *checkRun) ssecRow(ctx context.Context, capab Capability, m *modes.Mode, c *s3.Client, awsDoes Support, clear bool) CheckRow {
	row := CheckRow{Capability: capab, Mode: m.ID, AWS: awsDoes}
	key := run.prefix + "sse-c-" + strings.ToLower(strings.Fields(string(capab))[2])
	if err := run.put(ctx, c, key, sseAsk{ssec: true, clear: clear}); err != nil {
		row.Support, row.Detail = SupportRefused, "PutObject: "+checkWords(err)
		return row
	}
	h, err := run.head(ctx, key, true)
	if err != nil {
		row.Support, row.Detail = SupportIgnored, "PutObject accepted, but HeadObject with the key: "+checkWords(err)
		return row
	}
	_, _, wantMD5 := run.ssecHeaders()
	if got := h.SSECustomerKeyMD5; got == nil || *got != *wantMD5 {
		row.Support, row.Detail = SupportIgnored, "accepted, but HEAD with the key says "+headSummary(h)
		return row
	}
	// Without the key the object must not be readable.
	if _, err := run.env.Backend.S3.GetObject(ctx, &s3.GetObjectInput{Bucket: &run.res.Bucket, Key: &key}, withJob(run.r)); err == nil {
		row.Support, row.Detail = SupportIgnored, "accepted, but a GET without the key returned the object"
		return row
	} else if !isStatus(err, 400) && !isStatus(err, 403) {
		row.Support, row.Detail = SupportIgnored, "accepted, but a GET without the key answered "+checkWords(err)
		return row
	}
	row.Support, row.Detail = SupportOK, "HEAD with the key says SSE-C AES256 and the key's MD5; a GET without the key is refused"
	return row
}

// checkBucketLevel tries default encryption, SSE-C blocking,
// UpdateObjectEncryption and versioning.
func (run *checkRun) checkBucketLevel(ctx context.Context) {
	if !run.res.Scratch {
		for _, c := range []Capability{CapDefault, CapSSECBlock} {
			run.add(CheckRow{Capability: c, Support: SupportNotTried, AWS: SupportOK,
				Detail: "would change the settings of " + run.res.Bucket + ": run without --bucket to try it in a scratch bucket"})
		}
	} else {
		run.checkDefault(ctx)
		run.checkSSECBlock(ctx)
	}
	run.checkUpdate(ctx)
	if !run.res.Scratch {
		run.add(CheckRow{Capability: CapVersioning, Support: SupportNotTried, AWS: SupportOK,
			Detail: "would turn versioning on in " + run.res.Bucket + " for good: run without --bucket"})
		return
	}
	run.checkVersioning(ctx)
}

// checkDefault sets a default rule (SSE-KMS with the key when SSE-KMS with
// a given key works, else SSE-S3) and uploads without encryption headers.
func (run *checkRun) checkDefault(ctx context.Context) {
	row := CheckRow{Capability: CapDefault, AWS: SupportOK}
	ask := sseAsk{alg: s3types.ServerSideEncryptionAes256}
	if k := run.res.Row(CapSSEKMSKey); k != nil && k.Support == SupportOK {
		ask = sseAsk{alg: s3types.ServerSideEncryptionAwsKms, key: run.res.KMSKey}
	}
	if err := run.putRule(ctx, ask.alg, ask.key, false, run.noneIfBlocking()); err != nil {
		row.Support, row.Detail = SupportRefused, "PutBucketEncryption: "+checkWords(err)
		run.add(row)
		return
	}
	key := run.prefix + "default-encryption"
	if err := run.put(ctx, run.env.Backend.S3, key, sseAsk{}); err != nil {
		row.Support, row.Detail = SupportRefused, "PutBucketEncryption accepted, but PutObject: "+checkWords(err)
		run.add(row)
		return
	}
	h, err := run.head(ctx, key, false)
	if err != nil {
		row.Support, row.Detail = SupportIgnored, "PutBucketEncryption accepted, but HeadObject: "+checkWords(err)
		run.add(row)
		return
	}
	row.Support, row.Detail = judge(ask, h)
	row.Detail = "rule " + string(ask.alg) + keySuffix(ask.key) + "; an upload without headers: " + row.Detail
	run.add(row)
}

// noneIfBlocking is the BlockedEncryptionTypes value that keeps SSE-C
// allowed when the endpoint knows the setting ("" when it never showed it).
func (run *checkRun) noneIfBlocking() s3types.EncryptionType {
	if run.knowsBlock {
		return s3types.EncryptionTypeNone
	}
	return ""
}

func keySuffix(k string) string {
	if k == "" {
		return ""
	}
	return " with key " + k
}

// checkSSECBlock blocks SSE-C on the scratch bucket and tries an SSE-C
// upload, which must be refused; then allows SSE-C again.
func (run *checkRun) checkSSECBlock(ctx context.Context) {
	row := CheckRow{Capability: CapSSECBlock, AWS: SupportOK}
	if err := run.putRule(ctx, s3types.ServerSideEncryptionAes256, "", false, s3types.EncryptionType(BlockSSEC)); err != nil {
		row.Support, row.Detail = SupportRefused, "PutBucketEncryption with BlockedEncryptionTypes SSE-C: "+checkWords(err)
		run.add(row)
		return
	}
	defer func() {
		_ = run.putRule(ctx, s3types.ServerSideEncryptionAes256, "", false, s3types.EncryptionTypeNone)
	}()
	err := run.put(ctx, run.env.Backend.S3, run.prefix+"sse-c-blocked", sseAsk{ssec: true})
	switch {
	case err == nil:
		row.Support, row.Detail = SupportIgnored, "PutBucketEncryption accepted the block, but an SSE-C upload was stored"
	case isStatus(err, 403):
		row.Support, row.Detail = SupportOK, "an SSE-C upload is refused: "+checkWords(err)
	default:
		row.Support, row.Detail = SupportIgnored, "PutBucketEncryption accepted the block; an SSE-C upload failed otherwise: "+checkWords(err)
	}
	run.add(row)
}

// checkUpdate re-encrypts an SSE-S3 object to SSE-KMS in place.
func (run *checkRun) checkUpdate(ctx context.Context) {
	row := CheckRow{Capability: CapUpdate, AWS: SupportOK}
	if run.res.KMSKey == "" {
		row.Support, row.Detail = SupportNotTried, "no KMS key to re-encrypt under: pass --kms-key"
		run.add(row)
		return
	}
	key := run.prefix + "update-object-encryption"
	if err := run.put(ctx, run.env.Backend.S3, key, sseAsk{alg: s3types.ServerSideEncryptionAes256}); err != nil {
		row.Support, row.Detail = SupportNotTried, "the SSE-S3 object to re-encrypt could not be written: "+checkWords(err)
		run.add(row)
		return
	}
	in := &s3.UpdateObjectEncryptionInput{Bucket: &run.res.Bucket, Key: &key,
		ObjectEncryption: &s3types.ObjectEncryptionMemberSSEKMS{Value: s3types.SSEKMSEncryption{KMSKeyArn: aws.String(run.res.KMSKey)}}}
	if _, err := run.env.Backend.S3.UpdateObjectEncryption(ctx, in, withJob(run.r)); err != nil {
		row.Support, row.Detail = SupportRefused, "UpdateObjectEncryption: "+checkWords(err)
		run.add(row)
		return
	}
	h, err := run.head(ctx, key, false)
	if err != nil {
		row.Support, row.Detail = SupportIgnored, "UpdateObjectEncryption accepted, but HeadObject: "+checkWords(err)
		run.add(row)
		return
	}
	row.Support, row.Detail = judge(sseAsk{alg: s3types.ServerSideEncryptionAwsKms, key: run.res.KMSKey}, h)
	run.add(row)
}

// checkVersioning turns versioning on and writes one key twice: both
// versions must have their own id and stay readable.
func (run *checkRun) checkVersioning(ctx context.Context) {
	row := CheckRow{Capability: CapVersioning, AWS: SupportOK}
	s3c := run.env.Backend.S3
	_, err := s3c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: &run.res.Bucket,
		VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled}}, withJob(run.r))
	if err != nil {
		row.Support, row.Detail = SupportRefused, "PutBucketVersioning: "+checkWords(err)
		run.add(row)
		return
	}
	key := run.prefix + "versioned"
	first := len(run.written)
	for range 2 {
		if err := run.put(ctx, s3c, key, sseAsk{}); err != nil {
			row.Support, row.Detail = SupportIgnored, "PutBucketVersioning accepted, but PutObject: "+checkWords(err)
			run.add(row)
			return
		}
	}
	v1, v2 := run.written[first].version, run.written[first+1].version
	switch {
	case v1 == "" || v2 == "" || v1 == "null" || v1 == v2:
		row.Support, row.Detail = SupportIgnored, fmt.Sprintf("PutBucketVersioning accepted, but two writes of one key got version ids %q and %q", v1, v2)
	default:
		if _, err := s3c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &run.res.Bucket, Key: &key, VersionId: &v1}, withJob(run.r)); err != nil {
			row.Support, row.Detail = SupportIgnored, "two versions, but the first cannot be read: "+checkWords(err)
		} else {
			row.Support, row.Detail = SupportOK, "two writes of one key kept two readable versions"
		}
	}
	run.add(row)
}

// cleanup deletes what the run wrote and, in scratch mode, the bucket.
// It runs even when the check was cancelled, under a context of its own.
func (run *checkRun) cleanup() {
	ctx := context.Background()
	s3c := run.env.Backend.S3
	for _, w := range run.written {
		in := &s3.DeleteObjectInput{Bucket: &run.res.Bucket, Key: aws.String(w.key)}
		if w.version != "" && w.version != "null" {
			in.VersionId = aws.String(w.version)
		}
		if _, err := s3c.DeleteObject(ctx, in); err != nil && !isStatus(err, 404) {
			run.res.Leftovers = append(run.res.Leftovers, "s3://"+run.res.Bucket+"/"+w.key+": "+checkWords(err))
		}
	}
	if !run.res.Scratch {
		return
	}
	run.deleteEverything(ctx)
	if _, err := s3c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: &run.res.Bucket}); err != nil {
		run.res.Leftovers = append(run.res.Leftovers, "bucket "+run.res.Bucket+": "+checkWords(err))
	}
}

// deleteEverything removes every version and delete marker left in the
// scratch bucket (delete markers of a versioned bucket, writes the run
// does not know of because the endpoint answered them with an error).
func (run *checkRun) deleteEverything(ctx context.Context) {
	s3c := run.env.Backend.S3
	out, err := s3c.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: &run.res.Bucket})
	if err == nil {
		for _, v := range out.Versions {
			_, _ = s3c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &run.res.Bucket, Key: v.Key, VersionId: v.VersionId})
		}
		for _, d := range out.DeleteMarkers {
			_, _ = s3c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &run.res.Bucket, Key: d.Key, VersionId: d.VersionId})
		}
	}
	list, err := s3c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: &run.res.Bucket})
	if err == nil {
		for _, o := range list.Contents {
			_, _ = s3c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &run.res.Bucket, Key: o.Key})
		}
	}
}

// checkWords is an error as the endpoint put it: the HTTP status, its
// error code and message; else the error's own text, cut short.
func checkWords(err error) string {
	status := 0
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		status = re.HTTPStatusCode()
	}
	var ae smithy.APIError
	if errors.As(err, &ae) && (ae.ErrorCode() != "" || ae.ErrorMessage() != "") {
		words := strings.TrimSpace(ae.ErrorCode() + ": " + ae.ErrorMessage())
		words = strings.TrimSuffix(strings.TrimPrefix(words, ": "), ":")
		if status != 0 {
			return fmt.Sprintf("%d %s", status, words)
		}
		return words
	}
	text := err.Error()
	if i := strings.LastIndex(text, ", "); status != 0 && i >= 0 {
		text = text[i+2:]
	}
	if len(text) > 200 {
		text = text[:200] + "…"
	}
	if status != 0 {
		return fmt.Sprintf("%d (%s)", status, text)
	}
	return text
}

// isStatus reports whether err is an HTTP answer with this status.
func isStatus(err error, status int) bool {
	var re *awshttp.ResponseError
	return errors.As(err, &re) && re.HTTPStatusCode() == status
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = io.ReadFull(rand.Reader, b)
	return hex.EncodeToString(b)
}
