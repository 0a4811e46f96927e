package kms

import (
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awskms "github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/s3crypt/s3crypt/keyflow"
	"github.com/s3crypt/s3crypt/sandbox/trace"
)

// drain closes sub and returns what it received.
func drain(sub *trace.Subscription) []keyflow.Event {
	sub.Close()
	var evs []keyflow.Event
	for ev := range sub.C {
		evs = append(evs, ev)
	}
	return evs
}

func TestTraceEvents(t *testing.T) {
	e := newEnv(t)
	m := e.symmetricKey(t)
	if _, err := e.client.CreateAlias(ctx, &awskms.CreateAliasInput{AliasName: aws.String("alias/demo"), TargetKeyId: m.KeyId}); err != nil {
		t.Fatal(err)
	}
	sub := e.bus.Subscribe(64)
	ec := map[string]string{"aws:s3:arn": "arn:aws:s3:::bucket/obj"}
	call := Call{Caller: CallerS3, RequestID: "put-1"}
	pt, blob, arn, err := e.k.GenerateDataKey(call, "alias/demo", "AES_256", 0, ec)
	if err != nil {
		t.Fatal(err)
	}
	clear(pt)
	if _, _, err := e.k.Decrypt(Call{Caller: CallerS3, RequestID: "get-1"}, blob, ec, "", ""); err != nil {
		t.Fatal(err)
	}
	_, _, err = e.k.Decrypt(Call{Caller: CallerS3, RequestID: "get-2"}, blob, nil, "", "")
	wantGoErr(t, err, TypeInvalidCiphertext, "")
	evs := drain(sub)
	if len(evs) != 3 {
		t.Fatalf("got %d events, want 3: %+v", len(evs), evs)
	}
	g := evs[0]
	if g.Actor != keyflow.KMS || g.Op != keyflow.OpGenerateDataKey || g.Caller != CallerS3 || g.RequestID != "put-1" ||
		g.KeyARN != arn || g.Context["aws:s3:arn"] != "arn:aws:s3:::bucket/obj" || g.Err != "" ||
		g.Detail != "KMS generated a 256-bit data key under alias/demo and returned it in plaintext and encrypted under the KMS key" {
		t.Errorf("GenerateDataKey event = %+v", g)
	}
	if d := evs[1]; d.Op != keyflow.OpDecrypt || d.RequestID != "get-1" || d.KeyARN != arn || d.Err != "" ||
		!strings.Contains(d.Detail, "returned 32 bytes of plaintext") {
		t.Errorf("Decrypt event = %+v", d)
	}
	if f := evs[2]; f.Op != keyflow.OpDecrypt || f.Err != "InvalidCiphertextException" || f.KeyARN != arn {
		t.Errorf("failed Decrypt event = %+v", f)
	}
	if n := e.bus.Total(CallerS3); n != 3 {
		t.Fatalf("KMS calls by S3 = %d, want 3", n)
	}
	for _, c := range e.bus.Counts() {
		if c.Caller == CallerS3 && c.Op == keyflow.OpDecrypt && c.N != 2 {
			t.Errorf("S3 Decrypt count = %d, want 2", c.N)
		}
	}
}

