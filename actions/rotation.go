package actions

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
)

// RotationNote is what rotation does and does not do, said wherever it is
// shown.
const RotationNote = "rotation gives the key new key material for new data keys; it re-encrypts nothing: objects written before still decrypt with the older material, which KMS keeps"

// newerCLI notes a command of 2024's on-demand rotation, which older aws
// CLIs lack.
const newerCLI = "on-demand rotation came in 2024: Debian's aws CLI 2.9 does not have this command"

// KeyRotationResult is a key's rotation status (GetKeyRotationStatus).
type KeyRotationResult struct {
	KeyID                string     `json:"KeyId"`
	KeyArn               string     `json:"KeyArn"`
	KeyRotationEnabled   bool       `json:"KeyRotationEnabled"`
	RotationPeriodInDays int        `json:"RotationPeriodInDays,omitempty"`
	NextRotationDate     *time.Time `json:"NextRotationDate,omitempty"`
	Note                 string     `json:"Note"`
}

// GetKeyRotation reads whether a key rotates automatically.
type GetKeyRotation struct{ KeyID string }

// EnableKeyRotation turns automatic rotation on (PeriodDays 90–2560; 0 is
// KMS's default, 365).
type EnableKeyRotation struct {
	KeyID      string
	PeriodDays int
}

// DisableKeyRotation turns automatic rotation off.
type DisableKeyRotation struct{ KeyID string }

// Describe implements Action.
func (g *GetKeyRotation) Describe() string { return "read the rotation of KMS key " + g.KeyID }

// Describe implements Action.
func (e *EnableKeyRotation) Describe() string {
	return "enable automatic rotation of KMS key " + e.KeyID
}

// Describe implements Action.
func (d *DisableKeyRotation) Describe() string {
	return "disable automatic rotation of KMS key " + d.KeyID
}

// Run implements Action.
func (g *GetKeyRotation) Run(ctx context.Context, env *Env, r *Reporter) (any, error) {
	r.Command(AWSCommand(env, "kms", "get-key-rotation-status", "--key-id", g.KeyID))
	return rotationStatus(ctx, env, r, g.Describe(), g.KeyID)
}

// Run implements Action.
func (e *EnableKeyRotation) Run(ctx context.Context, env *Env, r *Reporter) (any, error) {
	args := []string{"kms", "enable-key-rotation", "--key-id", e.KeyID}
	in := &kms.EnableKeyRotationInput{KeyId: &e.KeyID}
	if e.PeriodDays > 0 {
		args = append(args, "--rotation-period-in-days", fmt.Sprint(e.PeriodDays))
		in.RotationPeriodInDays = aws.Int32(int32(e.PeriodDays))
	}
	r.Command(AWSCommand(env, args...))
	kmsRequest(r, "EnableKeyRotation", "you ask KMS to give the key new material on a schedule")
	if _, err := env.Backend.KMS.EnableKeyRotation(ctx, in, withKMSJob(r)); err != nil {
		return nil, failed(ctx, e.Describe(), err, e.KeyID, nil)
	}
	return rotationStatus(ctx, env, r, e.Describe(), e.KeyID)
}

// Run implements Action.
func (d *DisableKeyRotation) Run(ctx context.Context, env *Env, r *Reporter) (any, error) {
	r.Command(AWSCommand(env, "kms", "disable-key-rotation", "--key-id", d.KeyID))
	kmsRequest(r, "DisableKeyRotation", "you ask KMS to stop rotating the key")
	if _, err := env.Backend.KMS.DisableKeyRotation(ctx, &kms.DisableKeyRotationInput{KeyId: &d.KeyID}, withKMSJob(r)); err != nil {
		return nil, failed(ctx, d.Describe(), err, d.KeyID, nil)
	}
	return rotationStatus(ctx, env, r, d.Describe(), d.KeyID)
}

func rotationStatus(ctx context.Context, env *Env, r *Reporter, op, keyID string) (KeyRotationResult, error) {
	kmsRequest(r, "GetKeyRotationStatus", "you ask KMS whether the key rotates automatically")
	out, err := env.Backend.KMS.GetKeyRotationStatus(ctx, &kms.GetKeyRotationStatusInput{KeyId: &keyID}, withKMSJob(r))
	if err != nil {
		return KeyRotationResult{}, failed(ctx, op, err, keyID, nil)
	}
	res := KeyRotationResult{KeyArn: aws.ToString(out.KeyId), KeyRotationEnabled: out.KeyRotationEnabled,
		RotationPeriodInDays: int(aws.ToInt32(out.RotationPeriodInDays)), NextRotationDate: out.NextRotationDate, Note: RotationNote}
	res.KeyID = keyIDOf(res.KeyArn)
	state := "off"
	if res.KeyRotationEnabled {
		state = fmt.Sprintf("every %d days", res.RotationPeriodInDays)
	}
	kmsResponse(r, "GetKeyRotationStatus", "automatic rotation "+state, res.KeyArn)
	return res, nil
}

