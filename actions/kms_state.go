package actions

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
)

// Deletion windows KMS accepts, in days.
const (
	MinDeletionDays     = 7
	MaxDeletionDays     = 30
	DefaultDeletionDays = 30
)

// KeyStateResult is a key after a change of state.
type KeyStateResult struct {
	KeyID    string `json:"keyId"`
	ARN      string `json:"arn"`
	KeyState string `json:"keyState"`
	// DeletionDate and PendingWindowInDays are set by ScheduleKeyDeletion.
	DeletionDate        *time.Time `json:"deletionDate,omitempty"`
	PendingWindowInDays int        `json:"pendingWindowInDays,omitempty"`
	// Warning says what the change means for data under the key.
	Warning string `json:"warning,omitempty"`
	// Next says what to do next, if anything.
	Next string `json:"next,omitempty"`
}

// EnableKey enables a KMS key.
type EnableKey struct{ KeyID string }

// DisableKey disables a KMS key (reversibly).
type DisableKey struct{ KeyID string }

// Describe implements Action.
func (e *EnableKey) Describe() string { return "enable KMS key " + e.KeyID }

// Describe implements Action.
func (d *DisableKey) Describe() string { return "disable KMS key " + d.KeyID }

// Run implements Action.
func (e *EnableKey) Run(ctx context.Context, env *Env, r *Reporter) (any, error) {
	return setEnabled(ctx, env, r, e.KeyID, true, e.Describe())
}

// Run implements Action.
func (d *DisableKey) Run(ctx context.Context, env *Env, r *Reporter) (any, error) {
	return setEnabled(ctx, env, r, d.KeyID, false, d.Describe())
}

func setEnabled(ctx context.Context, env *Env, r *Reporter, keyID string, enable bool, op string) (any, error) {
	verb, api := "disable-key", "DisableKey"
	if enable {
		verb, api = "enable-key", "EnableKey"
	}
	c := AWSCommand(env, "kms", verb, "--key-id", keyID)
	c.Note = "the aws CLI prints nothing on success; s3crypt then runs aws kms describe-key to show the new state"
	r.Command(c)
	kmsRequest(r, api, "you ask KMS to "+verb[:len(verb)-4]+" "+keyID)
	var err error
	if enable {
		_, err = env.Backend.KMS.EnableKey(ctx, &kms.EnableKeyInput{KeyId: &keyID}, withKMSJob(r))
	} else {
		_, err = env.Backend.KMS.DisableKey(ctx, &kms.DisableKeyInput{KeyId: &keyID}, withKMSJob(r))
	}
	if err != nil {
		return nil, failed(ctx, op, err, keyID, nil)
	}
	res, err := keyState(ctx, env, r, keyID)
	if err != nil {
		return nil, failed(ctx, op, err, keyID, nil)
	}
	if !enable {
		res.Warning = "while it is disabled KMS refuses to encrypt or decrypt with it: S3 cannot read or write SSE-KMS objects under it and its ciphertexts cannot be decrypted; nothing is lost"
		res.Next = "Enable it again with: s3crypt kms enable-key --key-id " + keyID
	}
	kmsResponse(r, res.KeyState, "the key is now "+res.KeyState, res.ARN)
	return res, nil
}

// keyState reads a key's id, ARN and state.
func keyState(ctx context.Context, env *Env, r *Reporter, keyID string) (KeyStateResult, error) {
	out, err := env.Backend.KMS.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: &keyID}, withKMSJob(r))
	if err != nil {
		return KeyStateResult{}, err
	}
	k := keyInfoFrom(out.KeyMetadata)
	return KeyStateResult{KeyID: k.KeyID, ARN: k.ARN, KeyState: k.KeyState, DeletionDate: k.DeletionDate}, nil
}

// ScheduleKeyDeletion schedules a key's deletion after a waiting period.
type ScheduleKeyDeletion struct {
	KeyID string
	Days  int // 7–30; 0 means 30
}

// Describe implements Action.
func (s *ScheduleKeyDeletion) Describe() string { return "schedule the deletion of KMS key " + s.KeyID }

func (s *ScheduleKeyDeletion) days() int {
	if s.Days == 0 {
		return DefaultDeletionDays
	}
	return s.Days
}

// Run implements Action.
func (s *ScheduleKeyDeletion) Run(ctx context.Context, env *Env, r *Reporter) (any, error) {
	n := s.days()
	if n < MinDeletionDays || n > MaxDeletionDays {
		return nil, &Error{Op: s.Describe(), What: fmt.Sprintf("a deletion window of %s is out of range", days(n)),
			Why: "KMS waits 7 to 30 days before deleting a key, so a mistake can be undone", Fix: "Use --days 7 to 30 (default 30)"}
	}
	r.Command(AWSCommand(env, "kms", "schedule-key-deletion", "--key-id", s.KeyID, "--pending-window-in-days", strconv.Itoa(n)))
	kmsRequest(r, "ScheduleKeyDeletion", fmt.Sprintf("you ask KMS to delete %s in %s", s.KeyID, days(n)))
	out, err := env.Backend.KMS.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: &s.KeyID,
		PendingWindowInDays: aws.Int32(int32(n))}, withKMSJob(r))
	if err != nil {
		return nil, failed(ctx, s.Describe(), err, s.KeyID, nil)
	}
	res := KeyStateResult{ARN: aws.ToString(out.KeyId), KeyState: string(out.KeyState), DeletionDate: out.DeletionDate,
		PendingWindowInDays: int(aws.ToInt32(out.PendingWindowInDays))}
	res.KeyID = keyIDOf(res.ARN)
	when := "at the end of the window"
	if res.DeletionDate != nil {
		when = "on " + res.DeletionDate.UTC().Format("2006-01-02 15:04 UTC")
	}
	res.Warning = "the key will be deleted " + when + ": after that every object and ciphertext encrypted under it " +
		"(SSE-KMS, DSSE-KMS, bucket keys, data keys) is permanently unreadable. Until then the key cannot be used"
	res.Next = "Changed your mind? s3crypt kms cancel-key-deletion --key-id " + s.KeyID
	kmsResponse(r, res.KeyState, "KMS will delete the key "+when, res.ARN)
	return res, nil
}

