package kms

import (
	"regexp"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awskms "github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
)

func TestCreateKeyValidation(t *testing.T) {
	e := newEnv(t)
	const specEnum = "[RSA_2048, ECC_NIST_P384, ECC_NIST_P256, ECC_NIST_P521, HMAC_384, RSA_3072, ECC_SECG_P256K1, RSA_4096, SYMMETRIC_DEFAULT, HMAC_256, HMAC_224, HMAC_512, SM2, ECC_NIST_EDWARDS25519, ML_DSA_44, ML_DSA_65, ML_DSA_87, ML_KEM_512, ML_KEM_768, ML_KEM_1024]"
	cases := []struct {
		name      string
		spec      types.KeySpec
		usage     types.KeyUsageType
		code, msg string
	}{
		{"rsa without usage", "RSA_2048", "", "ValidationException",
			"You must specify a KeyUsage value for all KMS keys except for symmetric encryption keys."},
		{"hmac without usage", "HMAC_256", "", "ValidationException",
			"You must specify a KeyUsage value for all KMS keys except for symmetric encryption keys."},
		{"key agreement rsa", "RSA_2048", "KEY_AGREEMENT", "ValidationException",
			"KeyUsage KEY_AGREEMENT is not compatible with KeySpec RSA_2048"},
		{"sign symmetric", "", "SIGN_VERIFY", "ValidationException",
			"KeyUsage SIGN_VERIFY is not compatible with KeySpec SYMMETRIC_DEFAULT"},
		{"bad spec", "HMAC_random", "GENERATE_VERIFY_MAC", "ValidationException",
			"1 validation error detected: Value 'HMAC_random' at 'keySpec' failed to satisfy constraint: Member must satisfy enum value set: " + specEnum},
		{"bad usage", "", "RANDOM", "ValidationException",
			"1 validation error detected: Value 'RANDOM' at 'keyUsage' failed to satisfy constraint: Member must satisfy enum value set: [ENCRYPT_DECRYPT, SIGN_VERIFY, GENERATE_VERIFY_MAC, KEY_AGREEMENT, ENCAPSULATE_DECAPSULATE]"},
		{"sm2", "SM2", "SIGN_VERIFY", "UnsupportedOperationException",
			"The s3crypt sandbox KMS does not support KeySpec SM2, which KMS offers in the China Regions only."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.client.CreateKey(ctx, &awskms.CreateKeyInput{KeySpec: tc.spec, KeyUsage: tc.usage})
			wantErr(t, err, tc.code, tc.msg)
		})
	}
	_, err := e.client.CreateKey(ctx, &awskms.CreateKeyInput{MultiRegion: aws.Bool(true)})
	wantErr(t, err, "UnsupportedOperationException", "The s3crypt sandbox KMS does not support multi-Region keys.")
	keys, err := e.client.ListKeys(ctx, &awskms.ListKeysInput{})
	if err != nil || len(keys.Keys) != 0 {
		t.Fatalf("rejected CreateKey calls left keys: %v %v", keys, err)
	}
}

func TestCreateAndDescribeKey(t *testing.T) {
	e := newEnv(t)
	m := e.symmetricKey(t)
	id := aws.ToString(m.KeyId)
	if !reKeyID.MatchString(id) {
		t.Fatalf("KeyId %q is not a UUID", id)
	}
	got, err := e.client.DescribeKey(ctx, &awskms.DescribeKeyInput{KeyId: aws.String(id)})
	if err != nil {
		t.Fatal(err)
	}
	d := got.KeyMetadata
	checks := map[string][2]string{
		"AWSAccountId":          {aws.ToString(d.AWSAccountId), testAccount},
		"Arn":                   {aws.ToString(d.Arn), keyARN(id)},
		"Description":           {aws.ToString(d.Description), "test key"},
		"KeyUsage":              {string(d.KeyUsage), "ENCRYPT_DECRYPT"},
		"KeyState":              {string(d.KeyState), "Enabled"},
		"Origin":                {string(d.Origin), "AWS_KMS"},
		"KeyManager":            {string(d.KeyManager), "CUSTOMER"},
		"KeySpec":               {string(d.KeySpec), "SYMMETRIC_DEFAULT"},
		"CustomerMasterKeySpec": {string(d.CustomerMasterKeySpec), "SYMMETRIC_DEFAULT"}, //nolint:staticcheck // SA1019: KMS still returns the deprecated field, so the sandbox must
	}
	for field, v := range checks {
		if v[0] != v[1] {
			t.Errorf("%s = %q, want %q", field, v[0], v[1])
		}
	}
	if !aws.ToBool(&d.Enabled) || aws.ToBool(d.MultiRegion) || d.DeletionDate != nil {
		t.Errorf("Enabled=%v MultiRegion=%v DeletionDate=%v", d.Enabled, aws.ToBool(d.MultiRegion), d.DeletionDate)
	}
	if len(d.EncryptionAlgorithms) != 1 || d.EncryptionAlgorithms[0] != "SYMMETRIC_DEFAULT" {
		t.Errorf("EncryptionAlgorithms = %v", d.EncryptionAlgorithms)
	}
	if !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(aws.ToString(d.CurrentKeyMaterialId)) {
		t.Errorf("CurrentKeyMaterialId = %q", aws.ToString(d.CurrentKeyMaterialId))
	}
	if !aws.ToTime(d.CreationDate).Equal(e.clock.Now()) {
		t.Errorf("CreationDate = %v, want %v", d.CreationDate, e.clock.Now())
	}
}

