package kms

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awskms "github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
)

func TestGenerateDataKey(t *testing.T) {
	e := newEnv(t)
	m := e.symmetricKey(t)
	id := m.KeyId
	ec := map[string]string{"aws:s3:arn": "arn:aws:s3:::bucket/key"}
	for _, tc := range []struct {
		spec types.DataKeySpec
		n    *int32
		want int
	}{{"AES_256", nil, 32}, {"AES_128", nil, 16}, {"", aws.Int32(1), 1}, {"", aws.Int32(1024), 1024}} {
		out, err := e.client.GenerateDataKey(ctx, &awskms.GenerateDataKeyInput{KeyId: id, KeySpec: tc.spec, NumberOfBytes: tc.n, EncryptionContext: ec})
		if err != nil {
			t.Fatalf("GenerateDataKey %s/%v: %v", tc.spec, tc.n, err)
		}
		if len(out.Plaintext) != tc.want || aws.ToString(out.KeyId) != aws.ToString(m.Arn) ||
			aws.ToString(out.KeyMaterialId) != aws.ToString(m.CurrentKeyMaterialId) {
			t.Fatalf("GenerateDataKey = %d bytes, KeyId %s, material %s", len(out.Plaintext), aws.ToString(out.KeyId), aws.ToString(out.KeyMaterialId))
		}
		dec, err := e.client.Decrypt(ctx, &awskms.DecryptInput{CiphertextBlob: out.CiphertextBlob, EncryptionContext: ec})
		if err != nil || !bytes.Equal(dec.Plaintext, out.Plaintext) {
			t.Fatalf("Decrypt of data key: %v", err)
		}
	}
	_, err := e.client.GenerateDataKeyWithoutPlaintext(ctx, &awskms.GenerateDataKeyWithoutPlaintextInput{KeyId: aws.String("alias/none"), KeySpec: "AES_256"})
	wantErr(t, err, "NotFoundException", "Alias arn:aws:kms:us-east-1:111122223333:alias/none is not found.")
	wp, err := e.client.GenerateDataKeyWithoutPlaintext(ctx, &awskms.GenerateDataKeyWithoutPlaintextInput{KeyId: id, KeySpec: "AES_256", EncryptionContext: ec})
	if err != nil {
		t.Fatal(err)
	}
	dec, err := e.client.Decrypt(ctx, &awskms.DecryptInput{CiphertextBlob: wp.CiphertextBlob, EncryptionContext: ec})
	if err != nil || len(dec.Plaintext) != 32 {
		t.Fatalf("Decrypt of WithoutPlaintext blob: %v", err)
	}
	bad := []struct {
		in  awskms.GenerateDataKeyInput
		msg string
	}{
		{awskms.GenerateDataKeyInput{KeyId: id}, "Please specify either number of bytes or key spec."},
		{awskms.GenerateDataKeyInput{KeyId: id, KeySpec: "AES_256", NumberOfBytes: aws.Int32(32)}, "Please specify either number of bytes or key spec."},
		{awskms.GenerateDataKeyInput{KeyId: id, NumberOfBytes: aws.Int32(0)}, "1 validation error detected: Value '0' at 'numberOfBytes' failed to satisfy constraint: Member must have value greater than or equal to 1"},
		{awskms.GenerateDataKeyInput{KeyId: id, NumberOfBytes: aws.Int32(1025)}, "1 validation error detected: Value '1025' at 'numberOfBytes' failed to satisfy constraint: Member must have value less than or equal to 1024"},
		{awskms.GenerateDataKeyInput{KeyId: id, KeySpec: "AES-256"}, "1 validation error detected: Value 'AES-256' at 'keySpec' failed to satisfy constraint: Member must satisfy enum value set: [AES_256, AES_128]"},
	}
	for _, b := range bad {
		_, err := e.client.GenerateDataKey(ctx, &b.in)
		wantErr(t, err, "ValidationException", b.msg)
	}
	_, err = e.client.GenerateDataKey(ctx, &awskms.GenerateDataKeyInput{KeyId: id, KeySpec: "AES_256", DryRun: aws.Bool(true)})
	wantErr(t, err, "DryRunOperationException", "The request would have succeeded, but the DryRun option is set.")
}

