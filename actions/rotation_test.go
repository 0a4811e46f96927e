package actions_test

import (
	"context"
	"encoding/hex"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/s3crypt/s3crypt/actions"
)

// materialOf is the KMS key material id inside the wrapped data key the
// sandbox stores for an SSE-KMS object (its blob: version, key id,
// material id, …).
func materialOf(t *testing.T, env *actions.Env, bucket, key string) string {
	t.Helper()
	at, err := env.Backend.Local.Inspect(context.Background(), bucket, key, "")
	if err != nil || len(at.Layers) != 1 {
		t.Fatalf("at rest %s: %v %+v", key, err, at.Layers)
	}
	blob, err := hex.DecodeString(at.Layers[0].WrappedKeyHex)
	if err != nil || len(blob) < 49 {
		t.Fatalf("wrapped key of %s: %v", key, err)
	}
	return hex.EncodeToString(blob[17:49])
}

// TestRotationKeepsOldObjectsReadable: enable/disable automatic rotation;
// rotate on demand; ListKeyRotations shows one ON_DEMAND rotation whose
// material is current; an object written before the rotation still
// decrypts (its data key is under the first material) and one written
// after uses the new material; rotation re-encrypts nothing.
func TestRotationKeepsOldObjectsReadable(t *testing.T) {
	env := xferEnv(t)
	xferBucket(t, env.Backend, "rot", false)
	id := newKey(t, env, "", "alias/rot")
	res, _ := mustRun(t, env, &actions.EnableKeyRotation{KeyID: "alias/rot", PeriodDays: 180})
	if r := res.(actions.KeyRotationResult); !r.KeyRotationEnabled || r.RotationPeriodInDays != 180 || r.NextRotationDate == nil || r.KeyID != id {
		t.Fatalf("enable: %+v", r)
	}
	res, _ = mustRun(t, env, &actions.DisableKeyRotation{KeyID: id})
	if r := res.(actions.KeyRotationResult); r.KeyRotationEnabled {
		t.Fatalf("disable: %+v", r)
	}
	res, _ = mustRun(t, env, &actions.ListKeyRotations{KeyID: id})
	if n := len(res.(actions.ListKeyRotationsResult).Rotations); n != 0 {
		t.Fatalf("rotations before any: %d", n)
	}
	before := randomBytes(80000)
	sdkPut(t, env, "rot", "before", before, &s3.PutObjectInput{ServerSideEncryption: "aws:kms", SSEKMSKeyId: &id})
	oldMaterial := materialOf(t, env, "rot", "before")

	res, _ = mustRun(t, env, &actions.RotateKey{KeyID: "alias/rot"})
	if r := res.(actions.RotateKeyResult); r.KeyID != id {
		t.Fatalf("rotate: %+v", r)
	}
	after := randomBytes(80000)
	sdkPut(t, env, "rot", "after", after, &s3.PutObjectInput{ServerSideEncryption: "aws:kms", SSEKMSKeyId: &id})

	res, _ = mustRun(t, env, &actions.ListKeyRotations{KeyID: "alias/rot"})
	rots := res.(actions.ListKeyRotationsResult)
	if len(rots.Rotations) != 1 || rots.Rotations[0].RotationType != "ON_DEMAND" || rots.Rotations[0].KeyMaterialState != "CURRENT" || rots.Rotations[0].RotationDate == nil {
		t.Fatalf("rotations: %+v", rots)
	}
	res, _ = mustRun(t, env, &actions.ListKeyRotations{KeyID: id, AllMaterial: true})
	all := res.(actions.ListKeyRotationsResult).Rotations
	if len(all) != 2 || all[0].KeyMaterialID != oldMaterial || all[0].KeyMaterialState != "NON_CURRENT" || all[1].KeyMaterialID != rots.Rotations[0].KeyMaterialID {
		t.Fatalf("all material: %+v (old object under %s)", all, oldMaterial)
	}
	if got := materialOf(t, env, "rot", "before"); got != oldMaterial {
		t.Fatalf("rotation re-encrypted the old object's data key: %s → %s", oldMaterial, got)
	}
	if got := materialOf(t, env, "rot", "after"); got != rots.Rotations[0].KeyMaterialID {
		t.Fatalf("new object's data key under material %s, want the new %s", got, rots.Rotations[0].KeyMaterialID)
	}
	readBack(t, env, "rot", "before", "", nil, before)
	readBack(t, env, "rot", "after", "", nil, after)
	// An RSA key has no rotation.
	rsa := newKey(t, env, "RSA_2048", "")
	if _, err, _ := collect(t, env, &actions.RotateKey{KeyID: rsa}); err == nil {
		t.Fatal("rotating an RSA key succeeded")
	}
}