func TestKeyResolutionErrors(t *testing.T) {
	e := newEnv(t)
	m := e.symmetricKey(t)
	id := aws.ToString(m.KeyId)
	missing := "0b1f0c1e-2d3c-4b5a-8f9e-0a1b2c3d4e5f"
	cases := []struct{ keyID, code, msg string }{
		{"fake-key-id", "NotFoundException", "Invalid keyId 'fake-key-id'"},
		{"134f2428cec14b25a1ae9048164dba47", "NotFoundException", "Invalid keyId '134f2428cec14b25a1ae9048164dba47'"},
		{"aws/s3", "NotFoundException", "Invalid keyId 'aws/s3'"},
		{missing, "NotFoundException", "Key '" + keyARN(missing) + "' does not exist"},
		{keyARN(missing), "NotFoundException", "Key '" + keyARN(missing) + "' does not exist"},
		{"arn:aws:kms:eu-west-1:" + testAccount + ":key/" + id, "NotFoundException", "Invalid arn eu-west-1"},
		{"alias/nope", "NotFoundException", "Alias arn:aws:kms:us-east-1:111122223333:alias/nope is not found."},
	}
	for _, tc := range cases {
		_, err := e.client.DescribeKey(ctx, &awskms.DescribeKeyInput{KeyId: aws.String(tc.keyID)})
		wantErr(t, err, tc.code, tc.msg)
	}
	if _, err := e.client.CreateAlias(ctx, &awskms.CreateAliasInput{AliasName: aws.String("alias/demo"), TargetKeyId: aws.String(id)}); err != nil {
		t.Fatal(err)
	}
	for _, form := range []string{id, keyARN(id), "alias/demo", "arn:aws:kms:us-east-1:111122223333:alias/demo"} {
		got, err := e.client.DescribeKey(ctx, &awskms.DescribeKeyInput{KeyId: aws.String(form)})
		if err != nil || aws.ToString(got.KeyMetadata.KeyId) != id {
			t.Errorf("DescribeKey(%s) = %v, %v", form, got, err)
		}
	}
}

