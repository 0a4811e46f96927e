package actions

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	s3c "github.com/s3crypt/s3crypt/crypto"
	"github.com/s3crypt/s3crypt/keyflow"
)

// The ways an object's encryption is changed (ReencryptResult.Path).
const (
	// PathUpdate is UpdateObjectEncryption: S3 re-wraps the object's data
	// key under the new KMS key; the data is not rewritten.
	PathUpdate = "UpdateObjectEncryption"
	// PathCopy is CopyObject in place: S3 decrypts and re-encrypts every
	// byte into a new object (a new version in a versioned bucket).
	PathCopy = "CopyObject"
	// PathPartCopy is the same copy in parts (UploadPartCopy), which
	// objects over 5 GiB need.
	PathPartCopy = "UploadPartCopy"
	// PathNone: the object is already encrypted as asked.
	PathNone = "Unchanged"
	// PathCannot: the object cannot be changed (Why says why).
	PathCannot = "Cannot"
)

// OpPathChosen is the step that says which way an object's encryption is
// changed, and why (your decision, not a request).
const OpPathChosen = keyflow.Op("PathChosen")

// MaxCopyObject is the largest object CopyObject copies in one request
// (5 GiB); larger ones are copied in parts.
const MaxCopyObject = 5 << 30

// ReencryptTarget is the encryption asked for.
type ReencryptTarget struct {
	SSE    string // SSES3, SSEKMS or DSSEKMS
	KMSKey string // key id, ARN, alias or alias ARN ("" = aws/s3); resolved to the key ARN
	// BucketKey asks for an S3 bucket key (SSE-KMS).
	BucketKey bool
}

// Reencrypt changes how one object is encrypted (`s3crypt reencrypt
// s3://B/K`): with UpdateObjectEncryption where AWS allows it (SSE-S3 or
// SSE-KMS to SSE-KMS: another key, or a bucket key added), which re-wraps
// the data key without rewriting the data; otherwise by copying the object
// onto itself (CopyObject, UploadPartCopy above 5 GiB), keeping its
// metadata, tags, content type and storage class, which rewrites it.
type Reencrypt struct {
	Bucket, Key string
	Target      ReencryptTarget
	// SourceSSEC is the object's own SSE-C key, needed to copy an SSE-C
	// object (S3 decrypts it with the key, then encrypts as asked).
	SourceSSEC *SSECKey
	// SourceKeyFile, when SourceSSEC is nil, is the file to read the
	// object's SSE-C key from (the TUI's form names a file).
	SourceKeyFile string
	// Copy forces the copy path even where UpdateObjectEncryption would do.
	Copy bool
	// PartCopyAbove is the size above which the copy goes in parts
	// (0: MaxCopyObject); PartSize their size (0: the env's part size,
	// at least what keeps the count under 10,000).
	PartCopyAbove, PartSize int64
}

// ReencryptResult is what happened to one object.
type ReencryptResult struct {
	Bucket string `json:"Bucket"`
	Key    string `json:"Key"`
	// Path is how the encryption was changed (Path* constants); Why says
	// why that path.
	Path string `json:"Path"`
	Why  string `json:"Why"`
	// Rewrote: the data was rewritten (a copy), not only its key re-wrapped.
	Rewrote         bool             `json:"Rewrote"`
	Size            int64            `json:"Size"`
	Before          ObjectEncryption `json:"-"`
	After           ObjectEncryption `json:"-"`
	BeforeMode      string           `json:"BeforeMode"`
	AfterMode       string           `json:"AfterMode"`
	BeforeKMSKeyArn string           `json:"BeforeKMSKeyArn,omitempty"`
	AfterKMSKeyArn  string           `json:"AfterKMSKeyArn,omitempty"`
	BeforeBucketKey bool             `json:"BeforeBucketKey"`
	AfterBucketKey  bool             `json:"AfterBucketKey"`
	VersionIDBefore string           `json:"VersionIdBefore,omitempty"`
	VersionIDAfter  string           `json:"VersionIdAfter,omitempty"`
	ETagBefore      string           `json:"ETagBefore,omitempty"`
	ETagAfter       string           `json:"ETagAfter,omitempty"`
	// Verified: a HEAD after the change showed the mode, key, bucket key
	// and size asked for (and the ETag/checksum where comparable).
	Verified bool `json:"Verified"`
	// Mismatch lists what the verification found different.
	Mismatch []string `json:"Mismatch,omitempty"`
	Notes    []string `json:"Notes,omitempty"`
}

