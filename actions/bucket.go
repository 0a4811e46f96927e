package actions

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// The BlockedEncryptionTypes values (SSE-SPEC 3.5).
const (
	BlockSSEC = "SSE-C" // SSE-C writes are refused
	BlockNone = "NONE"  // nothing is blocked
)

// BucketEncryption is a bucket's default encryption rule.
type BucketEncryption struct {
	SSEAlgorithm string   `json:"sseAlgorithm"`             // AES256, aws:kms or aws:kms:dsse
	KMSKeyID     string   `json:"kmsMasterKeyId,omitempty"` // as written in the rule
	BucketKey    bool     `json:"bucketKeyEnabled"`
	Blocked      []string `json:"blockedEncryptionTypes,omitempty"` // SSE-C or NONE
}

// SSECBlocked reports whether the rule blocks SSE-C writes.
func (e BucketEncryption) SSECBlocked() bool { return slices.Contains(e.Blocked, BlockSSEC) }

// Mode names the default for people: SSE-S3, SSE-KMS, DSSE-KMS.
func (e BucketEncryption) Mode() string { return ObjectEncryption{SSE: e.SSEAlgorithm}.Mode() }

// NoDefaultEncryption is how s3crypt names a bucket without a default
// rule, everywhere: never SSE-S3, which is AWS's rule, not every endpoint's.
const NoDefaultEncryption = "no default encryption"

// Summary says the rule in a few words.
func (e BucketEncryption) Summary() string {
	if e.SSEAlgorithm == "" {
		return NoDefaultEncryption
	}
	s := e.Mode()
	if e.KMSKeyID != "" {
		s += " " + e.KMSKeyID
	} else if e.SSEAlgorithm == SSEKMS || e.SSEAlgorithm == DSSEKMS {
		s += " (AWS managed key aws/s3)"
	}
	if e.BucketKey {
		s += ", bucket key on"
	}
	if e.SSECBlocked() {
		s += ", SSE-C blocked"
	}
	return s
}

// isFreshDefault reports whether e is what a new bucket gets.
func (e BucketEncryption) isFreshDefault() bool {
	return e.SSEAlgorithm == SSES3 && e.KMSKeyID == "" && !e.BucketKey && e.SSECBlocked()
}

func bucketEncryptionOf(cfg *s3types.ServerSideEncryptionConfiguration) BucketEncryption {
	if cfg == nil || len(cfg.Rules) == 0 {
		return BucketEncryption{}
	}
	rule := cfg.Rules[0]
	var e BucketEncryption
	if d := rule.ApplyServerSideEncryptionByDefault; d != nil {
		e.SSEAlgorithm, e.KMSKeyID = string(d.SSEAlgorithm), aws.ToString(d.KMSMasterKeyID)
	}
	e.BucketKey = aws.ToBool(rule.BucketKeyEnabled)
	if b := rule.BlockedEncryptionTypes; b != nil {
		for _, t := range b.EncryptionType {
			e.Blocked = append(e.Blocked, string(t))
		}
	}
	return e
}

// configuration renders e for PutBucketEncryption; Blocked is sent only
// when withBlocked (an absent element leaves the bucket's setting alone).
func (e BucketEncryption) configuration(withBlocked bool) *s3types.ServerSideEncryptionConfiguration {
	rule := s3types.ServerSideEncryptionRule{ApplyServerSideEncryptionByDefault: &s3types.ServerSideEncryptionByDefault{
		SSEAlgorithm: s3types.ServerSideEncryption(e.SSEAlgorithm)}}
	if e.KMSKeyID != "" {
		rule.ApplyServerSideEncryptionByDefault.KMSMasterKeyID = aws.String(e.KMSKeyID)
	}
	if e.BucketKey {
		rule.BucketKeyEnabled = aws.Bool(true)
	}
	if withBlocked && len(e.Blocked) > 0 {
		rule.BlockedEncryptionTypes = &s3types.BlockedEncryptionTypes{}
		for _, t := range e.Blocked {
			rule.BlockedEncryptionTypes.EncryptionType = append(rule.BlockedEncryptionTypes.EncryptionType, s3types.EncryptionType(t))
		}
	}
	return &s3types.ServerSideEncryptionConfiguration{Rules: []s3types.ServerSideEncryptionRule{rule}}
}