func TestManagedKeyCreatedOnDescribe(t *testing.T) {
	e := newEnv(t)
	sub := e.bus.Subscribe(16)
	al, err := e.client.ListAliases(ctx, &awskms.ListAliasesInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(al.Aliases) != 1 || aws.ToString(al.Aliases[0].AliasName) != "alias/aws/s3" || al.Aliases[0].TargetKeyId != nil {
		t.Fatalf("before first use ListAliases = %+v", al.Aliases)
	}
	got, err := e.client.DescribeKey(ctx, &awskms.DescribeKeyInput{KeyId: aws.String("alias/aws/s3")})
	if err != nil {
		t.Fatal(err)
	}
	m := got.KeyMetadata
	if m.KeyManager != types.KeyManagerTypeAws || aws.ToString(m.Description) != managedDescription ||
		m.KeyState != types.KeyStateEnabled || m.KeySpec != types.KeySpecSymmetricDefault {
		t.Fatalf("aws/s3 metadata = %+v", m)
	}
	again, err := e.client.DescribeKey(ctx, &awskms.DescribeKeyInput{KeyId: aws.String("arn:aws:kms:us-east-1:111122223333:alias/aws/s3")})
	if err != nil || aws.ToString(again.KeyMetadata.KeyId) != aws.ToString(m.KeyId) {
		t.Fatalf("second DescribeKey = %v, %v", again, err)
	}
	s3m, err := e.k.ResolveForS3(asS3, "")
	if err != nil || s3m.KeyID != aws.ToString(m.KeyId) {
		t.Fatalf("ResolveForS3(\"\") = %v, %v", s3m.KeyID, err)
	}
	keys, _ := e.client.ListKeys(ctx, &awskms.ListKeysInput{})
	if len(keys.Keys) != 1 || aws.ToString(keys.Keys[0].KeyId) != aws.ToString(m.KeyId) {
		t.Fatalf("ListKeys = %+v", keys.Keys)
	}
	al, _ = e.client.ListAliases(ctx, &awskms.ListAliasesInput{})
	if len(al.Aliases) != 1 || aws.ToString(al.Aliases[0].TargetKeyId) != aws.ToString(m.KeyId) {
		t.Fatalf("after first use ListAliases = %+v", al.Aliases)
	}
	sub.Close()
	created := 0
	for ev := range sub.C {
		if ev.Op == "ManagedKeyCreated" {
			created++
			if ev.KeyARN != aws.ToString(m.Arn) || ev.Actor != "KMS" || ev.Caller != "test" {
				t.Errorf("ManagedKeyCreated event = %+v", ev)
			}
		}
	}
	if created != 1 {
		t.Fatalf("ManagedKeyCreated events = %d, want 1", created)
	}
}

func TestManagedKeyRestrictions(t *testing.T) {
	e := newEnv(t)
	m, err := e.k.ResolveForS3(asS3, "")
	if err != nil {
		t.Fatal(err)
	}
	denied := func(action string) string {
		return "User: arn:aws:iam::111122223333:root is not authorized to perform: kms:" + action +
			" on resource: " + m.Arn + " because no resource-based policy allows the kms:" + action + " action"
	}
	id := aws.String(m.KeyID)
	_, err = e.client.DisableKey(ctx, &awskms.DisableKeyInput{KeyId: id})
	wantErr(t, err, "AccessDeniedException", denied("DisableKey"))
	_, err = e.client.ScheduleKeyDeletion(ctx, &awskms.ScheduleKeyDeletionInput{KeyId: id})
	wantErr(t, err, "AccessDeniedException", denied("ScheduleKeyDeletion"))
	_, err = e.client.EnableKeyRotation(ctx, &awskms.EnableKeyRotationInput{KeyId: id})
	wantErr(t, err, "AccessDeniedException", denied("EnableKeyRotation"))
	_, err = e.client.GenerateDataKey(ctx, &awskms.GenerateDataKeyInput{KeyId: aws.String("alias/aws/s3"), KeySpec: "AES_256"})
	wantErr(t, err, "AccessDeniedException", denied("GenerateDataKey"))
	// NotAuthorizedException is not in the KMS model, so the SDK shows its
	// empty message as "UnknownError".
	_, err = e.client.DeleteAlias(ctx, &awskms.DeleteAliasInput{AliasName: aws.String("alias/aws/s3")})
	wantErr(t, err, "NotAuthorizedException", "UnknownError")
	_, err = e.client.UpdateAlias(ctx, &awskms.UpdateAliasInput{AliasName: aws.String("alias/aws/s3"), TargetKeyId: id})
	wantErr(t, err, "NotAuthorizedException", "UnknownError")
	st, err := e.client.GetKeyRotationStatus(ctx, &awskms.GetKeyRotationStatusInput{KeyId: id})
	if err != nil || !st.KeyRotationEnabled || aws.ToInt32(st.RotationPeriodInDays) != 365 {
		t.Fatalf("GetKeyRotationStatus(aws/s3) = %+v, %v", st, err)
	}
	pt, blob, arn, err := e.k.GenerateDataKey(asS3, "alias/aws/s3", "AES_256", 0, map[string]string{"aws:s3:arn": "arn:aws:s3:::b/k"})
	if err != nil || len(pt) != 32 || arn != m.Arn {
		t.Fatalf("S3 GenerateDataKey on aws/s3 = %d bytes, %s, %v", len(pt), arn, err)
	}
	if _, _, err := e.k.Decrypt(asS3, blob, map[string]string{"aws:s3:arn": "arn:aws:s3:::b/k"}, "", ""); err != nil {
		t.Fatalf("S3 Decrypt on aws/s3: %v", err)
	}
}

func TestListKeysPaging(t *testing.T) {
	e := newEnv(t)
	want := map[string]bool{}
	for range 3 {
		want[aws.ToString(e.symmetricKey(t).KeyId)] = true
	}
	p1, err := e.client.ListKeys(ctx, &awskms.ListKeysInput{Limit: aws.Int32(2)})
	if err != nil || len(p1.Keys) != 2 || !p1.Truncated || p1.NextMarker == nil {
		t.Fatalf("page 1 = %+v, %v", p1, err)
	}
	p2, err := e.client.ListKeys(ctx, &awskms.ListKeysInput{Limit: aws.Int32(2), Marker: p1.NextMarker})
	if err != nil || len(p2.Keys) != 1 || p2.Truncated || p2.NextMarker != nil {
		t.Fatalf("page 2 = %+v, %v", p2, err)
	}
	for _, k := range append(p1.Keys, p2.Keys...) {
		if !want[aws.ToString(k.KeyId)] || aws.ToString(k.KeyArn) != keyARN(aws.ToString(k.KeyId)) {
			t.Errorf("unexpected entry %s %s", aws.ToString(k.KeyId), aws.ToString(k.KeyArn))
		}
		delete(want, aws.ToString(k.KeyId))
	}
	if len(want) != 0 {
		t.Fatalf("keys missing from pages: %v", want)
	}
	_, err = e.client.ListKeys(ctx, &awskms.ListKeysInput{Limit: aws.Int32(0)})
	wantErr(t, err, "ValidationException", "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1")
	_, err = e.client.ListKeys(ctx, &awskms.ListKeysInput{Limit: aws.Int32(1001)})
	wantErr(t, err, "ValidationException", "1 validation error detected: Value '1001' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 1000")
}