func (r *ReencryptResult) setBefore(e ObjectEncryption) {
	r.Before, r.BeforeMode, r.BeforeKMSKeyArn, r.BeforeBucketKey = e, e.Mode(), e.KMSKeyARN, e.BucketKey
}

func (r *ReencryptResult) setAfter(e ObjectEncryption) {
	r.After, r.AfterMode, r.AfterKMSKeyArn, r.AfterBucketKey = e, e.Mode(), e.KMSKeyARN, e.BucketKey
}

// Describe implements Action.
func (a *Reencrypt) Describe() string {
	return fmt.Sprintf("re-encrypt s3://%s/%s with %s", a.Bucket, a.Key, a.Target.label())
}

func (t ReencryptTarget) label() string {
	s := ObjectEncryption{SSE: t.SSE}.Mode()
	if t.SSE == SSEKMS || t.SSE == DSSEKMS {
		s += " " + keyOrDefault(t.KMSKey, "aws/s3")
	}
	if t.BucketKey {
		s += " + bucket key"
	}
	return s
}

// check refuses targets s3crypt does not re-encrypt to.
func (t ReencryptTarget) check() error {
	switch t.SSE {
	case SSES3, SSEKMS, DSSEKMS:
	default:
		return fmt.Errorf("re-encrypt to %q: choose AES256 (SSE-S3), aws:kms (SSE-KMS) or aws:kms:dsse (DSSE-KMS); "+
			"s3crypt does not re-encrypt to SSE-C, which new buckets block since April 2026", t.SSE)
	}
	if t.SSE == SSES3 && (t.KMSKey != "" || t.BucketKey) {
		return errors.New("--kms-key and --bucket-key go with aws:kms, not AES256")
	}
	if t.SSE == DSSEKMS && t.BucketKey {
		return errors.New("DSSE-KMS does not use bucket keys")
	}
	return nil
}

// resolveTarget turns the target's KMS key into its ARN (what
// UpdateObjectEncryption requires, and what HEAD reports to compare).
func resolveTarget(ctx context.Context, env *Env, r *Reporter, t ReencryptTarget) (ReencryptTarget, error) {
	if t.SSE != SSEKMS && t.SSE != DSSEKMS {
		return t, nil
	}
	id := t.KMSKey
	if id == "" {
		id = "alias/aws/s3"
	}
	if strings.HasPrefix(id, "arn:") && strings.Contains(id, ":key/") {
		t.KMSKey = id
		return t, nil
	}
	kmsRequest(r, "DescribeKey", "you ask KMS for the full ARN of "+id+": UpdateObjectEncryption takes only a key ARN, and HEAD reports one")
	out, err := env.Backend.KMS.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: &id}, withKMSJob(r))
	if err != nil {
		return t, kmsDiagnose("resolve KMS key "+id, err, id, nil)
	}
	t.KMSKey = aws.ToString(out.KeyMetadata.Arn)
	kmsResponse(r, "DescribeKey", id+" is "+t.KMSKey, t.KMSKey)
	return t, nil
}

// sourceObject is what a HEAD told of the object to change.
type sourceObject struct {
	head       *s3.HeadObjectOutput
	enc        ObjectEncryption
	clientSide int
	ssecNoKey  bool   // SSE-C, and no key to read it
	lock       string // Object Lock retention or legal hold, "" when none
	versionID  string
}

// headSource HEADs the object (with its SSE-C key when given).
func headSource(ctx context.Context, env *Env, r *Reporter, bucket, key string, ssec *SSECKey) (sourceObject, error) {
	in := &s3.HeadObjectInput{Bucket: &bucket, Key: &key, ChecksumMode: s3types.ChecksumModeEnabled}
	in.SSECustomerAlgorithm, in.SSECustomerKey, in.SSECustomerKeyMD5 = ssec.headers()
	out, err := env.Backend.S3.HeadObject(ctx, in, withJob(r))
	if err != nil {
		if isSSECHeadRefusal(err) && ssec == nil {
			src := sourceObject{ssecNoKey: true, enc: ObjectEncryption{SSECKeyMD5: "?"}}
			if sb := env.Backend.Local; sb != nil {
				if at, ierr := sb.Inspect(ctx, bucket, key, ""); ierr == nil {
					src.enc.SSECKeyMD5 = at.SSECKeyMD5
				}
			}
			return src, nil
		}
		return sourceObject{}, err
	}
	return sourceOf(out), nil
}

