package actions

import (
	"context"
	"errors"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/s3crypt/s3crypt/keyflow"
)

// AWSOwnedKeyNote is how s3crypt lists the key S3 wraps SSE-S3 data keys
// with: it exists, but KMS never shows it.
const AWSOwnedKeyNote = "AWS owned key (used by S3 for SSE-S3; not visible in KMS)"

// Rotation states of a KeyInfo.
const (
	RotationEnabled     = "enabled"
	RotationDisabled    = "disabled"
	RotationUnsupported = "unsupported" // asymmetric keys never rotate automatically
	RotationUnknown     = "unknown"     // KMS did not say
)

// KeyInfo is a KMS key as s3crypt shows it: DescribeKey's metadata, the
// key's aliases and its rotation status.
type KeyInfo struct {
	KeyID                string   `json:"keyId"`
	ARN                  string   `json:"arn"`
	Aliases              []string `json:"aliases,omitempty"`
	Description          string   `json:"description,omitempty"`
	KeySpec              string   `json:"keySpec"`
	KeyUsage             string   `json:"keyUsage"`
	KeyState             string   `json:"keyState"`
	KeyManager           string   `json:"keyManager"` // AWS or CUSTOMER
	Origin               string   `json:"origin,omitempty"`
	EncryptionAlgorithms []string `json:"encryptionAlgorithms,omitempty"`
	// The key's signing, MAC, key-agreement or encapsulation algorithms:
	// only the list its usage has is set.
	SigningAlgorithms       []string  `json:"signingAlgorithms,omitempty"`
	MacAlgorithms           []string  `json:"macAlgorithms,omitempty"`
	KeyAgreementAlgorithms  []string  `json:"keyAgreementAlgorithms,omitempty"`
	EncapsulationAlgorithms []string  `json:"encapsulationAlgorithms,omitempty"`
	CreationDate            time.Time `json:"creationDate"`
	// DeletionDate is set while the key is PendingDeletion.
	DeletionDate       *time.Time `json:"deletionDate,omitempty"`
	Rotation           string     `json:"rotation"` // a Rotation* constant
	RotationPeriodDays int        `json:"rotationPeriodDays,omitempty"`
}

// Symmetric reports whether the key is a symmetric encryption key, the
// only kind SSE-KMS, bucket keys and data keys can use.
func (k KeyInfo) Symmetric() bool { return k.KeySpec == string(kmstypes.KeySpecSymmetricDefault) }

// Name is the key's first alias, or its id.
func (k KeyInfo) Name() string {
	if len(k.Aliases) > 0 {
		return k.Aliases[0]
	}
	return k.KeyID
}

// keyInfoFrom converts DescribeKey's metadata.
func keyInfoFrom(m *kmstypes.KeyMetadata) KeyInfo {
	if m == nil {
		return KeyInfo{Rotation: RotationUnknown}
	}
	k := KeyInfo{KeyID: aws.ToString(m.KeyId), ARN: aws.ToString(m.Arn), Description: aws.ToString(m.Description),
		KeySpec: string(m.KeySpec), KeyUsage: string(m.KeyUsage), KeyState: string(m.KeyState),
		KeyManager: string(m.KeyManager), Origin: string(m.Origin), CreationDate: aws.ToTime(m.CreationDate),
		DeletionDate: m.DeletionDate, Rotation: RotationUnknown}
	if k.KeySpec == "" {
		k.KeySpec = string(m.CustomerMasterKeySpec) //nolint:staticcheck // SA1019: the fallback for endpoints that send only the deprecated field
	}
	for _, a := range m.EncryptionAlgorithms {
		k.EncryptionAlgorithms = append(k.EncryptionAlgorithms, string(a))
	}
	for _, a := range m.SigningAlgorithms {
		k.SigningAlgorithms = append(k.SigningAlgorithms, string(a))
	}
	for _, a := range m.MacAlgorithms {
		k.MacAlgorithms = append(k.MacAlgorithms, string(a))
	}
	for _, a := range m.KeyAgreementAlgorithms {
		k.KeyAgreementAlgorithms = append(k.KeyAgreementAlgorithms, string(a))
	}
	for _, a := range m.EncapsulationAlgorithms {
		k.EncapsulationAlgorithms = append(k.EncapsulationAlgorithms, string(a))
	}
	if !k.Symmetric() {
		k.Rotation = RotationUnsupported
	}
	return k
}

// withKMSJob tags a KMS request with the job token so its sandbox steps
// can be found in the trace (the KMS twin of withJob).
func withKMSJob(r *Reporter) func(*kms.Options) {
	return func(o *kms.Options) {
		o.APIOptions = append(o.APIOptions, smithyhttp.AddHeaderValue(keyflow.JobHeader, r.Token()))
	}
}

