package kms

import (
	"bytes"
	"crypto/rsa"
	"crypto/x509"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awskms "github.com/aws/aws-sdk-go-v2/service/kms"
	bolt "go.etcd.io/bbolt"
)

func TestPersistenceAcrossReopen(t *testing.T) {
	e := newEnv(t)
	m := e.symmetricKey(t)
	if _, err := e.client.CreateAlias(ctx, &awskms.CreateAliasInput{AliasName: aws.String("alias/keep"), TargetKeyId: m.KeyId}); err != nil {
		t.Fatal(err)
	}
	ec := map[string]string{"a": "b"}
	enc, err := e.client.Encrypt(ctx, &awskms.EncryptInput{KeyId: m.KeyId, Plaintext: []byte("durable"), EncryptionContext: ec})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.ScheduleKeyDeletion(ctx, &awskms.ScheduleKeyDeletionInput{KeyId: m.KeyId, PendingWindowInDays: aws.Int32(7)}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.CancelKeyDeletion(ctx, &awskms.CancelKeyDeletionInput{KeyId: m.KeyId}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.EnableKey(ctx, &awskms.EnableKeyInput{KeyId: m.KeyId}); err != nil {
		t.Fatal(err)
	}
	e.reopen(t)
	dec, err := e.client.Decrypt(ctx, &awskms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: ec})
	if err != nil || string(dec.Plaintext) != "durable" {
		t.Fatalf("Decrypt after reopen: %v", err)
	}
	d, err := e.client.DescribeKey(ctx, &awskms.DescribeKeyInput{KeyId: aws.String("alias/keep")})
	if err != nil || aws.ToString(d.KeyMetadata.CurrentKeyMaterialId) != aws.ToString(m.CurrentKeyMaterialId) ||
		!aws.ToTime(d.KeyMetadata.CreationDate).Equal(aws.ToTime(m.CreationDate)) {
		t.Fatalf("DescribeKey after reopen = %+v, %v", d, err)
	}
}

func TestPendingDeletionSurvivesReopen(t *testing.T) {
	e := newEnv(t)
	m := e.symmetricKey(t)
	if _, err := e.client.ScheduleKeyDeletion(ctx, &awskms.ScheduleKeyDeletionInput{KeyId: m.KeyId, PendingWindowInDays: aws.Int32(7)}); err != nil {
		t.Fatal(err)
	}
	e.reopen(t)
	e.clock.Advance(8 * 24 * time.Hour)
	_, err := e.client.DescribeKey(ctx, &awskms.DescribeKeyInput{KeyId: m.KeyId})
	wantErr(t, err, "NotFoundException", "Key '"+aws.ToString(m.Arn)+"' does not exist")
}

func TestWrongRootKeyRefused(t *testing.T) {
	e := newEnv(t)
	e.symmetricKey(t)
	if err := e.db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := bolt.Open(e.path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	e.db = db
	_, err = New(db, Options{Region: testRegion, AccountID: testAccount, RootKey: bytes.Repeat([]byte{1}, 32)})
	if err == nil || !strings.Contains(err.Error(), "root key does not match") {
		t.Fatalf("New with another root key: %v", err)
	}
	for _, bad := range []Options{
		{Region: testRegion, AccountID: "123", RootKey: testRoot},
		{Region: testRegion, AccountID: testAccount, RootKey: testRoot[:16]},
		{AccountID: testAccount, RootKey: testRoot},
	} {
		if _, err := New(db, bad); err == nil {
			t.Errorf("New(%+v) accepted bad options", bad)
		}
	}
}

func TestNoRawKeyMaterialInDatabase(t *testing.T) {
	e := newEnv(t)
	sym := e.symmetricKey(t)
	rsaKey := e.createKey(t, "RSA_2048", "ENCRYPT_DECRYPT")
	if _, err := e.client.RotateKeyOnDemand(ctx, &awskms.RotateKeyOnDemandInput{KeyId: sym.KeyId}); err != nil {
		t.Fatal(err)
	}
	symMat := e.k.materialForTest(t, aws.ToString(sym.KeyId))
	rsaDER := e.k.materialForTest(t, aws.ToString(rsaKey.KeyId))
	if len(symMat) != 32 {
		t.Fatalf("symmetric material is %d bytes", len(symMat))
	}
	priv, err := x509.ParsePKCS8PrivateKey(rsaDER)
	if err != nil {
		t.Fatal(err)
	}
	secrets := map[string][]byte{
		"symmetric material":   symMat,
		"RSA PKCS#8 DER":       rsaDER,
		"RSA private exponent": priv.(*rsa.PrivateKey).D.Bytes(),
		"RSA prime":            priv.(*rsa.PrivateKey).Primes[0].Bytes(),
	}
	if err := e.db.Close(); err != nil {
		t.Fatal(err)
	}
	file, err := os.ReadFile(e.path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(file, []byte(aws.ToString(sym.KeyId))) {
		t.Fatal("key id not found in the db file: the scan is not looking at the right file")
	}
	for name, secret := range secrets {
		if bytes.Contains(file, secret) {
			t.Errorf("%s found in the bolt file in the clear", name)
		}
	}
	e.open(t)
}