func sourceOf(out *s3.HeadObjectOutput) sourceObject {
	src := sourceObject{head: out, enc: encryptionOfHead(out), clientSide: s3c.DetectFormat(out.Metadata).Format, versionID: aws.ToString(out.VersionId)}
	switch {
	case out.ObjectLockLegalHoldStatus == s3types.ObjectLockLegalHoldStatusOn:
		src.lock = "under an Object Lock legal hold"
	case out.ObjectLockMode != "" && out.ObjectLockRetainUntilDate != nil:
		src.lock = fmt.Sprintf("under Object Lock %s retention until %s", out.ObjectLockMode, out.ObjectLockRetainUntilDate.UTC().Format("2006-01-02"))
	}
	return src
}

// choosePath says how (and whether) src can become t, and why.
func choosePath(src sourceObject, t ReencryptTarget, forceCopy bool, size, partAbove int64) (path, why string) {
	e := src.enc
	switch {
	case src.lock != "":
		return PathCannot, "the object is " + src.lock + ": neither UpdateObjectEncryption nor a copy in place may change it until the lock ends"
	case src.clientSide > 0:
		return PathCannot, "client-side encrypted (S3 Encryption Client): its data key is wrapped by your client-side key in the object's metadata, " +
			"which S3 cannot change; re-encrypt it with the S3 Encryption Client"
	case src.ssecNoKey:
		return PathCannot, "SSE-C without its key: S3 needs the object's own key to decrypt it (give it with --source-sse-c-key)"
	case same(e, t):
		return PathNone, "already " + t.label()
	}
	if !forceCopy && t.SSE == SSEKMS && (e.SSE == SSES3 || e.SSE == SSEKMS) {
		what := "SSE-S3 to SSE-KMS"
		switch {
		case e.SSE == SSEKMS && e.KMSKeyARN == t.KMSKey:
			what = "adding a bucket key"
			if !t.BucketKey {
				what = "removing the bucket key"
			}
		case e.SSE == SSEKMS:
			what = "another KMS key"
		}
		return PathUpdate, what + " is a change UpdateObjectEncryption makes: S3 re-wraps the data key under the new key without rewriting the data"
	}
	why = "UpdateObjectEncryption does not change this (it takes SSE-S3 or SSE-KMS objects to SSE-KMS only)"
	switch {
	case forceCopy:
		why = "a copy was asked for (--copy)"
	case e.SSECKeyMD5 != "":
		why = "SSE-C objects are outside UpdateObjectEncryption: S3 decrypts with the object's key and re-encrypts every byte"
	case e.SSE == DSSEKMS:
		why = "DSSE-KMS objects are outside UpdateObjectEncryption"
	case e.SSE == "":
		why = "unencrypted objects are outside UpdateObjectEncryption"
	case t.SSE == SSES3:
		why = "UpdateObjectEncryption cannot go back to SSE-S3"
	case t.SSE == DSSEKMS:
		why = "UpdateObjectEncryption cannot make DSSE-KMS"
	}
	if size > partAboveOr(partAbove) {
		return PathPartCopy, why + "; over 5 GiB, so copied in parts (UploadPartCopy)"
	}
	return PathCopy, why + "; copied in place, which rewrites the object (a new version in a versioned bucket, a new ETag on most modes)"
}

func partAboveOr(n int64) int64 {
	if n <= 0 {
		return MaxCopyObject
	}
	return n
}

// same reports whether e already is t.
func same(e ObjectEncryption, t ReencryptTarget) bool {
	if e.SSE != t.SSE || e.SSECKeyMD5 != "" {
		return false
	}
	if t.SSE == SSES3 {
		return true
	}
	return e.KMSKeyARN == t.KMSKey && e.BucketKey == t.BucketKey
}