// RotateKey rotates a key's material now (RotateKeyOnDemand).
type RotateKey struct{ KeyID string }

// RotateKeyResult is what RotateKeyOnDemand answered.
type RotateKeyResult struct {
	KeyID  string `json:"KeyId"`
	KeyArn string `json:"KeyArn"`
	Note   string `json:"Note"`
}

// Describe implements Action.
func (k *RotateKey) Describe() string { return "rotate KMS key " + k.KeyID + " now" }

// Run implements Action.
func (k *RotateKey) Run(ctx context.Context, env *Env, r *Reporter) (any, error) {
	c := AWSCommand(env, "kms", "rotate-key-on-demand", "--key-id", k.KeyID)
	c.Note = newerCLI
	r.Command(c)
	kmsRequest(r, "RotateKeyOnDemand", "you ask KMS for new key material now")
	out, err := env.Backend.KMS.RotateKeyOnDemand(ctx, &kms.RotateKeyOnDemandInput{KeyId: &k.KeyID}, withKMSJob(r))
	if err != nil {
		return nil, failed(ctx, k.Describe(), err, k.KeyID, nil)
	}
	res := RotateKeyResult{KeyArn: aws.ToString(out.KeyId), Note: RotationNote}
	res.KeyID = keyIDOf(res.KeyArn)
	kmsResponse(r, "RotateKeyOnDemand", "KMS made new key material current; "+RotationNote, res.KeyArn)
	return res, nil
}

// KeyRotationEntry is one of a key's rotations (ListKeyRotations).
type KeyRotationEntry struct {
	KeyMaterialID    string     `json:"KeyMaterialId"`
	KeyMaterialState string     `json:"KeyMaterialState,omitempty"` // CURRENT or NON_CURRENT
	RotationDate     *time.Time `json:"RotationDate,omitempty"`
	RotationType     string     `json:"RotationType,omitempty"` // ON_DEMAND or AUTOMATIC
}

// ListKeyRotationsResult lists a key's rotations, oldest first.
type ListKeyRotationsResult struct {
	KeyID     string             `json:"KeyId"`
	KeyArn    string             `json:"KeyArn"`
	Rotations []KeyRotationEntry `json:"Rotations"`
	Note      string             `json:"Note"`
}

// ListKeyRotations lists a key's completed rotations (with AllMaterial,
// its first material too).
type ListKeyRotations struct {
	KeyID       string
	AllMaterial bool
}

// Describe implements Action.
func (l *ListKeyRotations) Describe() string { return "list the rotations of KMS key " + l.KeyID }

// Run implements Action.
func (l *ListKeyRotations) Run(ctx context.Context, env *Env, r *Reporter) (any, error) {
	args := []string{"kms", "list-key-rotations", "--key-id", l.KeyID}
	in := &kms.ListKeyRotationsInput{KeyId: &l.KeyID}
	if l.AllMaterial {
		args = append(args, "--include-key-material", "ALL_KEY_MATERIAL")
		in.IncludeKeyMaterial = "ALL_KEY_MATERIAL"
	}
	c := AWSCommand(env, args...)
	c.Note = newerCLI
	r.Command(c)
	kmsRequest(r, "ListKeyRotations", "you ask KMS for the key's rotations")
	res := ListKeyRotationsResult{Rotations: []KeyRotationEntry{}, Note: RotationNote}
	for {
		out, err := env.Backend.KMS.ListKeyRotations(ctx, in, withKMSJob(r))
		if err != nil {
			return nil, failed(ctx, l.Describe(), err, l.KeyID, nil)
		}
		for _, e := range out.Rotations {
			res.KeyArn = aws.ToString(e.KeyId)
			res.Rotations = append(res.Rotations, KeyRotationEntry{KeyMaterialID: aws.ToString(e.KeyMaterialId), KeyMaterialState: string(e.KeyMaterialState),
				RotationDate: e.RotationDate, RotationType: string(e.RotationType)})
		}
		if !out.Truncated || out.NextMarker == nil {
			break
		}
		in.Marker = out.NextMarker
	}
	if res.KeyArn == "" {
		if k, err := describe(ctx, env, r, l.KeyID); err == nil {
			res.KeyArn = k.ARN
		}
	}
	res.KeyID = keyIDOf(res.KeyArn)
	kmsResponse(r, "ListKeyRotations", fmt.Sprintf("%d rotation(s)", len(res.Rotations)), res.KeyArn)
	return res, nil
}