func TestTraceKeyStateEventsAndNoMaterial(t *testing.T) {
	e := newEnv(t)
	sub := e.bus.Subscribe(64)
	m := e.symmetricKey(t)
	id := m.KeyId
	steps := []func() error{
		func() error { _, err := e.client.DisableKey(ctx, &awskms.DisableKeyInput{KeyId: id}); return err },
		func() error { _, err := e.client.EnableKey(ctx, &awskms.EnableKeyInput{KeyId: id}); return err },
		func() error {
			_, err := e.client.RotateKeyOnDemand(ctx, &awskms.RotateKeyOnDemandInput{KeyId: id})
			return err
		},
		func() error {
			_, err := e.client.ScheduleKeyDeletion(ctx, &awskms.ScheduleKeyDeletionInput{KeyId: id})
			return err
		},
		func() error {
			_, err := e.client.CancelKeyDeletion(ctx, &awskms.CancelKeyDeletionInput{KeyId: id})
			return err
		},
	}
	for _, step := range steps {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
	_, err := e.client.Encrypt(ctx, &awskms.EncryptInput{KeyId: id, Plaintext: []byte("x")})
	wantErr(t, err, "DisabledException", aws.ToString(m.Arn)+" is disabled.")
	mat := e.k.materialForTest(t, aws.ToString(id))
	want := []keyflow.Op{keyflow.OpCreateKey, keyflow.OpDisableKey, keyflow.OpEnableKey, "RotateKeyOnDemand",
		keyflow.OpScheduleKeyDeletion, keyflow.OpCancelKeyDeletion, keyflow.OpEncrypt}
	evs := drain(sub)
	if len(evs) != len(want) {
		t.Fatalf("events %d, want %d: %+v", len(evs), len(want), evs)
	}
	for i, ev := range evs {
		if ev.Op != want[i] || ev.Caller != "test" || ev.KeyARN != aws.ToString(m.Arn) || ev.Detail == "" {
			t.Errorf("event %d = %+v, want op %s", i, ev, want[i])
		}
		if strings.Contains(ev.Detail+ev.Err, string(mat)) {
			t.Errorf("event %d carries key material", i)
		}
	}
	if evs[len(evs)-1].Err != "DisabledException: "+aws.ToString(m.Arn)+" is disabled." {
		t.Errorf("failed Encrypt Err = %q", evs[len(evs)-1].Err)
	}
	if n := e.bus.Total("test"); n != len(want) {
		t.Fatalf("KMS calls by test = %d, want %d", n, len(want))
	}
}

func TestManagedKeyCreatedOnceUnderRace(t *testing.T) {
	e := newEnv(t)
	sub := e.bus.Subscribe(64)
	ids := make([]string, 16)
	var wg sync.WaitGroup
	for i := range ids {
		wg.Go(func() {
			m, err := e.k.ResolveForS3(asS3, "")
			if err != nil {
				t.Error(err)
				return
			}
			ids[i] = m.KeyID
		})
	}
	wg.Wait()
	for _, id := range ids {
		if id != ids[0] || id == "" {
			t.Fatalf("ResolveForS3 returned different keys: %v", ids)
		}
	}
	created := 0
	for _, ev := range drain(sub) {
		if ev.Op == keyflow.OpManagedKeyCreated {
			created++
		}
	}
	keys, _ := e.k.ListKeys(asS3, 0, "")
	if created != 1 || len(keys.Keys) != 1 || e.bus.Total("") != 0 {
		t.Fatalf("ManagedKeyCreated=%d keys=%d counted calls=%d", created, len(keys.Keys), e.bus.Total(""))
	}
}

// TestTraceDescribeKey: a caller's DescribeKey is traced (a lesson checks
// the learner looked a key up), refused ones with their error; the lookup
// ListAliases --key-id makes on the way and the sandbox's own reads
// (CallerSandbox) are not.
func TestTraceDescribeKey(t *testing.T) {
	e := newEnv(t)
	m := e.symmetricKey(t)
	if _, err := e.client.CreateAlias(ctx, &awskms.CreateAliasInput{AliasName: aws.String("alias/demo"), TargetKeyId: m.KeyId}); err != nil {
		t.Fatal(err)
	}
	sub := e.bus.Subscribe(64)
	if _, err := e.client.DescribeKey(ctx, &awskms.DescribeKeyInput{KeyId: aws.String("alias/demo")}); err != nil {
		t.Fatal(err)
	}
	_, err := e.client.DescribeKey(ctx, &awskms.DescribeKeyInput{KeyId: aws.String("alias/nothing")})
	wantErr(t, err, "NotFoundException", "Alias arn:aws:kms:us-east-1:111122223333:alias/nothing is not found.")
	if _, err := e.client.ListAliases(ctx, &awskms.ListAliasesInput{KeyId: m.KeyId}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.k.DescribeKey(Call{Caller: CallerSandbox}, aws.ToString(m.KeyId)); err != nil {
		t.Fatal(err)
	}
	evs := drain(sub)
	if len(evs) != 2 {
		t.Fatalf("got %d events, want 2 (two DescribeKey requests): %+v", len(evs), evs)
	}
	d := evs[0]
	if d.Actor != keyflow.KMS || d.Op != "DescribeKey" || d.Caller != "test" || d.KeyARN != aws.ToString(m.Arn) || d.Err != "" ||
		d.Detail != "KMS described alias/demo: a SYMMETRIC_DEFAULT ENCRYPT_DECRYPT key, customer managed, Enabled" {
		t.Errorf("DescribeKey event = %+v", d)
	}
	if f := evs[1]; f.Op != "DescribeKey" || !strings.HasPrefix(f.Err, "NotFoundException") || f.KeyARN != "" {
		t.Errorf("refused DescribeKey event = %+v", f)
	}
}