// cliJSON renders e as the aws CLI's --server-side-encryption-configuration.
func (e BucketEncryption) cliJSON(withBlocked bool) string {
	type def struct {
		SSEAlgorithm   string
		KMSMasterKeyID string `json:",omitempty"`
	}
	type blocked struct{ EncryptionType []string }
	type rule struct {
		ApplyServerSideEncryptionByDefault def
		BucketKeyEnabled                   bool     `json:",omitempty"`
		BlockedEncryptionTypes             *blocked `json:",omitempty"`
	}
	r := rule{ApplyServerSideEncryptionByDefault: def{e.SSEAlgorithm, e.KMSKeyID}, BucketKeyEnabled: e.BucketKey}
	if withBlocked && len(e.Blocked) > 0 {
		r.BlockedEncryptionTypes = &blocked{e.Blocked}
	}
	data, _ := json.Marshal(struct{ Rules []rule }{[]rule{r}})
	return string(data)
}

// diagnoseBucket is Diagnose with the bucket-level errors explained too.
func diagnoseBucket(op string, err error, h Hint) error {
	d := Diagnose(op, err, h)
	var e *Error
	if !errors.As(d, &e) || e.Fix != "" {
		return d
	}
	switch e.Code {
	case "BucketNotEmpty":
		e.What = "bucket " + h.Bucket + " is not empty"
		e.Why = "S3 deletes only empty buckets (every object version and delete marker counts)"
		e.Fix = "Empty it first: s3crypt ls s3://" + h.Bucket + " --recursive shows what is left"
	case "InvalidBucketName":
		e.What = "\"" + h.Bucket + "\" is not a valid bucket name"
		e.Why = "bucket names are 3 to 63 characters of lowercase letters, digits, dots and hyphens, start and end with a letter or digit, have no \"..\", are not an IP address, and do not start with xn-- or end with -s3alias"
		e.Fix = "Choose a name that follows these rules, e.g. my-bucket-2026"
	case "BucketAlreadyOwnedByYou":
		e.What = "you already own bucket " + h.Bucket
		e.Fix = "Use it as it is: s3crypt ls s3://" + h.Bucket
	case "BucketAlreadyExists":
		e.Why = "bucket names are global across all AWS accounts and someone else has this one"
		e.Fix = "Choose another name"
	case "MalformedXML":
		e.Why = "S3 wants exactly one rule with an SSEAlgorithm of AES256, aws:kms or aws:kms:dsse"
		e.Fix = "See s3crypt bucket-encryption put --help"
	case "AccessDenied":
		e.Why = "your identity lacks the S3 permission this needs (e.g. s3:PutEncryptionConfiguration)"
		e.Fix = "Grant it in your IAM policy or the bucket policy"
	}
	return e
}

// MakeBucket creates a bucket (`s3crypt mb`).
type MakeBucket struct{ Bucket string }

// MakeBucketResult is the bucket made and the default encryption S3 gave it.
type MakeBucketResult struct {
	Bucket     string            `json:"bucket"`
	Region     string            `json:"region"`
	Location   string            `json:"location,omitempty"`
	Encryption *BucketEncryption `json:"encryption,omitempty"` // nil: no default rule, or unreadable
	// EncryptionError says why the default encryption could not be read
	// ("" with a nil Encryption: the bucket has no default rule).
	EncryptionError string `json:"encryptionError,omitempty"`
}

