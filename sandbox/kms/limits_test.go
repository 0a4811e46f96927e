package kms

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awskms "github.com/aws/aws-sdk-go-v2/service/kms"
)

// TestDescriptionLimit: a Description of 8,192 characters (counted as
// characters, not bytes) is kept; one more is a ValidationException.
func TestDescriptionLimit(t *testing.T) {
	e := newEnv(t)
	max := strings.Repeat("é", 8192) // 16,384 bytes, 8,192 characters
	out, err := e.client.CreateKey(ctx, &awskms.CreateKeyInput{Description: aws.String(max)})
	if err != nil {
		t.Fatalf("8192-character description: %v", err)
	}
	d, err := e.client.DescribeKey(ctx, &awskms.DescribeKeyInput{KeyId: out.KeyMetadata.KeyId})
	if err != nil || aws.ToString(d.KeyMetadata.Description) != max {
		t.Fatalf("description not kept: %v", err)
	}
	long := strings.Repeat("d", 8193)
	_, err = e.client.CreateKey(ctx, &awskms.CreateKeyInput{Description: aws.String(long)})
	wantErr(t, err, "ValidationException", "1 validation error detected: Value '"+long+
		"' at 'description' failed to satisfy constraint: Member must have length less than or equal to 8192")
}

// TestEncryptionContextLimit: an encryption context of 8,192 bytes (keys
// and values together) works; one byte more is refused by every operation
// that takes one.
func TestEncryptionContextLimit(t *testing.T) {
	e := newEnv(t)
	k := e.symmetricKey(t)
	fits := map[string]string{"k": strings.Repeat("v", 8191)}
	over := map[string]string{"k": strings.Repeat("v", 8191), "x": ""}
	enc, err := e.client.Encrypt(ctx, &awskms.EncryptInput{KeyId: k.KeyId, Plaintext: []byte("p"), EncryptionContext: fits})
	if err != nil {
		t.Fatalf("8 KB context: %v", err)
	}
	if _, err := e.client.Decrypt(ctx, &awskms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: fits}); err != nil {
		t.Fatalf("decrypt with 8 KB context: %v", err)
	}
	const msg = "Encryption context is 8193 bytes; the maximum is 8192 bytes."
	_, err = e.client.Encrypt(ctx, &awskms.EncryptInput{KeyId: k.KeyId, Plaintext: []byte("p"), EncryptionContext: over})
	wantErr(t, err, "ValidationException", msg)
	_, err = e.client.Decrypt(ctx, &awskms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: over})
	wantErr(t, err, "ValidationException", msg)
	_, err = e.client.GenerateDataKey(ctx, &awskms.GenerateDataKeyInput{KeyId: k.KeyId, KeySpec: "AES_256", EncryptionContext: over})
	wantErr(t, err, "ValidationException", msg)
	_, err = e.client.ReEncrypt(ctx, &awskms.ReEncryptInput{CiphertextBlob: enc.CiphertextBlob, SourceEncryptionContext: fits,
		DestinationKeyId: k.KeyId, DestinationEncryptionContext: over})
	wantErr(t, err, "ValidationException", msg)
}
