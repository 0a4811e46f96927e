package kms

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awskms "github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
)

func TestDisableEnable(t *testing.T) {
	e := newEnv(t)
	m := e.symmetricKey(t)
	arn := aws.ToString(m.Arn)
	enc, err := e.client.Encrypt(ctx, &awskms.EncryptInput{KeyId: m.KeyId, Plaintext: []byte("p")})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 { // DisableKey is idempotent
		if _, err := e.client.DisableKey(ctx, &awskms.DisableKeyInput{KeyId: m.KeyId}); err != nil {
			t.Fatal(err)
		}
	}
	d, _ := e.client.DescribeKey(ctx, &awskms.DescribeKeyInput{KeyId: m.KeyId})
	if d.KeyMetadata.KeyState != types.KeyStateDisabled || d.KeyMetadata.Enabled {
		t.Fatalf("after DisableKey: %s enabled=%v", d.KeyMetadata.KeyState, d.KeyMetadata.Enabled)
	}
	_, err = e.client.Encrypt(ctx, &awskms.EncryptInput{KeyId: m.KeyId, Plaintext: []byte("p")})
	wantErr(t, err, "DisabledException", arn+" is disabled.")
	_, err = e.client.Decrypt(ctx, &awskms.DecryptInput{CiphertextBlob: enc.CiphertextBlob})
	wantErr(t, err, "DisabledException", arn+" is disabled.")
	_, err = e.client.GenerateDataKey(ctx, &awskms.GenerateDataKeyInput{KeyId: m.KeyId, KeySpec: "AES_256"})
	wantErr(t, err, "DisabledException", arn+" is disabled.")
	_, err = e.k.ResolveForS3(asS3, arn)
	wantGoErr(t, err, TypeDisabled, arn+" is disabled.")
	_, err = e.client.EnableKeyRotation(ctx, &awskms.EnableKeyRotationInput{KeyId: m.KeyId})
	wantErr(t, err, "DisabledException", arn+" is disabled.")
	if _, err := e.client.EnableKey(ctx, &awskms.EnableKeyInput{KeyId: m.KeyId}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.Decrypt(ctx, &awskms.DecryptInput{CiphertextBlob: enc.CiphertextBlob}); err != nil {
		t.Fatalf("Decrypt after EnableKey: %v", err)
	}
}

func TestScheduleAndCancelDeletion(t *testing.T) {
	e := newEnv(t)
	m := e.symmetricKey(t)
	arn := aws.ToString(m.Arn)
	for days, msg := range map[int32]string{
		0:   "1 validation error detected: Value '0' at 'pendingWindowInDays' failed to satisfy constraint: Member must have value greater than or equal to 1",
		6:   "PendingWindowInDays should be between 7 and 30, but it is 6",
		31:  "PendingWindowInDays should be between 7 and 30, but it is 31",
		366: "1 validation error detected: Value '366' at 'pendingWindowInDays' failed to satisfy constraint: Member must have value less than or equal to 365",
	} {
		_, err := e.client.ScheduleKeyDeletion(ctx, &awskms.ScheduleKeyDeletionInput{KeyId: m.KeyId, PendingWindowInDays: aws.Int32(days)})
		wantErr(t, err, "ValidationException", msg)
	}
	_, err := e.client.CancelKeyDeletion(ctx, &awskms.CancelKeyDeletionInput{KeyId: m.KeyId})
	wantErr(t, err, "KMSInvalidStateException", arn+" is not pending deletion.")
	out, err := e.client.ScheduleKeyDeletion(ctx, &awskms.ScheduleKeyDeletionInput{KeyId: m.KeyId})
	if err != nil {
		t.Fatal(err)
	}
	wantDate := e.clock.Now().AddDate(0, 0, 30)
	if aws.ToString(out.KeyId) != arn || out.KeyState != types.KeyStatePendingDeletion ||
		aws.ToInt32(out.PendingWindowInDays) != 30 || !aws.ToTime(out.DeletionDate).Equal(wantDate) {
		t.Fatalf("ScheduleKeyDeletion = %+v", out)
	}
	d, _ := e.client.DescribeKey(ctx, &awskms.DescribeKeyInput{KeyId: m.KeyId})
	if d.KeyMetadata.KeyState != types.KeyStatePendingDeletion || d.KeyMetadata.Enabled ||
		!aws.ToTime(d.KeyMetadata.DeletionDate).Equal(wantDate) {
		t.Fatalf("DescribeKey while pending: %+v", d.KeyMetadata)
	}
	pending := arn + " is pending deletion."
	_, err = e.client.Encrypt(ctx, &awskms.EncryptInput{KeyId: m.KeyId, Plaintext: []byte("p")})
	wantErr(t, err, "KMSInvalidStateException", pending)
	_, err = e.client.EnableKey(ctx, &awskms.EnableKeyInput{KeyId: m.KeyId})
	wantErr(t, err, "KMSInvalidStateException", pending)
	_, err = e.client.ScheduleKeyDeletion(ctx, &awskms.ScheduleKeyDeletionInput{KeyId: m.KeyId})
	wantErr(t, err, "KMSInvalidStateException", pending)
	_, err = e.k.ResolveForS3(asS3, aws.ToString(m.KeyId))
	wantGoErr(t, err, TypeInvalidState, pending)
	c, err := e.client.CancelKeyDeletion(ctx, &awskms.CancelKeyDeletionInput{KeyId: m.KeyId})
	if err != nil || aws.ToString(c.KeyId) != arn {
		t.Fatalf("CancelKeyDeletion = %v, %v", c, err)
	}
	d, _ = e.client.DescribeKey(ctx, &awskms.DescribeKeyInput{KeyId: m.KeyId})
	if d.KeyMetadata.KeyState != types.KeyStateDisabled || d.KeyMetadata.DeletionDate != nil {
		t.Fatalf("after cancel: %s %v", d.KeyMetadata.KeyState, d.KeyMetadata.DeletionDate)
	}
}

func TestDeletionWindowExpires(t *testing.T) {
	e := newEnv(t)
	m := e.symmetricKey(t)
	keep := e.symmetricKey(t)
	arn := aws.ToString(m.Arn)
	if _, err := e.client.CreateAlias(ctx, &awskms.CreateAliasInput{AliasName: aws.String("alias/doomed"), TargetKeyId: m.KeyId}); err != nil {
		t.Fatal(err)
	}
	enc, err := e.client.Encrypt(ctx, &awskms.EncryptInput{KeyId: m.KeyId, Plaintext: []byte("p")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.ScheduleKeyDeletion(ctx, &awskms.ScheduleKeyDeletionInput{KeyId: m.KeyId, PendingWindowInDays: aws.Int32(7)}); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(7*24*time.Hour - time.Second)
	if _, err := e.client.DescribeKey(ctx, &awskms.DescribeKeyInput{KeyId: m.KeyId}); err != nil {
		t.Fatalf("key gone before its deletion date: %v", err)
	}
	e.clock.Advance(time.Second)
	_, err = e.client.DescribeKey(ctx, &awskms.DescribeKeyInput{KeyId: m.KeyId})
	wantErr(t, err, "NotFoundException", "Key '"+arn+"' does not exist")
	_, err = e.client.Decrypt(ctx, &awskms.DecryptInput{CiphertextBlob: enc.CiphertextBlob})
	wantErr(t, err, "NotFoundException", "Key '"+arn+"' does not exist")
	_, err = e.client.DescribeKey(ctx, &awskms.DescribeKeyInput{KeyId: aws.String("alias/doomed")})
	wantErr(t, err, "NotFoundException", "Alias arn:aws:kms:us-east-1:111122223333:alias/doomed is not found.")
	keys, _ := e.client.ListKeys(ctx, &awskms.ListKeysInput{})
	if len(keys.Keys) != 1 || aws.ToString(keys.Keys[0].KeyId) != aws.ToString(keep.KeyId) {
		t.Fatalf("ListKeys after deletion = %+v", keys.Keys)
	}
}

func TestRotation(t *testing.T) {
	e := newEnv(t)
	m := e.symmetricKey(t)
	st, err := e.client.GetKeyRotationStatus(ctx, &awskms.GetKeyRotationStatusInput{KeyId: m.KeyId})
	if err != nil || st.KeyRotationEnabled || st.RotationPeriodInDays != nil {
		t.Fatalf("initial rotation status = %+v, %v", st, err)
	}
	for p, msg := range map[int32]string{
		89:   "1 validation error detected: Value '89' at 'rotationPeriodInDays' failed to satisfy constraint: Member must have value greater than or equal to 90",
		2561: "1 validation error detected: Value '2561' at 'rotationPeriodInDays' failed to satisfy constraint: Member must have value less than or equal to 2560",
	} {
		_, err := e.client.EnableKeyRotation(ctx, &awskms.EnableKeyRotationInput{KeyId: m.KeyId, RotationPeriodInDays: aws.Int32(p)})
		wantErr(t, err, "ValidationException", msg)
	}
	if _, err := e.client.EnableKeyRotation(ctx, &awskms.EnableKeyRotationInput{KeyId: m.KeyId}); err != nil {
		t.Fatal(err)
	}
	st, _ = e.client.GetKeyRotationStatus(ctx, &awskms.GetKeyRotationStatusInput{KeyId: m.KeyId})
	if !st.KeyRotationEnabled || aws.ToInt32(st.RotationPeriodInDays) != 365 ||
		!aws.ToTime(st.NextRotationDate).Equal(e.clock.Now().AddDate(0, 0, 365)) || aws.ToString(st.KeyId) != aws.ToString(m.Arn) {
		t.Fatalf("rotation status = %+v", st)
	}
	if _, err := e.client.EnableKeyRotation(ctx, &awskms.EnableKeyRotationInput{KeyId: m.KeyId, RotationPeriodInDays: aws.Int32(90)}); err != nil {
		t.Fatal(err)
	}
	st, _ = e.client.GetKeyRotationStatus(ctx, &awskms.GetKeyRotationStatusInput{KeyId: m.KeyId})
	if aws.ToInt32(st.RotationPeriodInDays) != 90 {
		t.Fatalf("period = %d, want 90", aws.ToInt32(st.RotationPeriodInDays))
	}
	if _, err := e.client.DisableKeyRotation(ctx, &awskms.DisableKeyRotationInput{KeyId: m.KeyId}); err != nil {
		t.Fatal(err)
	}
	st, _ = e.client.GetKeyRotationStatus(ctx, &awskms.GetKeyRotationStatusInput{KeyId: m.KeyId})
	if st.KeyRotationEnabled {
		t.Fatal("rotation still enabled after DisableKeyRotation")
	}
	rsaKey := e.createKey(t, "RSA_2048", "ENCRYPT_DECRYPT")
	const unsupported = "You cannot perform this operation on a non-symmetric key or a key with non-ENCRYPT_DECRYPT key usage."
	_, err = e.client.EnableKeyRotation(ctx, &awskms.EnableKeyRotationInput{KeyId: rsaKey.KeyId})
	wantErr(t, err, "UnsupportedOperationException", unsupported)
	_, err = e.client.RotateKeyOnDemand(ctx, &awskms.RotateKeyOnDemandInput{KeyId: rsaKey.KeyId})
	wantErr(t, err, "UnsupportedOperationException", unsupported)
	st, err = e.client.GetKeyRotationStatus(ctx, &awskms.GetKeyRotationStatusInput{KeyId: rsaKey.KeyId})
	if err != nil || st.KeyRotationEnabled {
		t.Fatalf("RSA rotation status = %+v, %v", st, err)
	}
}

func TestRotateKeyOnDemandKeepsOldMaterial(t *testing.T) {
	e := newEnv(t)
	m := e.symmetricKey(t)
	ec := map[string]string{"k": "v"}
	old, err := e.client.Encrypt(ctx, &awskms.EncryptInput{KeyId: m.KeyId, Plaintext: []byte("before"), EncryptionContext: ec})
	if err != nil {
		t.Fatal(err)
	}
	r, err := e.client.RotateKeyOnDemand(ctx, &awskms.RotateKeyOnDemandInput{KeyId: m.KeyId})
	if err != nil || aws.ToString(r.KeyId) != aws.ToString(m.Arn) {
		t.Fatalf("RotateKeyOnDemand = %v, %v", r, err)
	}
	d, _ := e.client.DescribeKey(ctx, &awskms.DescribeKeyInput{KeyId: m.KeyId})
	newMat := aws.ToString(d.KeyMetadata.CurrentKeyMaterialId)
	if newMat == aws.ToString(m.CurrentKeyMaterialId) || len(newMat) != 64 {
		t.Fatalf("CurrentKeyMaterialId did not change: %s", newMat)
	}
	dec, err := e.client.Decrypt(ctx, &awskms.DecryptInput{CiphertextBlob: old.CiphertextBlob, EncryptionContext: ec})
	if err != nil || string(dec.Plaintext) != "before" || aws.ToString(dec.KeyMaterialId) != aws.ToString(m.CurrentKeyMaterialId) {
		t.Fatalf("old blob after rotation: %v (material %s)", err, aws.ToString(dec.KeyMaterialId))
	}
	fresh, _ := e.client.Encrypt(ctx, &awskms.EncryptInput{KeyId: m.KeyId, Plaintext: []byte("after")})
	dec, err = e.client.Decrypt(ctx, &awskms.DecryptInput{CiphertextBlob: fresh.CiphertextBlob})
	if err != nil || aws.ToString(dec.KeyMaterialId) != newMat {
		t.Fatalf("new blob material = %s, want %s (%v)", aws.ToString(dec.KeyMaterialId), newMat, err)
	}
}

func TestAliases(t *testing.T) {
	e := newEnv(t)
	a, b := e.symmetricKey(t), e.symmetricKey(t)
	create := func(name string, target *string) error {
		_, err := e.client.CreateAlias(ctx, &awskms.CreateAliasInput{AliasName: aws.String(name), TargetKeyId: target})
		return err
	}
	wantErr(t, create("demo", a.KeyId), "ValidationException",
		`Alias must start with the prefix "alias/". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html`)
	wantErr(t, create("alias/aws/mine", a.KeyId), "NotAuthorizedException", "UnknownError")
	wantErr(t, create("alias/bad name", a.KeyId), "ValidationException",
		"1 validation error detected: Value 'alias/bad name' at 'aliasName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9:/_-]+$")
	if err := create("alias/demo", a.KeyId); err != nil {
		t.Fatal(err)
	}
	wantErr(t, create("alias/demo", b.KeyId), "AlreadyExistsException",
		"An alias with the name arn:aws:kms:us-east-1:111122223333:alias/demo already exists")
	wantErr(t, create("alias/other", aws.String("alias/demo")), "ValidationException", "Aliases must refer to keys. Not aliases")
	if _, err := e.client.UpdateAlias(ctx, &awskms.UpdateAliasInput{AliasName: aws.String("alias/demo"), TargetKeyId: b.Arn}); err != nil {
		t.Fatal(err)
	}
	d, _ := e.client.DescribeKey(ctx, &awskms.DescribeKeyInput{KeyId: aws.String("alias/demo")})
	if aws.ToString(d.KeyMetadata.KeyId) != aws.ToString(b.KeyId) {
		t.Fatal("UpdateAlias did not move the alias")
	}
	_, err := e.client.UpdateAlias(ctx, &awskms.UpdateAliasInput{AliasName: aws.String("alias/none"), TargetKeyId: b.KeyId})
	wantErr(t, err, "NotFoundException", "Alias arn:aws:kms:us-east-1:111122223333:alias/none is not found.")
	list, err := e.client.ListAliases(ctx, &awskms.ListAliasesInput{KeyId: b.KeyId})
	if err != nil || len(list.Aliases) != 1 || aws.ToString(list.Aliases[0].AliasName) != "alias/demo" ||
		aws.ToString(list.Aliases[0].TargetKeyId) != aws.ToString(b.KeyId) || list.Aliases[0].CreationDate == nil {
		t.Fatalf("ListAliases(b) = %+v, %v", list, err)
	}
	if _, err := e.client.ScheduleKeyDeletion(ctx, &awskms.ScheduleKeyDeletionInput{KeyId: a.KeyId}); err != nil {
		t.Fatal(err)
	}
	wantErr(t, create("alias/late", a.KeyId), "KMSInvalidStateException", aws.ToString(a.Arn)+" is pending deletion.")
	if _, err := e.client.DeleteAlias(ctx, &awskms.DeleteAliasInput{AliasName: aws.String("alias/demo")}); err != nil {
		t.Fatal(err)
	}
	_, err = e.client.DeleteAlias(ctx, &awskms.DeleteAliasInput{AliasName: aws.String("alias/demo")})
	wantErr(t, err, "NotFoundException", "Alias arn:aws:kms:us-east-1:111122223333:alias/demo is not found.")
}

func TestResolveForS3Errors(t *testing.T) {
	e := newEnv(t)
	rsaKey := e.createKey(t, "RSA_2048", "ENCRYPT_DECRYPT")
	missing := "0b1f0c1e-2d3c-4b5a-8f9e-0a1b2c3d4e5f"
	cases := []struct{ id, typ, msg string }{
		{"fake-key-id", TypeNotFound, "Invalid keyId 'fake-key-id'"},
		{missing, TypeNotFound, "Key '" + keyARN(missing) + "' does not exist"},
		{"arn:aws:kms:us-west-2:111122223333:key/" + missing, TypeNotFound, "Invalid arn us-west-2"},
		{aws.ToString(rsaKey.KeyId), TypeInvalidKeyUsage, "Algorithm SYMMETRIC_DEFAULT is incompatible with key spec RSA_2048."},
	}
	for _, tc := range cases {
		_, err := e.k.ResolveForS3(asS3, tc.id)
		wantGoErr(t, err, tc.typ, tc.msg)
	}
	m := e.symmetricKey(t)
	got, err := e.k.ResolveForS3(asS3, aws.ToString(m.Arn))
	if err != nil || got.KeyID != aws.ToString(m.KeyId) || got.KeyManager != "CUSTOMER" {
		t.Fatalf("ResolveForS3(arn) = %+v, %v", got, err)
	}
}