// DefaultEncryption says the new bucket's default in a few words.
func (m MakeBucketResult) DefaultEncryption() string {
	switch {
	case m.Encryption != nil:
		return m.Encryption.Summary()
	case m.EncryptionError != "":
		return "not known (" + m.EncryptionError + ")"
	}
	return NoDefaultEncryption + ": uploads that name no encryption are stored as sent, unencrypted"
}

// Describe implements Action.
func (m *MakeBucket) Describe() string { return "create bucket s3://" + m.Bucket }

// Run implements Action.
func (m *MakeBucket) Run(ctx context.Context, env *Env, r *Reporter) (any, error) {
	r.Command(AWSCommand(env, "s3", "mb", "s3://"+m.Bucket))
	r.Step(Step{Actor: You, To: S3, Op: OpRequest, Title: "CreateBucket", Observed: true,
		Detail: "you ask S3 for a new bucket " + m.Bucket + " in " + env.Backend.Region})
	in := &s3.CreateBucketInput{Bucket: &m.Bucket}
	if reg := env.Backend.Region; reg != "" && reg != "us-east-1" {
		in.CreateBucketConfiguration = &s3types.CreateBucketConfiguration{LocationConstraint: s3types.BucketLocationConstraint(reg)}
	}
	out, err := env.Backend.S3.CreateBucket(ctx, in, withJob(r))
	if err != nil {
		return nil, diagnoseBucket(m.Describe(), err, Hint{Bucket: m.Bucket, Write: true})
	}
	res := MakeBucketResult{Bucket: m.Bucket, Region: env.Backend.Region, Location: aws.ToString(out.Location)}
	enc, err := getBucketEncryption(ctx, env, r, m.Bucket)
	if err != nil {
		res.EncryptionError = "GetBucketEncryption: " + apiErrorText(err)
	}
	res.Encryption = enc
	detail := "S3 created the bucket; its default encryption: " + res.DefaultEncryption()
	r.Step(Step{Actor: S3, To: You, Op: OpResponse, Title: "200 OK", Observed: true, Detail: detail})
	return res, nil
}

// RemoveBucket deletes an empty bucket (`s3crypt rb`).
type RemoveBucket struct{ Bucket string }

// RemoveBucketResult names the bucket removed.
type RemoveBucketResult struct {
	Bucket string `json:"bucket"`
}

// Describe implements Action.
func (m *RemoveBucket) Describe() string { return "remove bucket s3://" + m.Bucket }

// Run implements Action.
func (m *RemoveBucket) Run(ctx context.Context, env *Env, r *Reporter) (any, error) {
	r.Command(AWSCommand(env, "s3", "rb", "s3://"+m.Bucket))
	r.Step(Step{Actor: You, To: S3, Op: OpRequest, Title: "DeleteBucket", Observed: true, Detail: "you ask S3 to delete the empty bucket " + m.Bucket})
	if _, err := env.Backend.S3.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: &m.Bucket}, withJob(r)); err != nil {
		return nil, diagnoseBucket(m.Describe(), err, Hint{Bucket: m.Bucket, Write: true})
	}
	r.Step(Step{Actor: S3, To: You, Op: OpResponse, Title: "204 No Content", Observed: true, Detail: "S3 deleted the bucket"})
	return RemoveBucketResult{Bucket: m.Bucket}, nil
}

// getBucketEncryption reads a bucket's rule; nil (no error) when the
// endpoint has no configuration (pre-2023 behaviour, MinIO, Ceph).
func getBucketEncryption(ctx context.Context, env *Env, r *Reporter, bucket string) (*BucketEncryption, error) {
	out, err := env.Backend.S3.GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: &bucket}, withJob(r))
	if err != nil {
		if code, _, _ := apiError(err); code == "ServerSideEncryptionConfigurationNotFoundError" {
			return nil, nil
		}
		return nil, err
	}
	e := bucketEncryptionOf(out.ServerSideEncryptionConfiguration)
	return &e, nil
}

// GetBucketEncryption reads a bucket's default encryption.
type GetBucketEncryption struct{ Bucket string }