// Run implements Action.
func (a *Reencrypt) Run(ctx context.Context, env *Env, r *Reporter) (any, error) {
	if err := a.Target.check(); err != nil {
		return nil, &Error{Op: a.Describe(), Kind: KindInvalidRequest, What: err.Error(), Fix: "See s3crypt reencrypt --help"}
	}
	if a.SourceSSEC == nil && a.SourceKeyFile != "" {
		k, enc, err := ReadSSECKey(a.Describe(), a.SourceKeyFile, r)
		if err != nil {
			return nil, err
		}
		defer k.Wipe()
		a.SourceSSEC = &SSECKey{Key: k, File: a.SourceKeyFile, Encoding: enc}
		defer func() { a.SourceSSEC = nil }()
	}
	if err := refuseSSECOverHTTP(env, a.Describe(), a.SourceSSEC); err != nil {
		return nil, err
	}
	t, err := resolveTarget(ctx, env, r, a.Target)
	if err != nil {
		return nil, err
	}
	r.Step(Step{Actor: You, To: S3, Op: OpRequest, Title: "HeadObject", Observed: true,
		Detail: "you read how the object is encrypted now, to choose how to change it"})
	src, err := headSource(ctx, env, r, a.Bucket, a.Key, a.SourceSSEC)
	if err != nil {
		return nil, Diagnose(a.Describe(), err, Hint{Bucket: a.Bucket, Key: a.Key, UsedSSEC: a.SourceSSEC != nil})
	}
	res, err := reencryptOne(ctx, env, r, a.Bucket, a.Key, src, t, a.SourceSSEC, a.Copy, a.PartCopyAbove, a.PartSize)
	if err != nil {
		return nil, err
	}
	if res.Path == PathCannot {
		return res, &Error{Op: a.Describe(), Kind: KindInvalidRequest, What: "s3://" + a.Bucket + "/" + a.Key + " cannot be re-encrypted", Why: res.Why}
	}
	return res, nil
}

// reencryptOne changes src (just HEADed) to t by the path choosePath
// picks, then HEADs it again to verify.
func reencryptOne(ctx context.Context, env *Env, r *Reporter, bucket, key string, src sourceObject, t ReencryptTarget,
	ssec *SSECKey, forceCopy bool, partAbove, partSize int64) (ReencryptResult, error) {
	res := ReencryptResult{Bucket: bucket, Key: key, VersionIDBefore: src.versionID}
	res.setBefore(src.enc)
	if src.head != nil {
		res.Size, res.ETagBefore = aws.ToInt64(src.head.ContentLength), aws.ToString(src.head.ETag)
	}
	res.Path, res.Why = choosePath(src, t, forceCopy, res.Size, partAbove)
	r.Step(Step{Actor: You, Op: OpPathChosen, Title: "path: " + res.Path, Observed: true, Detail: res.Why})
	op := fmt.Sprintf("re-encrypt s3://%s/%s", bucket, key)
	var err error
	switch res.Path {
	case PathNone, PathCannot:
		res.setAfter(src.enc)
		res.ETagAfter, res.VersionIDAfter, res.Verified = res.ETagBefore, res.VersionIDBefore, res.Path == PathNone
		return res, nil
	case PathUpdate:
		err = updateEncryption(ctx, env, r, bucket, key, src, t)
	case PathCopy:
		err = copyInPlace(ctx, env, r, bucket, key, src, t, ssec)
		res.Rewrote = true
	case PathPartCopy:
		err = partCopyInPlace(ctx, env, r, bucket, key, src, t, ssec, partSize)
		res.Rewrote = true
	}
	if err != nil {
		if ctx.Err() != nil {
			return res, ctx.Err()
		}
		return res, Diagnose(op, err, Hint{Bucket: bucket, Key: key, KMSKey: t.KMSKey, UsedSSEC: ssec != nil, Write: true})
	}
	verify(ctx, env, r, &res, src, t)
	return res, nil
}