func TestEncryptDecryptSymmetric(t *testing.T) {
	e := newEnv(t)
	a, b := e.symmetricKey(t), e.symmetricKey(t)
	ec := map[string]string{"purpose": "test", "Dept": "IT"}
	pt := bytes.Repeat([]byte("x"), 4096)
	enc, err := e.client.Encrypt(ctx, &awskms.EncryptInput{KeyId: a.KeyId, Plaintext: pt, EncryptionContext: ec})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(enc.KeyId) != aws.ToString(a.Arn) || enc.EncryptionAlgorithm != "SYMMETRIC_DEFAULT" {
		t.Fatalf("Encrypt KeyId %s alg %s", aws.ToString(enc.KeyId), enc.EncryptionAlgorithm)
	}
	dec, err := e.client.Decrypt(ctx, &awskms.DecryptInput{CiphertextBlob: enc.CiphertextBlob,
		EncryptionContext: map[string]string{"Dept": "IT", "purpose": "test"}})
	if err != nil || !bytes.Equal(dec.Plaintext, pt) || aws.ToString(dec.KeyId) != aws.ToString(a.Arn) {
		t.Fatalf("Decrypt = %v", err)
	}
	_, err = e.client.Encrypt(ctx, &awskms.EncryptInput{KeyId: a.KeyId, Plaintext: append(pt, 'y')})
	wantErr(t, err, "ValidationException", "1 validation error detected: Value at 'plaintext' failed to satisfy constraint: Member must have length less than or equal to 4096")
	tampered := bytes.Clone(enc.CiphertextBlob)
	tampered[len(tampered)-1] ^= 1
	for name, in := range map[string]*awskms.DecryptInput{
		"no context":      {CiphertextBlob: enc.CiphertextBlob},
		"wrong value":     {CiphertextBlob: enc.CiphertextBlob, EncryptionContext: map[string]string{"purpose": "test", "Dept": "it"}},
		"extra pair":      {CiphertextBlob: enc.CiphertextBlob, EncryptionContext: map[string]string{"purpose": "test", "Dept": "IT", "x": "y"}},
		"flipped bit":     {CiphertextBlob: tampered, EncryptionContext: ec},
		"not a blob":      {CiphertextBlob: []byte("hello world, this is not a KMS ciphertext blob at all, no......")},
		"rsa alg on symm": {CiphertextBlob: enc.CiphertextBlob, EncryptionContext: ec, KeyId: a.KeyId, EncryptionAlgorithm: "RSAES_OAEP_SHA_256"},
	} {
		_, err := e.client.Decrypt(ctx, in)
		if name == "rsa alg on symm" {
			wantErr(t, err, "InvalidKeyUsageException", "Algorithm RSAES_OAEP_SHA_256 is incompatible with key spec SYMMETRIC_DEFAULT.")
			continue
		}
		t.Run(name, func(t *testing.T) { wantErr(t, err, "InvalidCiphertextException", "") })
	}
	_, err = e.client.Decrypt(ctx, &awskms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: ec, KeyId: b.KeyId})
	wantErr(t, err, "IncorrectKeyException", "The key ID in the request does not identify a CMK that can perform this operation.")
	if _, err := e.client.Decrypt(ctx, &awskms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: ec, KeyId: a.Arn}); err != nil {
		t.Fatalf("Decrypt with the right KeyId: %v", err)
	}
}