// BucketEncryptionResult is a bucket's default encryption after an action
// read or changed it, with notes on what it means.
type BucketEncryptionResult struct {
	Bucket     string            `json:"bucket"`
	Encryption *BucketEncryption `json:"encryption"` // nil: no default encryption
	// Ignored lists what the request asked for that the read-back rule
	// does not show: "asked for X, the endpoint ignored it: …".
	Ignored []string `json:"ignored,omitempty"`
	Notes   []string `json:"notes,omitempty"`
}

// Describe implements Action.
func (g *GetBucketEncryption) Describe() string {
	return "show the default encryption of s3://" + g.Bucket
}

// Run implements Action.
func (g *GetBucketEncryption) Run(ctx context.Context, env *Env, r *Reporter) (any, error) {
	r.Command(AWSCommand(env, "s3api", "get-bucket-encryption", "--bucket", g.Bucket))
	r.Step(Step{Actor: You, To: S3, Op: OpRequest, Title: "GetBucketEncryption", Observed: true, Detail: "you ask S3 for the bucket's default encryption rule"})
	enc, err := getBucketEncryption(ctx, env, r, g.Bucket)
	if err != nil {
		return nil, diagnoseBucket(g.Describe(), err, Hint{Bucket: g.Bucket})
	}
	res := BucketEncryptionResult{Bucket: g.Bucket, Encryption: enc, Notes: encryptionNotes(enc)}
	if enc != nil && !enc.isFreshDefault() {
		res.Notes = append(res.Notes, "on AWS, a new bucket gets SSE-S3 with SSE-C blocked (since April 2026)")
	}
	detail := NoDefaultEncryption + " (the endpoint answered ServerSideEncryptionConfigurationNotFoundError)"
	if enc != nil {
		detail = enc.Summary()
	}
	title := "200 OK"
	if enc == nil {
		title = "404 no rule"
	}
	r.Step(Step{Actor: S3, To: You, Op: OpResponse, Title: title, Observed: true, Detail: "the rule: " + detail})
	return res, nil
}

// encryptionNotes explains a rule.
func encryptionNotes(e *BucketEncryption) []string {
	if e == nil {
		return []string{"the bucket has no default encryption rule: an upload that names no encryption is stored as sent, unencrypted, unless the endpoint says otherwise in its answer",
			"on AWS every bucket has one (SSE-S3 at least, since January 2023); this endpoint keeps none"}
	}
	var n []string
	if e.isFreshDefault() {
		n = append(n, "on AWS, this is what a new bucket gets: SSE-S3, and since April 2026 SSE-C blocked")
	} else if !e.SSECBlocked() {
		n = append(n, "SSE-C writes are allowed (on AWS, new buckets block them since April 2026; block them with --block-sse-c)")
	}
	if e.BucketKey && e.SSEAlgorithm == SSES3 {
		n = append(n, "a bucket key applies to SSE-KMS only: AWS accepts it on an AES256 rule and ignores it")
	}
	if e.BucketKey && e.SSEAlgorithm == DSSEKMS {
		n = append(n, "S3 Bucket Keys are not supported for DSSE-KMS: every object still costs a KMS request")
	}
	if (e.SSEAlgorithm == SSEKMS || e.SSEAlgorithm == DSSEKMS) && strings.HasPrefix(e.KMSKeyID, "alias/") {
		n = append(n, "an alias is resolved in the writer's account: use a key ARN for buckets written by other accounts")
	}
	n = append(n, "the rule applies to writes that name no encryption; existing objects keep theirs")
	return n
}

// DeleteBucketEncryption deletes a bucket's default encryption rule (on
// AWS the default is then SSE-S3; other endpoints may keep none).
type DeleteBucketEncryption struct{ Bucket string }

// Describe implements Action.
func (d *DeleteBucketEncryption) Describe() string {
	return "delete the default encryption rule of s3://" + d.Bucket
}

