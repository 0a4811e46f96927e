package crypto

import (
	"errors"
	"fmt"
	"maps"
	"slices"
)

// Reserved keys of the S3EC KMS encryption context.
const (
	// ContextKeyCEKAlg binds the wrapped data key to the content algorithm
	// (AES/GCM/NoPadding for V2, 115 for V3), so an object cannot be
	// downgraded to another format without KMS refusing to unwrap its key.
	ContextKeyCEKAlg = "aws:x-amz-cek-alg"
	// ContextKeyCMKID is the legacy V1 "kms" wrapping's material
	// description key; S3EC ignores it when comparing contexts.
	ContextKeyCMKID = "kms_cmk_id"
)

// ErrContextMismatch is matched (errors.Is) when a stored encryption
// context does not agree with the object's format or with the context the
// caller expects.
var ErrContextMismatch = errors.New("encryption context mismatch")

// ErrCEKAlgMismatch (which also matches ErrContextMismatch) is the
// anti-downgrade failure: the stored context lacks aws:x-amz-cek-alg or
// names another content algorithm than the object's envelope. It says
// nothing about the context the caller expects.
var ErrCEKAlgMismatch = fmt.Errorf("%w: %s does not match the content algorithm", ErrContextMismatch, ContextKeyCEKAlg)

// KMSContext returns the encryption context to pass to KMS GenerateDataKey
// (and to store as the envelope's MatDesc) for content format 2 or 3: a
// copy of user plus aws:x-amz-cek-alg. The user context may not contain
// the reserved keys aws:x-amz-cek-alg or kms_cmk_id (S3EC reserves the
// first; the second is ignored when contexts are compared on decryption, so
// it could never be checked).
func KMSContext(user map[string]string, format int) (map[string]string, error) {
	alg, err := cekAlgFor(format)
	if err != nil {
		return nil, err
	}
	for _, k := range []string{ContextKeyCEKAlg, ContextKeyCMKID} {
		if _, ok := user[k]; ok {
			return nil, fmt.Errorf("encryption context key %s is reserved for the S3 Encryption Client and cannot be set", k)
		}
	}
	ctx := make(map[string]string, len(user)+1)
	maps.Copy(ctx, user)
	ctx[ContextKeyCEKAlg] = alg
	return ctx, nil
}

// CheckContext checks a stored kms+context encryption context (the
// envelope's MatDesc) before the caller asks KMS to Decrypt with it.
// The stored context must carry aws:x-amz-cek-alg equal to the object's
// content algorithm (anti-downgrade). If expected is non-nil (the caller
// knows what context the object should have), the stored context without
// the reserved keys must equal it exactly; a nil expected skips that check,
// as S3EC does when no context is supplied.
func CheckContext(stored, expected map[string]string, format int) error {
	alg, err := cekAlgFor(format)
	if err != nil {
		return err
	}
	got, ok := stored[ContextKeyCEKAlg]
	if !ok {
		return fmt.Errorf("%w: the stored context lacks it", ErrCEKAlgMismatch)
	}
	if got != alg {
		return fmt.Errorf("%w: stored %q, content %q; the envelope was altered or corrupted",
			ErrCEKAlgMismatch, got, alg)
	}
	if expected == nil {
		return nil
	}
	for _, k := range []string{ContextKeyCEKAlg, ContextKeyCMKID} {
		if _, ok := expected[k]; ok {
			return fmt.Errorf("expected context may not contain the reserved key %s", k)
		}
	}
	user := maps.Clone(stored)
	delete(user, ContextKeyCEKAlg)
	delete(user, ContextKeyCMKID)
	if !maps.Equal(user, expected) {
		return fmt.Errorf("%w: stored context has keys %v, expected %v (values not shown)",
			ErrContextMismatch, slices.Sorted(maps.Keys(user)), slices.Sorted(maps.Keys(expected)))
	}
	return nil
}

// cekAlgFor is the content algorithm name of a format, as stored in the
// context and metadata.
func cekAlgFor(format int) (string, error) {
	switch format {
	case FormatV2:
		return CEKAlgAESGCM, nil
	case FormatV3:
		return CEKAlgCommitKey, nil
	default:
		return "", fmt.Errorf("unsupported S3EC format %d (want %d or %d)", format, FormatV2, FormatV3)
	}
}