func TestRSAEncryptLimits(t *testing.T) {
	e := newEnv(t)
	limits := map[types.KeySpec][2]int{"RSA_2048": {214, 190}, "RSA_3072": {342, 318}, "RSA_4096": {470, 446}}
	for spec, lim := range limits {
		m := e.createKey(t, spec, "ENCRYPT_DECRYPT")
		if m.CurrentKeyMaterialId != nil || len(m.EncryptionAlgorithms) != 2 {
			t.Fatalf("%s metadata: material %v algs %v", spec, m.CurrentKeyMaterialId, m.EncryptionAlgorithms)
		}
		for i, alg := range []types.EncryptionAlgorithmSpec{"RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"} {
			pt := bytes.Repeat([]byte{7}, lim[i])
			enc, err := e.client.Encrypt(ctx, &awskms.EncryptInput{KeyId: m.KeyId, Plaintext: pt, EncryptionAlgorithm: alg})
			if err != nil {
				t.Fatalf("%s %s at limit: %v", spec, alg, err)
			}
			if len(enc.CiphertextBlob) != rsaBits[string(spec)]/8 || enc.EncryptionAlgorithm != alg {
				t.Fatalf("%s %s ciphertext %d bytes alg %s", spec, alg, len(enc.CiphertextBlob), enc.EncryptionAlgorithm)
			}
			dec, err := e.client.Decrypt(ctx, &awskms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, KeyId: m.KeyId, EncryptionAlgorithm: alg})
			if err != nil || !bytes.Equal(dec.Plaintext, pt) {
				t.Fatalf("%s %s decrypt: %v", spec, alg, err)
			}
			_, err = e.client.Encrypt(ctx, &awskms.EncryptInput{KeyId: m.KeyId, Plaintext: append(pt, 7), EncryptionAlgorithm: alg})
			wantErr(t, err, "ValidationException", fmt.Sprintf("Algorithm %s and key spec %s cannot encrypt data larger than %d bytes.", alg, spec, lim[i]))
		}
		_, err := e.client.Encrypt(ctx, &awskms.EncryptInput{KeyId: m.KeyId, Plaintext: []byte("hi")})
		wantErr(t, err, "InvalidKeyUsageException", fmt.Sprintf("Algorithm SYMMETRIC_DEFAULT is incompatible with key spec %s.", spec))
	}
}

func TestRSADecryptAndPublicKey(t *testing.T) {
	e := newEnv(t)
	m := e.createKey(t, "RSA_2048", "ENCRYPT_DECRYPT")
	pk, err := e.client.GetPublicKey(ctx, &awskms.GetPublicKeyInput{KeyId: m.KeyId})
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := x509.ParsePKIXPublicKey(pk.PublicKey)
	pub, ok := parsed.(*rsa.PublicKey)
	if err != nil || !ok || pub.N.BitLen() != 2048 || pk.KeySpec != "RSA_2048" || pk.KeyUsage != "ENCRYPT_DECRYPT" ||
		aws.ToString(pk.KeyId) != aws.ToString(m.Arn) {
		t.Fatalf("GetPublicKey = %+v, %v", pk, err)
	}
	offline, err := rsa.EncryptOAEP(sha256.New(), rand.Reader, pub, []byte("offline secret"), nil)
	if err != nil {
		t.Fatal(err)
	}
	dec, err := e.client.Decrypt(ctx, &awskms.DecryptInput{CiphertextBlob: offline, KeyId: m.KeyId, EncryptionAlgorithm: "RSAES_OAEP_SHA_256"})
	if err != nil || string(dec.Plaintext) != "offline secret" || dec.EncryptionAlgorithm != "RSAES_OAEP_SHA_256" {
		t.Fatalf("Decrypt of offline RSA ciphertext = %v", err)
	}
	_, err = e.client.Decrypt(ctx, &awskms.DecryptInput{CiphertextBlob: offline, KeyId: m.KeyId, EncryptionAlgorithm: "RSAES_OAEP_SHA_1"})
	wantErr(t, err, "InvalidCiphertextException", "")
	_, err = e.client.Decrypt(ctx, &awskms.DecryptInput{CiphertextBlob: offline})
	wantErr(t, err, "InvalidCiphertextException", "")
	_, err = e.client.Decrypt(ctx, &awskms.DecryptInput{CiphertextBlob: offline, KeyId: m.KeyId})
	wantErr(t, err, "InvalidKeyUsageException", "Algorithm SYMMETRIC_DEFAULT is incompatible with key spec RSA_2048.")
	_, err = e.client.GenerateDataKey(ctx, &awskms.GenerateDataKeyInput{KeyId: m.KeyId, KeySpec: "AES_256"})
	wantErr(t, err, "InvalidKeyUsageException", "Algorithm SYMMETRIC_DEFAULT is incompatible with key spec RSA_2048.")
	sym := e.symmetricKey(t)
	_, err = e.client.GetPublicKey(ctx, &awskms.GetPublicKeyInput{KeyId: sym.KeyId})
	wantErr(t, err, "UnsupportedOperationException", aws.ToString(sym.Arn)+" key spec is SYMMETRIC_DEFAULT, which has no public key.")
}

