package kms

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awskms "github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
)

// TestListKeyRotations: no rotation lists nothing; each on-demand
// rotation is listed oldest first with its date, type and whether its
// material is current, paged by Limit/NextMarker; ALL_KEY_MATERIAL adds
// the first material; the list survives a reopen; an RSA key has none.
func TestListKeyRotations(t *testing.T) {
	e := newEnv(t)
	k := e.symmetricKey(t)
	out, err := e.client.ListKeyRotations(ctx, &awskms.ListKeyRotationsInput{KeyId: k.KeyId})
	if err != nil || len(out.Rotations) != 0 || out.Truncated {
		t.Fatalf("before any rotation: %v %+v", err, out)
	}
	var dates []time.Time
	for range 3 {
		e.clock.Advance(time.Hour)
		if _, err := e.client.RotateKeyOnDemand(ctx, &awskms.RotateKeyOnDemandInput{KeyId: k.KeyId}); err != nil {
			t.Fatal(err)
		}
		dates = append(dates, e.clock.Now())
	}
	e.reopen(t)
	var got []types.RotationsListEntry
	in := &awskms.ListKeyRotationsInput{KeyId: k.Arn, Limit: aws.Int32(2)}
	pages := 0
	for {
		out, err := e.client.ListKeyRotations(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		got = append(got, out.Rotations...)
		if !out.Truncated {
			break
		}
		in.Marker = out.NextMarker
	}
	if pages != 2 || len(got) != 3 {
		t.Fatalf("%d rotations in %d pages", len(got), pages)
	}
	d, _ := e.client.DescribeKey(ctx, &awskms.DescribeKeyInput{KeyId: k.KeyId})
	for i, r := range got {
		current := i == 2
		if r.RotationType != types.RotationTypeOnDemand || !aws.ToTime(r.RotationDate).Equal(dates[i]) || aws.ToString(r.KeyId) != aws.ToString(k.Arn) ||
			(r.KeyMaterialState == types.KeyMaterialStateCurrent) != current || (current && aws.ToString(r.KeyMaterialId) != aws.ToString(d.KeyMetadata.CurrentKeyMaterialId)) {
			t.Errorf("rotation %d: %+v", i, r)
		}
	}
	all, err := e.client.ListKeyRotations(ctx, &awskms.ListKeyRotationsInput{KeyId: k.KeyId, IncludeKeyMaterial: types.IncludeKeyMaterialAllKeyMaterial})
	if err != nil || len(all.Rotations) != 4 || all.Rotations[0].RotationType != "" {
		t.Fatalf("all key material: %v %+v", err, all)
	}
	_, err = e.client.ListKeyRotations(ctx, &awskms.ListKeyRotationsInput{KeyId: k.KeyId, Marker: aws.String("x")})
	wantErr(t, err, "InvalidMarkerException", "Marker is invalid")
	rsa := e.createKey(t, types.KeySpecRsa2048, types.KeyUsageTypeEncryptDecrypt)
	_, err = e.client.ListKeyRotations(ctx, &awskms.ListKeyRotationsInput{KeyId: rsa.KeyId})
	wantErr(t, err, "UnsupportedOperationException", "You cannot perform this operation on a non-symmetric key or a key with non-ENCRYPT_DECRYPT key usage.")
}
