package actions

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	s3c "github.com/s3crypt/s3crypt/crypto"
	"github.com/s3crypt/s3crypt/keyflow"
)

// Head tells everything about how one object is encrypted (`s3crypt head`):
// what S3 reports, what KMS says about the key, the client-side envelope
// if any, and, on the sandbox, what lies on disk.
type Head struct {
	Bucket, Key string
	VersionID   string
	SSEC        *SSECKey // needed for SSE-C objects
	// KeyOptional reports an SSE-C object HEADed without its key as what
	// it is (SSECKeyRequired, with the local region's at-rest view)
	// instead of failing.
	KeyOptional bool
}

// KMSKeyInfo is what KMS says about the key protecting an object.
type KMSKeyInfo struct {
	ARN         string   `json:"arn"`
	KeyID       string   `json:"keyId"`
	Aliases     []string `json:"aliases,omitempty"`
	Manager     string   `json:"keyManager,omitempty"` // AWS or CUSTOMER
	State       string   `json:"keyState,omitempty"`
	Spec        string   `json:"keySpec,omitempty"`
	Description string   `json:"description,omitempty"`
	// Error says why KMS could not be asked (e.g. no kms:DescribeKey).
	Error string `json:"error,omitempty"`
}

// ClientSideInfo is the S3 Encryption Client envelope in an object's
// metadata.
type ClientSideInfo struct {
	Format int `json:"format"`
	// Description says what the format is and who reads it.
	Description string            `json:"description"`
	Legacy      string            `json:"legacy,omitempty"` // the legacy part, if any
	WrapAlg     string            `json:"wrapAlgorithm,omitempty"`
	CEKAlg      string            `json:"contentAlgorithm,omitempty"`
	WrappedKey  int               `json:"wrappedKeyBytes,omitempty"`
	Context     map[string]string `json:"materialDescription,omitempty"`
	Error       string            `json:"error,omitempty"` // the envelope is malformed
	// InstructionFile names the object that holds the envelope, when it is
	// not (all) in the object's metadata.
	InstructionFile string `json:"instructionFile,omitempty"`
}

// HeadResult is everything s3crypt can tell about an object's encryption.
type HeadResult struct {
	Bucket       string            `json:"bucket"`
	Key          string            `json:"key"`
	VersionID    string            `json:"versionId,omitempty"`
	Size         int64             `json:"size"`
	ETag         string            `json:"etag"`
	LastModified time.Time         `json:"lastModified"`
	ContentType  string            `json:"contentType,omitempty"`
	Parts        int               `json:"parts,omitempty"`
	Checksums    map[string]string `json:"checksums,omitempty"` // CRC32, SHA256, …
	ChecksumType string            `json:"checksumType,omitempty"`
	Mode         string            `json:"mode"` // SSE-S3, SSE-KMS, DSSE-KMS, SSE-C
	Encryption   ObjectEncryption  `json:"encryption"`
	KMS          *KMSKeyInfo       `json:"kms,omitempty"`
	ClientSide   *ClientSideInfo   `json:"clientSide,omitempty"`
	Metadata     map[string]string `json:"metadata,omitempty"`
	// AtRest is the sandbox's view of the stored object (sandbox only).
	AtRest *keyflow.AtRest `json:"atRest,omitempty"`
	// AtRestError says why the at-rest view could not be read.
	AtRestError string `json:"atRestError,omitempty"`
	// SSECKeyRequired: the object is SSE-C and was HEADed without its key
	// (KeyOptional), so S3 said nothing more.
	SSECKeyRequired bool     `json:"sseCustomerKeyRequired,omitempty"`
	Notes           []string `json:"notes,omitempty"`
}

// Describe implements Action.
func (h *Head) Describe() string { return fmt.Sprintf("inspect s3://%s/%s", h.Bucket, h.Key) }

func (h *Head) hint() Hint { return Hint{Bucket: h.Bucket, Key: h.Key, UsedSSEC: h.SSEC != nil} }