func updateEncryption(ctx context.Context, env *Env, r *Reporter, bucket, key string, src sourceObject, t ReencryptTarget) error {
	c := AWSCommand(env, "s3api", "update-object-encryption", "--bucket", bucket, "--key", key,
		"--object-encryption", fmt.Sprintf(`{"SSEKMS":{"KMSKeyArn":"%s","BucketKeyEnabled":%v}}`, t.KMSKey, t.BucketKey))
	c.Note = "UpdateObjectEncryption came in 2026: Debian's aws CLI 2.9 does not have update-object-encryption"
	r.Command(c)
	r.Step(Step{Actor: You, To: S3, Op: OpRequest, Title: "UpdateObjectEncryption", Observed: true, KeyARN: t.KMSKey,
		Detail: "you ask S3 to re-wrap the object's data key under " + t.KMSKey + "; the ciphertext stays as it is"})
	in := &s3.UpdateObjectEncryptionInput{Bucket: &bucket, Key: &key,
		ObjectEncryption: &s3types.ObjectEncryptionMemberSSEKMS{Value: s3types.SSEKMSEncryption{KMSKeyArn: aws.String(t.KMSKey), BucketKeyEnabled: aws.Bool(t.BucketKey)}}}
	if src.versionID != "" && src.versionID != "null" {
		in.VersionId = aws.String(src.versionID)
	}
	if _, err := env.Backend.S3.UpdateObjectEncryption(ctx, in, withJob(r)); err != nil {
		return err
	}
	r.Step(Step{Actor: S3, To: You, Op: OpResponse, Title: "200 OK", Observed: true, KeyARN: t.KMSKey,
		Detail: "S3 re-wrapped the data key without rewriting the data: same version, same ETag"})
	return nil
}

// copySourceOf is x-amz-copy-source for the version src was read as.
func copySourceOf(bucket, key, version string) string {
	s := bucket + "/" + url.PathEscape(key)
	s = strings.ReplaceAll(s, "%2F", "/")
	if version != "" && version != "null" {
		s += "?versionId=" + url.QueryEscape(version)
	}
	return s
}

func copyInPlace(ctx context.Context, env *Env, r *Reporter, bucket, key string, src sourceObject, t ReencryptTarget, ssec *SSECKey) error {
	in := &s3.CopyObjectInput{Bucket: &bucket, Key: &key, CopySource: aws.String(copySourceOf(bucket, key, src.versionID)),
		CopySourceIfMatch: src.head.ETag, MetadataDirective: s3types.MetadataDirectiveCopy, TaggingDirective: s3types.TaggingDirectiveCopy,
		ServerSideEncryption: s3types.ServerSideEncryption(t.SSE)}
	if sc := src.head.StorageClass; sc != "" {
		in.StorageClass = sc
	}
	if t.SSE != SSES3 {
		in.SSEKMSKeyId = aws.String(t.KMSKey)
		if t.SSE == SSEKMS {
			in.BucketKeyEnabled = aws.Bool(t.BucketKey)
		}
	}
	in.CopySourceSSECustomerAlgorithm, in.CopySourceSSECustomerKey, in.CopySourceSSECustomerKeyMD5 = ssec.headers()
	r.Command(copyCommand(env, bucket, key, src, t, ssec))
	r.Step(Step{Actor: You, To: S3, Op: OpRequest, Title: "CopyObject (in place)", Observed: true, KeyARN: t.KMSKey,
		Detail: "you ask S3 to copy the object onto itself with " + t.label() + ", keeping its metadata, tags, content type and storage class; S3 decrypts and re-encrypts every byte"})
	out, err := env.Backend.S3.CopyObject(ctx, in, withJob(r))
	if err != nil {
		return err
	}
	r.Step(Step{Actor: S3, To: You, Op: OpResponse, Title: "200 OK", Observed: true, KeyARN: aws.ToString(out.SSEKMSKeyId),
		Detail: "S3 wrote the object anew" + versionNote(aws.ToString(out.VersionId))})
	return nil
}

func versionNote(v string) string {
	if v == "" || v == "null" {
		return ""
	}
	return " as version " + v + "; the previous version keeps its old encryption"
}

