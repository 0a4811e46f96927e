package kms

import (
	"crypto/rand"
	"fmt"
	"time"
)

// RotationStatus is the result of GetKeyRotationStatus.
type RotationStatus struct {
	KeyARN               string
	KeyRotationEnabled   bool
	RotationPeriodInDays int       // set when enabled
	NextRotationDate     time.Time // set when enabled
}

// errRotationUnsupported: the text floci returns, quoted in floci-io/floci#586
// as if from AWS. UNVERIFIED.
func errRotationUnsupported() *Error {
	return newErr(TypeUnsupportedOperation,
		"You cannot perform this operation on a non-symmetric key or a key with non-ENCRYPT_DECRYPT key usage.")
}

// rotatable applies the state and type rules for the rotation operations.
func (k *KMS) rotatable(r *keyRecord) error {
	if err := k.checkUsable(r); err != nil {
		return err
	}
	if !r.symmetric() {
		return errRotationUnsupported()
	}
	return nil
}

// EnableKeyRotation turns on automatic rotation of a symmetric customer key
// every periodDays (90–2560; 0 means 365). The sandbox records the schedule
// but does not rotate automatically; RotateKeyOnDemand rotates now.
func (k *KMS) EnableKeyRotation(c Call, keyID string, periodDays int) error {
	return k.enableKeyRotation(c, keyID, optInt(periodDays))
}

func (k *KMS) enableKeyRotation(c Call, keyID string, period *int) error {
	days := 365
	var err error
	if period != nil {
		days = *period
		err = checkRange("rotationPeriodInDays", days, 90, 2560)
	}
	var arn string
	if err == nil {
		_, arn, err = k.mutateKey(c, keyID, string(opEnableKeyRotation), func(r *keyRecord) error {
			if err := k.rotatable(r); err != nil {
				return err
			}
			r.RotationEnabled, r.RotationPeriodDays = true, days
			r.NextRotation = k.now().UTC().AddDate(0, 0, days)
			return nil
		})
	}
	k.publish(c, opEnableKeyRotation, arn, nil, 0,
		fmt.Sprintf("KMS enabled automatic rotation of the key every %d days", days), err)
	return err
}

// DisableKeyRotation turns automatic rotation off.
func (k *KMS) DisableKeyRotation(c Call, keyID string) error {
	_, arn, err := k.mutateKey(c, keyID, string(opDisableKeyRotation), func(r *keyRecord) error {
		if err := k.rotatable(r); err != nil {
			return err
		}
		r.RotationEnabled, r.RotationPeriodDays, r.NextRotation = false, 0, time.Time{}
		return nil
	})
	k.publish(c, opDisableKeyRotation, arn, nil, 0, "KMS disabled automatic rotation of the key", err)
	return err
}

// GetKeyRotationStatus reports whether automatic rotation is on. RSA keys
// report false (AWS changed this from UnsupportedOperationException).
func (k *KMS) GetKeyRotationStatus(c Call, keyID string) (RotationStatus, error) {
	if err := k.prepare(c, keyID); err != nil {
		return RotationStatus{}, err
	}
	r, err := k.lookup(keyID)
	if err != nil {
		return RotationStatus{}, err
	}
	s := RotationStatus{KeyARN: k.keyARN(r.ID), KeyRotationEnabled: r.RotationEnabled}
	if r.RotationEnabled {
		s.RotationPeriodInDays, s.NextRotationDate = r.RotationPeriodDays, r.NextRotation
	}
	return s, nil
}

// RotateKeyOnDemand gives a symmetric customer key new key material now.
// Older material is kept, so existing ciphertexts still decrypt. It returns
// the key's ARN.
func (k *KMS) RotateKeyOnDemand(c Call, keyID string) (string, error) {
	raw := make([]byte, 32)
	defer clear(raw)
	if _, err := rand.Read(raw); err != nil {
		return "", errInternal("rotate key", err)
	}
	r, arn, err := k.mutateKey(c, keyID, string(opRotateKeyOnDemand), func(r *keyRecord) error {
		if err := k.rotatable(r); err != nil {
			return err
		}
		if err := k.addMaterial(r, raw); err != nil {
			return errInternal("rotate key", err)
		}
		r.Materials[len(r.Materials)-1].Rotation = RotationOnDemand
		return nil
	})
	detail := "KMS refused to rotate the key"
	if err == nil {
		detail = fmt.Sprintf("KMS rotated the key on demand: new material %s… is current; %d older versions still decrypt old ciphertexts",
			r.Current[:8], len(r.Materials)-1)
	}
	k.publish(c, opRotateKeyOnDemand, arn, nil, 0, detail, err)
	return arn, err
}