func TestReEncrypt(t *testing.T) {
	e := newEnv(t)
	a, b := e.symmetricKey(t), e.symmetricKey(t)
	rsaKey := e.createKey(t, "RSA_2048", "ENCRYPT_DECRYPT")
	srcCtx, dstCtx := map[string]string{"a": "1"}, map[string]string{"b": "2"}
	enc, err := e.client.Encrypt(ctx, &awskms.EncryptInput{KeyId: a.KeyId, Plaintext: []byte("move me"), EncryptionContext: srcCtx})
	if err != nil {
		t.Fatal(err)
	}
	re, err := e.client.ReEncrypt(ctx, &awskms.ReEncryptInput{CiphertextBlob: enc.CiphertextBlob, SourceEncryptionContext: srcCtx,
		DestinationKeyId: b.KeyId, DestinationEncryptionContext: dstCtx})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(re.SourceKeyId) != aws.ToString(a.Arn) || aws.ToString(re.KeyId) != aws.ToString(b.Arn) {
		t.Fatalf("ReEncrypt ids %s -> %s", aws.ToString(re.SourceKeyId), aws.ToString(re.KeyId))
	}
	dec, err := e.client.Decrypt(ctx, &awskms.DecryptInput{CiphertextBlob: re.CiphertextBlob, EncryptionContext: dstCtx})
	if err != nil || string(dec.Plaintext) != "move me" || aws.ToString(dec.KeyId) != aws.ToString(b.Arn) {
		t.Fatalf("Decrypt after ReEncrypt: %v", err)
	}
	_, err = e.client.ReEncrypt(ctx, &awskms.ReEncryptInput{CiphertextBlob: enc.CiphertextBlob, DestinationKeyId: b.KeyId})
	wantErr(t, err, "InvalidCiphertextException", "")
	toRSA, err := e.client.ReEncrypt(ctx, &awskms.ReEncryptInput{CiphertextBlob: enc.CiphertextBlob, SourceEncryptionContext: srcCtx,
		DestinationKeyId: rsaKey.KeyId, DestinationEncryptionAlgorithm: "RSAES_OAEP_SHA_1"})
	if err != nil {
		t.Fatal(err)
	}
	back, err := e.client.ReEncrypt(ctx, &awskms.ReEncryptInput{CiphertextBlob: toRSA.CiphertextBlob, SourceKeyId: rsaKey.KeyId,
		SourceEncryptionAlgorithm: "RSAES_OAEP_SHA_1", DestinationKeyId: a.KeyId})
	if err != nil {
		t.Fatal(err)
	}
	dec, err = e.client.Decrypt(ctx, &awskms.DecryptInput{CiphertextBlob: back.CiphertextBlob})
	if err != nil || string(dec.Plaintext) != "move me" {
		t.Fatalf("round trip through RSA: %v", err)
	}
}

func TestGenerateRandom(t *testing.T) {
	e := newEnv(t)
	for _, n := range []int32{1, 1024} {
		out, err := e.client.GenerateRandom(ctx, &awskms.GenerateRandomInput{NumberOfBytes: aws.Int32(n)})
		if err != nil || len(out.Plaintext) != int(n) {
			t.Fatalf("GenerateRandom(%d) = %d bytes, %v", n, len(out.Plaintext), err)
		}
	}
	_, err := e.client.GenerateRandom(ctx, &awskms.GenerateRandomInput{NumberOfBytes: aws.Int32(0)})
	wantErr(t, err, "ValidationException", "1 validation error detected: Value '0' at 'numberOfBytes' failed to satisfy constraint: Member must have value greater than or equal to 1")
	_, err = e.client.GenerateRandom(ctx, &awskms.GenerateRandomInput{NumberOfBytes: aws.Int32(1025)})
	wantErr(t, err, "ValidationException", "1 validation error detected: Value '1025' at 'numberOfBytes' failed to satisfy constraint: Member must have value less than or equal to 1024")
	_, err = e.client.GenerateRandom(ctx, &awskms.GenerateRandomInput{})
	wantErr(t, err, "ValidationException", "NumberOfBytes is required.")
}