// Run implements Action.
func (h *Head) Run(ctx context.Context, env *Env, r *Reporter) (any, error) {
	if err := refuseSSECOverHTTP(env, h.Describe(), h.SSEC); err != nil {
		return nil, err
	}
	for _, c := range h.commands(env) {
		r.Command(c)
	}
	r.Step(Step{Actor: You, To: S3, Op: OpRequest, Title: "HeadObject", Observed: true,
		Detail: "you ask S3 for the object's headers" + map[bool]string{true: ", sending the SSE-C key again", false: ""}[h.SSEC != nil]})
	in := &s3.HeadObjectInput{Bucket: &h.Bucket, Key: &h.Key, ChecksumMode: s3types.ChecksumModeEnabled}
	if h.VersionID != "" {
		in.VersionId = &h.VersionID
	}
	in.SSECustomerAlgorithm, in.SSECustomerKey, in.SSECustomerKeyMD5 = h.SSEC.headers()
	out, err := env.Backend.S3.HeadObject(ctx, in, withJob(r))
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		err = h.diagnose(ctx, env, r, err)
		if h.KeyOptional && KindOf(err) == KindSSECKeyRequired {
			return h.withoutKey(ctx, env), nil
		}
		return nil, err
	}
	res := headResult(h, out)
	h.instructionHead(ctx, env, r, out.Metadata, &res)
	r.Step(Step{Actor: S3, To: You, Op: OpResponse, Title: "200 OK", Observed: true, KeyARN: res.Encryption.KMSKeyARN,
		Detail: "S3 answered with the encryption headers: " + res.Encryption.Summary()})
	if arn := res.Encryption.KMSKeyARN; arn != "" {
		res.KMS = describeKMSKey(ctx, env, r, arn)
	}
	h.atRest(ctx, env, &res)
	res.Notes = append(res.Notes, headNotes(res)...)
	return res, nil
}

// atRest adds the local region's view of the stored object, if any.
func (h *Head) atRest(ctx context.Context, env *Env, res *HeadResult) {
	sb := env.Backend.Local
	if sb == nil {
		return
	}
	// The learner asked to see this object (s3crypt head, the TUI's
	// inspect): the sandbox notes that it showed its at-rest view.
	at, err := sb.Inspect(keyflow.ShowingAtRest(ctx), h.Bucket, h.Key, res.VersionID)
	if err != nil {
		res.AtRestError = err.Error()
		res.Notes = append(res.Notes, "the sandbox's at-rest view is not available: "+err.Error())
		return
	}
	res.AtRest = &at
	if res.Size == 0 {
		res.Size = at.Size
	}
}

// withoutKey is what can be told of an SSE-C object without its key: S3
// refused the HEAD, the local region (if any) shows what it stores.
func (h *Head) withoutKey(ctx context.Context, env *Env) HeadResult {
	res := HeadResult{Bucket: h.Bucket, Key: h.Key, VersionID: h.VersionID, Mode: "SSE-C", SSECKeyRequired: true}
	h.atRest(ctx, env, &res)
	if res.AtRest != nil {
		res.Encryption.SSECKeyMD5 = res.AtRest.SSECKeyMD5
	}
	res.Notes = append(res.Notes, "SSE-C: S3 answers a HEAD without the key with a bare 400; pass the key to read the object's headers")
	return res
}

// headResult reads a HeadObject answer.
func headResult(h *Head, out *s3.HeadObjectOutput) HeadResult {
	res := HeadResult{Bucket: h.Bucket, Key: h.Key, VersionID: aws.ToString(out.VersionId), Size: aws.ToInt64(out.ContentLength),
		ETag: aws.ToString(out.ETag), LastModified: aws.ToTime(out.LastModified), ContentType: aws.ToString(out.ContentType),
		Parts: int(aws.ToInt32(out.PartsCount)), ChecksumType: string(out.ChecksumType), Encryption: encryptionOfHead(out), Metadata: out.Metadata}
	res.Mode = res.Encryption.Mode()
	for alg, v := range map[string]*string{"CRC32": out.ChecksumCRC32, "CRC32C": out.ChecksumCRC32C, "CRC64NVME": out.ChecksumCRC64NVME,
		"SHA1": out.ChecksumSHA1, "SHA256": out.ChecksumSHA256} {
		if v != nil {
			if res.Checksums == nil {
				res.Checksums = map[string]string{}
			}
			res.Checksums[alg] = *v
		}
	}
	if k := s3c.DetectFormat(out.Metadata); k.Format > 0 {
		cs := &ClientSideInfo{Format: k.Format, Description: k.Description(), Legacy: k.Legacy}
		if env, err := s3c.ParseEnvelope(out.Metadata); err != nil {
			cs.Error = err.Error()
			if s3c.NeedsInstruction(out.Metadata) {
				cs.Error = "the wrapped data key and its description are in the object's instruction file (" + h.Key + s3c.InstructionSuffix + "); s3crypt get reads it"
			}
		} else {
			cs.WrapAlg, cs.CEKAlg, cs.WrappedKey, cs.Context = env.WrapAlg, env.CEKAlg, len(env.WrappedKey), env.MatDesc
		}
		res.ClientSide = cs
	}
	return res
}