// Run implements Action.
func (d *DeleteBucketEncryption) Run(ctx context.Context, env *Env, r *Reporter) (any, error) {
	r.Command(AWSCommand(env, "s3api", "delete-bucket-encryption", "--bucket", d.Bucket))
	r.Step(Step{Actor: You, To: S3, Op: OpRequest, Title: "DeleteBucketEncryption", Observed: true, Detail: "you ask S3 to drop the bucket's rule"})
	if _, err := env.Backend.S3.DeleteBucketEncryption(ctx, &s3.DeleteBucketEncryptionInput{Bucket: &d.Bucket}, withJob(r)); err != nil {
		return nil, diagnoseBucket(d.Describe(), err, Hint{Bucket: d.Bucket, Write: true})
	}
	enc, err := getBucketEncryption(ctx, env, r, d.Bucket)
	if err != nil {
		return nil, diagnoseBucket(d.Describe(), err, Hint{Bucket: d.Bucket})
	}
	var note, detail string
	ignored := false
	switch {
	case enc == nil:
		detail = "S3 deleted the rule; read back: " + NoDefaultEncryption
		note = "the read-back shows no default encryption: on this endpoint an upload that names none is stored unencrypted (on AWS, deleting the rule resets it to SSE-S3 instead)"
	case enc.SSEAlgorithm == SSES3 && enc.KMSKeyID == "" && !enc.BucketKey:
		detail = "S3 deleted the rule; read back: it reset the default to " + enc.Summary()
		note = "the read-back confirms it: deleting the rule reset the default to SSE-S3, as AWS does (a bucket cannot be left unencrypted there since January 2023)"
	default:
		detail = "S3 answered 204, but the read-back still shows " + enc.Summary()
		note = "asked to delete the rule, the endpoint ignored it: the read-back rule is still " + enc.Summary()
		ignored = true
	}
	r.Step(Step{Actor: S3, To: You, Op: OpResponse, Title: "204 No Content", Observed: true, Detail: detail})
	res := BucketEncryptionResult{Bucket: d.Bucket, Encryption: enc, Notes: append([]string{note}, encryptionNotes(enc)...)}
	if ignored {
		res.Ignored, res.Notes = []string{note}, res.Notes[1:]
	}
	return res, nil
}

// PutBucketEncryption sets a bucket's default encryption. The rule comes
// from File (or JSON), else from SSE, else from the bucket's current rule;
// the other fields then override it.
type PutBucketEncryption struct {
	Bucket    string
	SSE       string // SSES3, SSEKMS, DSSEKMS; "" keeps the file's or the current one
	KMSKey    string
	BucketKey *bool
	BlockSSEC *bool  // true blocks SSE-C writes, false allows them, nil leaves the setting
	File      string // a JSON configuration: {"Rules":[…]} or a bare rule
	JSON      []byte // the configuration itself (File, if set, names it)
}

// Describe implements Action.
func (p *PutBucketEncryption) Describe() string {
	return "set the default encryption of s3://" + p.Bucket
}