// kmsRequest reports a request you send to KMS.
func kmsRequest(r *Reporter, op, detail string) {
	r.Step(Step{Actor: You, To: KMS, Op: OpRequest, Title: op, Detail: detail, Observed: true})
}

// kmsResponse reports KMS's answer.
func kmsResponse(r *Reporter, title, detail, arn string) {
	r.Step(Step{Actor: KMS, To: You, Op: OpResponse, Title: title, Detail: detail, KeyARN: arn, Observed: true})
}

// describe fetches one key's metadata, aliases and rotation status.
func describe(ctx context.Context, env *Env, r *Reporter, keyID string) (KeyInfo, error) {
	out, err := env.Backend.KMS.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: &keyID}, withKMSJob(r))
	if err != nil {
		return KeyInfo{}, err
	}
	k := keyInfoFrom(out.KeyMetadata)
	aliases, err := kmsAliases(ctx, env, r, k.KeyID)
	if err != nil {
		return KeyInfo{}, err
	}
	k.Aliases = aliases[k.KeyID]
	rotation(ctx, env, r, &k)
	return k, nil
}

// rotation fills in k's rotation status (left unknown if KMS will not say).
func rotation(ctx context.Context, env *Env, r *Reporter, k *KeyInfo) {
	if !k.Symmetric() {
		return
	}
	out, err := env.Backend.KMS.GetKeyRotationStatus(ctx, &kms.GetKeyRotationStatusInput{KeyId: &k.KeyID}, withKMSJob(r))
	if err != nil {
		return
	}
	k.Rotation = RotationDisabled
	if out.KeyRotationEnabled {
		k.Rotation, k.RotationPeriodDays = RotationEnabled, int(aws.ToInt32(out.RotationPeriodInDays))
	}
}

// kmsAliases returns alias names by target key id ("" for aliases that
// point at no key yet, such as alias/aws/s3 before S3 first uses it). A
// non-empty keyID lists only that key's.
func kmsAliases(ctx context.Context, env *Env, r *Reporter, keyID string) (map[string][]string, error) {
	in := &kms.ListAliasesInput{}
	if keyID != "" {
		in.KeyId = &keyID
	}
	out := map[string][]string{}
	p := kms.NewListAliasesPaginator(env.Backend.KMS, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx, withKMSJob(r))
		if err != nil {
			return nil, err
		}
		for _, a := range page.Aliases {
			t := aws.ToString(a.TargetKeyId)
			out[t] = append(out[t], aws.ToString(a.AliasName))
		}
	}
	for _, v := range out {
		sort.Strings(v)
	}
	return out, nil
}

// kmsDiagnose explains the failure of a KMS request made directly (not by
// S3 on your behalf): Diagnose's explanation, reworded where it speaks of
// S3, then refine, if any, for what only the verb knows.
func kmsDiagnose(op string, err error, key string, refine func(*Error)) error {
	err = Diagnose(op, err, Hint{KMSKey: key})
	var e *Error
	if !errors.As(err, &e) {
		return err
	}
	k := keyOrDefault(key, "KEY")
	code := strings.TrimPrefix(e.Code, "KMS.")
	switch {
	case code == "DisabledException":
		e.Why = "the KMS key is disabled: KMS refuses every cryptographic operation with it (and S3 cannot read or write objects under it)"
	case code == "KMSInvalidStateException" && strings.Contains(e.What, "not pending deletion"):
		e.Why = "the key is not scheduled for deletion, so there is nothing to cancel"
		e.Fix = "See its state with: s3crypt kms describe-key --key-id " + k
	case code == "KMSInvalidStateException" && strings.Contains(e.What, "pending deletion"):
		e.Fix = "Cancel the deletion, then enable the key: s3crypt kms cancel-key-deletion --key-id " + k +
			" && s3crypt kms enable-key --key-id " + k
	case code == "AccessDeniedException":
		e.Why = "you may not do this with this key; AWS managed keys such as aws/s3 allow no administration, and cryptographic use only through the AWS service that owns them"
		e.Fix = "Use a customer managed key: s3crypt kms create-key"
	case code == "AlreadyExistsException":
		e.Why = "an alias names exactly one key, and this name is taken"
		e.Fix = "Pick another name, or delete the old alias first: s3crypt kms delete-alias --alias-name NAME"
	case code == "UnsupportedOperationException":
		e.Why = "KMS does not support this for this key"
	}
	if refine != nil {
		refine(e)
	}
	return e
}

// failed returns ctx's error when the job was cancelled, else the
// diagnosed err.
func failed(ctx context.Context, op string, err error, key string, refine func(*Error)) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return kmsDiagnose(op, err, key, refine)
}

// days renders a day count.
func days(n int) string {
	if n == 1 {
		return "1 day"
	}
	return strconv.Itoa(n) + " days"
}