// diagnose explains a failed HEAD. HEAD errors have no body, so a 400
// without a key means SSE-C, and a 404 is checked against the bucket.
func (h *Head) diagnose(ctx context.Context, env *Env, r *Reporter, err error) error {
	_, _, status := apiError(err)
	switch {
	case isSSECHeadRefusal(err) && h.SSEC == nil:
		return &Error{Op: h.Describe(), Kind: KindSSECKeyRequired, Status: 400, Err: err,
			What: fmt.Sprintf("s3://%s/%s is encrypted with SSE-C and the request carried no key", h.Bucket, h.Key),
			Why:  "S3 answers a HEAD of an SSE-C object without its key with a bare 400: it keeps no SSE-C key (on AWS, only a salted HMAC of it) and needs the key itself on every read",
			Fix:  "Pass the object's key with --sse-c-key FILE"}
	case status == 404:
		_, berr := env.Backend.S3.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: &h.Bucket}, withJob(r))
		if _, _, bs := apiError(berr); berr != nil && bs == 404 {
			return &Error{Op: h.Describe(), Kind: KindNoSuchBucket, Status: 404, Code: "NoSuchBucket", Err: err, What: "bucket " + h.Bucket + " does not exist",
				Why: "bucket " + h.Bucket + " does not exist in this region", Fix: "Create it: s3crypt mb s3://" + h.Bucket}
		}
	}
	return Diagnose(h.Describe(), err, h.hint())
}

// describeKMSKey asks KMS about the key: DescribeKey and its aliases.
func describeKMSKey(ctx context.Context, env *Env, r *Reporter, arn string) *KMSKeyInfo {
	info := &KMSKeyInfo{ARN: arn, KeyID: keyIDOf(arn)}
	r.Command(AWSCommand(env, "kms", "describe-key", "--key-id", arn))
	r.Command(AWSCommand(env, "kms", "list-aliases", "--key-id", info.KeyID))
	r.Step(Step{Actor: You, To: KMS, Op: OpRequest, Title: "DescribeKey + ListAliases", Observed: true, KeyARN: arn,
		Detail: "you ask KMS who manages the key and what it is called"})
	out, err := env.Backend.KMS.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: &arn}, withKMSJob(r))
	if err != nil {
		info.Error = "DescribeKey: " + lookupError(err)
		return info
	}
	if m := out.KeyMetadata; m != nil {
		info.Manager, info.State, info.Spec, info.Description = string(m.KeyManager), string(m.KeyState), string(m.KeySpec), aws.ToString(m.Description)
	}
	if aliases, err := kmsAliases(ctx, env, r, info.KeyID); err == nil {
		info.Aliases = aliases[info.KeyID]
	} else if info.Error == "" {
		info.Error = "ListAliases: " + lookupError(err)
	}
	who := map[string]string{"AWS": "an AWS managed key", "CUSTOMER": "a customer managed key"}[info.Manager]
	r.Step(Step{Actor: KMS, To: You, Op: OpResponse, Title: "DescribeKey: " + strings.ToLower(info.Manager), Observed: true, KeyARN: arn,
		Detail: strings.TrimSpace(fmt.Sprintf("%s, %s, aliases: %s", who, info.State, strings.Join(info.Aliases, ", ")))})
	return info
}

// headNotes explains what the headers mean.
func headNotes(res HeadResult) []string {
	var n []string
	e := res.Encryption
	switch {
	case res.ClientSide != nil:
		n = append(n, fmt.Sprintf("%s: S3 stores ciphertext it cannot read, and its own %s on top", res.ClientSide.Description, e.Mode()))
	case e.SSECKeyMD5 != "":
		if res.AtRest != nil && res.AtRest.SSECHMAC != "" {
			n = append(n, "SSE-C: S3 checked your key against the salted HMAC it keeps (shown at rest); it never stores the key")
		} else {
			n = append(n, "SSE-C: S3 accepted your key, so it matches the one the object was written with (on AWS, S3 checks it against a salted HMAC it keeps, never the key)")
		}
	case e.SSE == SSES3:
		n = append(n, "SSE-S3: S3 wraps the data key under a key it owns; no KMS request, nothing to manage")
	case e.BucketKey:
		n = append(n, "bucket key: S3 derives data keys from a bucket-level key it got from KMS, so few KMS requests")
	case e.KMSKeyARN != "":
		n = append(n, e.Mode()+": S3 asks KMS to decrypt the object's data key on every read")
	}
	if res.KMS != nil && res.KMS.Manager == "AWS" {
		n = append(n, "the AWS managed key aws/s3 cannot be shared across accounts or have its policy changed")
	}
	if res.KMS != nil && res.KMS.State != "" && res.KMS.State != "Enabled" {
		n = append(n, "the key is "+res.KMS.State+": S3 cannot decrypt this object until it is enabled again")
	}
	return n
}

// commands is the aws CLI equivalent of the HEAD, in order.
func (h *Head) commands(env *Env) []Command {
	args := []string{"s3api", "head-object", "--bucket", h.Bucket, "--key", h.Key, "--checksum-mode", "ENABLED"}
	if h.VersionID != "" {
		args = append(args, "--version-id", h.VersionID)
	}
	cmds, _ := sseCSequence(env, h.SSEC, args)
	return cmds
}