// Run implements Action.
func (p *PutBucketEncryption) Run(ctx context.Context, env *Env, r *Reporter) (any, error) {
	rule, withBlocked, notes, err := p.rule(ctx, env, r)
	if err != nil {
		return nil, err
	}
	for _, c := range putBucketEncryptionCommands(env, p.Bucket, rule, withBlocked) {
		r.Command(c)
	}
	r.Step(Step{Actor: You, To: S3, Op: OpRequest, Title: "PutBucketEncryption", Observed: true, KeyARN: rule.KMSKeyID,
		Detail: "you send the rule: " + rule.Summary()})
	in := &s3.PutBucketEncryptionInput{Bucket: &p.Bucket, ServerSideEncryptionConfiguration: rule.configuration(withBlocked)}
	if _, err := env.Backend.S3.PutBucketEncryption(ctx, in, withJob(r)); err != nil {
		return nil, diagnoseBucket(p.Describe(), err, Hint{Bucket: p.Bucket, KMSKey: rule.KMSKeyID, Write: true})
	}
	enc, err := getBucketEncryption(ctx, env, r, p.Bucket)
	if err != nil {
		return nil, diagnoseBucket(p.Describe(), err, Hint{Bucket: p.Bucket})
	}
	ignored := ignoredRule(rule, withBlocked, enc)
	detail := "S3 stored the rule (it does not check the KMS key now: a wrong key fails the next write)"
	if len(ignored) > 0 {
		detail = "S3 answered 200, but the read-back differs: " + strings.Join(ignored, "; ")
	}
	r.Step(Step{Actor: S3, To: You, Op: OpResponse, Title: "200 OK", Observed: true, Detail: detail})
	return BucketEncryptionResult{Bucket: p.Bucket, Encryption: enc, Ignored: ignored, Notes: append(notes, encryptionNotes(enc)...)}, nil
}

// ignoredRule compares the rule sent (and whether BlockedEncryptionTypes
// was sent) with the rule GetBucketEncryption read back, and says what the
// endpoint ignored.
func ignoredRule(sent BucketEncryption, withBlocked bool, got *BucketEncryption) []string {
	if got == nil {
		return []string{"asked for " + sent.Summary() + ", the endpoint ignored it: GetBucketEncryption still answers that no rule is configured"}
	}
	var out []string
	if got.SSEAlgorithm != sent.SSEAlgorithm {
		out = append(out, fmt.Sprintf("asked for %s (%s), the endpoint ignored it: the read-back rule says %s", sent.Mode(), sent.SSEAlgorithm, got.Summary()))
	}
	if sent.KMSKeyID != "" && got.KMSKeyID == "" {
		out = append(out, "asked for KMS key "+sent.KMSKeyID+", the endpoint ignored it: the read-back rule names no key")
	}
	if sent.BucketKey && !got.BucketKey {
		out = append(out, "asked for a bucket key, the endpoint ignored it: the read-back rule has no BucketKeyEnabled: true")
	}
	if withBlocked && sent.SSECBlocked() && !got.SSECBlocked() {
		why := "the read-back rule has no BlockedEncryptionTypes, so SSE-C writes may still be accepted"
		if len(got.Blocked) > 0 {
			why = "the read-back rule blocks " + strings.Join(got.Blocked, ", ") + ", not SSE-C"
		}
		out = append(out, "asked to block SSE-C writes, the endpoint ignored it: "+why)
	}
	if withBlocked && !sent.SSECBlocked() && got.SSECBlocked() {
		out = append(out, "asked to allow SSE-C writes, the endpoint ignored it: the read-back rule still blocks SSE-C")
	}
	return out
}

// Ignored returns what an action's result says the endpoint ignored of
// what was asked ("asked for X, the endpoint ignored it: …"), for any
// result; nil when it did everything asked, or the result cannot tell.
func Ignored(res any) []string {
	switch r := res.(type) {
	case BucketEncryptionResult:
		return r.Ignored
	case PutResult:
		return r.Ignored
	}
	return nil
}