// CancelKeyDeletion cancels a scheduled deletion; the key is left Disabled.
type CancelKeyDeletion struct{ KeyID string }

// Describe implements Action.
func (c *CancelKeyDeletion) Describe() string { return "cancel the deletion of KMS key " + c.KeyID }

// Run implements Action.
func (c *CancelKeyDeletion) Run(ctx context.Context, env *Env, r *Reporter) (any, error) {
	r.Command(AWSCommand(env, "kms", "cancel-key-deletion", "--key-id", c.KeyID))
	kmsRequest(r, "CancelKeyDeletion", "you ask KMS not to delete "+c.KeyID)
	if _, err := env.Backend.KMS.CancelKeyDeletion(ctx, &kms.CancelKeyDeletionInput{KeyId: &c.KeyID}, withKMSJob(r)); err != nil {
		return nil, failed(ctx, c.Describe(), err, c.KeyID, nil)
	}
	res, err := keyState(ctx, env, r, c.KeyID)
	if err != nil {
		return nil, failed(ctx, c.Describe(), err, c.KeyID, nil)
	}
	res.Next = "The key is now " + res.KeyState + ", not Enabled: enable it to use it: s3crypt kms enable-key --key-id " + c.KeyID
	kmsResponse(r, res.KeyState, "deletion cancelled; KMS leaves the key "+res.KeyState, res.ARN)
	return res, nil
}

// keyIDOf returns the key id at the end of a key ARN.
func keyIDOf(arn string) string {
	for i := len(arn) - 1; i >= 0; i-- {
		if arn[i] == '/' {
			return arn[i+1:]
		}
	}
	return arn
}

// AliasResult is an alias and the key it names.
type AliasResult struct {
	AliasName string `json:"aliasName"`
	KeyID     string `json:"targetKeyId,omitempty"`
	KeyARN    string `json:"targetKeyArn,omitempty"`
}

// CreateAlias names a key.
type CreateAlias struct {
	AliasName   string // alias/NAME
	TargetKeyID string
}

// Describe implements Action.
func (c *CreateAlias) Describe() string {
	return "name KMS key " + c.TargetKeyID + " " + c.AliasName
}

// CheckAliasName reports an alias name KMS would refuse for a new alias:
// one not starting alias/, or one in the reserved alias/aws/ space.
func CheckAliasName(name string) error { return checkAliasName(name) }

// Run implements Action.
func (c *CreateAlias) Run(ctx context.Context, env *Env, r *Reporter) (any, error) {
	if err := checkAliasName(c.AliasName); err != nil {
		return nil, &Error{Op: c.Describe(), What: err.Error(), Fix: "Name it alias/NAME, e.g. alias/demo"}
	}
	r.Command(AWSCommand(env, "kms", "create-alias", "--alias-name", c.AliasName, "--target-key-id", c.TargetKeyID))
	kmsRequest(r, "CreateAlias", "you ask KMS to name "+c.TargetKeyID+" "+c.AliasName)
	_, err := env.Backend.KMS.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: &c.AliasName, TargetKeyId: &c.TargetKeyID}, withKMSJob(r))
	if err != nil {
		return nil, failed(ctx, c.Describe(), err, c.TargetKeyID, func(e *Error) {
			if strings.Contains(e.What, "Aliases must refer to keys") {
				e.Why = "an alias must name a key by its id or ARN, not through another alias"
				e.Fix = "Find the key id with: s3crypt kms describe-key --key-id " + c.TargetKeyID
			}
		})
	}
	res := AliasResult{AliasName: c.AliasName}
	if st, err := keyState(ctx, env, r, c.AliasName); err == nil {
		res.KeyID, res.KeyARN = st.KeyID, st.ARN
	}
	kmsResponse(r, "alias created", c.AliasName+" now names "+keyOrDefault(res.KeyARN, c.TargetKeyID), res.KeyARN)
	return res, nil
}

// DeleteAlias removes an alias; the key it named is unchanged.
type DeleteAlias struct{ AliasName string }

// Describe implements Action.
func (d *DeleteAlias) Describe() string { return "delete KMS alias " + d.AliasName }

// Run implements Action.
func (d *DeleteAlias) Run(ctx context.Context, env *Env, r *Reporter) (any, error) {
	r.Command(AWSCommand(env, "kms", "delete-alias", "--alias-name", d.AliasName))
	res := AliasResult{AliasName: d.AliasName}
	if st, err := keyState(ctx, env, r, d.AliasName); err == nil {
		res.KeyID, res.KeyARN = st.KeyID, st.ARN
	}
	kmsRequest(r, "DeleteAlias", "you ask KMS to delete the alias "+d.AliasName+" (not the key)")
	if _, err := env.Backend.KMS.DeleteAlias(ctx, &kms.DeleteAliasInput{AliasName: &d.AliasName}, withKMSJob(r)); err != nil {
		return nil, failed(ctx, d.Describe(), err, "", nil)
	}
	kmsResponse(r, "alias deleted", d.AliasName+" is gone; the key it named is unchanged", res.KeyARN)
	return res, nil
}