func copyCommand(env *Env, bucket, key string, src sourceObject, t ReencryptTarget, ssec *SSECKey) Command {
	args := []string{"s3api", "copy-object", "--bucket", bucket, "--key", key, "--copy-source", copySourceOf(bucket, key, src.versionID),
		"--copy-source-if-match", aws.ToString(src.head.ETag), "--metadata-directive", "COPY", "--server-side-encryption", t.SSE}
	if t.SSE != SSES3 {
		args = append(args, "--ssekms-key-id", t.KMSKey)
	}
	if t.SSE == SSEKMS {
		args = append(args, map[bool]string{true: "--bucket-key-enabled", false: "--no-bucket-key-enabled"}[t.BucketKey])
	}
	if sc := src.head.StorageClass; sc != "" {
		args = append(args, "--storage-class", string(sc))
	}
	c := AWSCommand(env, args...)
	if ssec != nil {
		c.Args = append(c.Args, "--copy-source-sse-customer-algorithm", "AES256", "--copy-source-sse-customer-key", "fileb://"+ssec.File)
		if ssec.encoding() != s3c.EncodingRaw || ssec.FromKMS {
			c.Note = "fileb:// must name the 32 raw key bytes; " + ssec.File + " holds them in another form"
		}
	}
	return c
}

// verify HEADs the object after the change and compares it with what was
// asked: mode, key, bucket key, size, and the ETag and checksums where
// they are comparable (UpdateObjectEncryption keeps them; a copy of a
// single-part SSE-S3 object keeps its MD5 ETag).
func verify(ctx context.Context, env *Env, r *Reporter, res *ReencryptResult, src sourceObject, t ReencryptTarget) {
	r.Step(Step{Actor: You, To: S3, Op: OpRequest, Title: "HeadObject (verify)", Observed: true, Detail: "you read the object back to check its new encryption"})
	out, err := env.Backend.S3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &res.Bucket, Key: &res.Key, ChecksumMode: s3types.ChecksumModeEnabled}, withJob(r))
	if err != nil {
		res.Mismatch = append(res.Mismatch, "HEAD after the change failed: "+apiErrorText(err))
		return
	}
	after := encryptionOfHead(out)
	res.setAfter(after)
	res.ETagAfter, res.VersionIDAfter = aws.ToString(out.ETag), aws.ToString(out.VersionId)
	if !same(after, t) {
		res.Mismatch = append(res.Mismatch, fmt.Sprintf("encryption is %s, asked for %s", after.Summary(), t.label()))
	}
	if n := aws.ToInt64(out.ContentLength); n != res.Size {
		res.Mismatch = append(res.Mismatch, fmt.Sprintf("size %d, was %d", n, res.Size))
	}
	if res.Path == PathUpdate {
		if res.ETagAfter != res.ETagBefore {
			res.Mismatch = append(res.Mismatch, "ETag changed ("+res.ETagBefore+" → "+res.ETagAfter+"), though UpdateObjectEncryption rewrites nothing")
		}
		if res.VersionIDAfter != res.VersionIDBefore {
			res.Mismatch = append(res.Mismatch, "a new version appeared, though UpdateObjectEncryption rewrites nothing")
		}
	}
	for alg, pair := range map[string][2]*string{"CRC32": {src.head.ChecksumCRC32, out.ChecksumCRC32}, "CRC32C": {src.head.ChecksumCRC32C, out.ChecksumCRC32C},
		"CRC64NVME": {src.head.ChecksumCRC64NVME, out.ChecksumCRC64NVME}, "SHA256": {src.head.ChecksumSHA256, out.ChecksumSHA256}} {
		// Full-object checksums of the same algorithm must agree (a
		// multipart upload's composite checksum is not comparable).
		if pair[0] != nil && pair[1] != nil && src.head.ChecksumType == s3types.ChecksumTypeFullObject && out.ChecksumType == s3types.ChecksumTypeFullObject &&
			*pair[0] != *pair[1] {
			res.Mismatch = append(res.Mismatch, alg+" checksum differs")
		}
	}
	res.Verified = len(res.Mismatch) == 0
	detail := "verified: " + after.Summary()
	if !res.Verified {
		detail = "NOT as asked: " + strings.Join(res.Mismatch, "; ")
	}
	r.Step(Step{Actor: S3, To: You, Op: OpResponse, Title: "200 OK", Observed: true, KeyARN: after.KMSKeyARN, Detail: detail})
}