// rule builds the rule to send and whether to send BlockedEncryptionTypes.
func (p *PutBucketEncryption) rule(ctx context.Context, env *Env, r *Reporter) (BucketEncryption, bool, []string, error) {
	var (
		rule        BucketEncryption
		withBlocked bool
		notes       []string
	)
	switch {
	case p.File != "" || p.JSON != nil:
		data, name := p.JSON, p.File
		if data == nil {
			b, err := os.ReadFile(p.File)
			if err != nil {
				return rule, false, nil, &Error{Op: p.Describe(), What: "cannot read " + p.File, Why: errorCause(err), Err: err}
			}
			data, name = b, filepath.Base(p.File)
		}
		cfg, err := ParseEncryptionConfig(data)
		if err != nil {
			return rule, false, nil, configError(p.Describe(), name, err)
		}
		rule, withBlocked, notes = cfg.Rule, cfg.HasBlocked, cfg.Notes
	case p.SSE != "":
		rule = BucketEncryption{SSEAlgorithm: p.SSE}
	default:
		cur, err := getBucketEncryption(ctx, env, r, p.Bucket)
		if err != nil {
			return rule, false, nil, diagnoseBucket(p.Describe(), err, Hint{Bucket: p.Bucket})
		}
		if cur != nil {
			rule = *cur
			notes = append(notes, "kept the bucket's current rule and changed only what the options say")
		} else {
			rule = BucketEncryption{SSEAlgorithm: SSES3}
			notes = append(notes, "the bucket had "+NoDefaultEncryption+": started from SSE-S3 and changed what the options say")
		}
	}
	if p.SSE != "" {
		rule.SSEAlgorithm = p.SSE
	}
	if p.KMSKey != "" {
		rule.KMSKeyID = p.KMSKey
	}
	if p.BucketKey != nil {
		rule.BucketKey = *p.BucketKey
	}
	if p.BlockSSEC != nil {
		rule.Blocked, withBlocked = []string{BlockNone}, true
		if *p.BlockSSEC {
			rule.Blocked = []string{BlockSSEC}
		}
	}
	if err := checkRule(rule); err != nil {
		return rule, false, nil, &Error{Op: p.Describe(), What: err.Error(), Fix: "See s3crypt bucket-encryption put --help"}
	}
	return rule, withBlocked, notes, nil
}

// BlockedTypesCLI is the first aws CLI v2 release that knows
// BlockedEncryptionTypes (2025-11-19): older ones answer Unknown parameter
// in ServerSideEncryptionConfiguration.Rules[0]: "BlockedEncryptionTypes".
const BlockedTypesCLI = "2.32.0"

// putBucketEncryptionCommands is the aws CLI equivalent of setting rule:
// with BlockedEncryptionTypes it needs a recent aws CLI, so what older
// ones can run follows: the same rule alone.
func putBucketEncryptionCommands(env *Env, bucket string, rule BucketEncryption, withBlocked bool) []Command {
	put := func(blocked bool) Command {
		return AWSCommand(env, "s3api", "put-bucket-encryption", "--bucket", bucket,
			"--server-side-encryption-configuration", rule.cliJSON(blocked))
	}
	c := put(withBlocked)
	if !withBlocked || len(rule.Blocked) == 0 {
		return []Command{c}
	}
	c.NeedsCLI = BlockedTypesCLI
	alt := put(false)
	alt.Note = "with an older aws CLI: the same rule without BlockedEncryptionTypes, which leaves the bucket's SSE-C setting as it was " +
		"(on the sandbox; this CLI cannot change it: to " + map[bool]string{true: "block", false: "allow"}[rule.SSECBlocked()] +
		" SSE-C, use aws CLI " + BlockedTypesCLI + " or later, or s3crypt)"
	return []Command{c, alt}
}

// checkRule refuses what S3 would refuse, with S3's reasons.
func checkRule(e BucketEncryption) error {
	switch e.SSEAlgorithm {
	case SSES3, SSEKMS, DSSEKMS:
	default:
		return fmt.Errorf("unknown SSE algorithm %q: use AES256, aws:kms or aws:kms:dsse (SSE-C cannot be a bucket default)", e.SSEAlgorithm)
	}
	if e.KMSKeyID != "" && e.SSEAlgorithm == SSES3 {
		return errors.New("a KMS key applies only to aws:kms or aws:kms:dsse, not AES256 (S3 answers: a KMSMasterKeyID is not applicable if the default sse algorithm is not aws:kms or aws:kms:dsse)")
	}
	return nil
}

// errorCause is the innermost message of a file error.
func errorCause(err error) string {
	if u := errors.Unwrap(err); u != nil {
		return u.Error()
	}
	return err.Error()
}
