package learn_test

import (
	"context"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"testing"
	"time"

	"github.com/s3crypt/s3crypt/awsclient"
	"github.com/s3crypt/s3crypt/learn"
)

// lessonEnv points the XDG homes at temporary directories, so lessons'
// sandboxes and progress never touch the machine's.
func lessonEnv(t *testing.T) {
	t.Helper()
	t.Setenv("XDG_DATA_HOME", t.TempDir())
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	t.Setenv("AWS_ENDPOINT_URL", "")
}

// openLesson opens the backend on a lesson's sandbox, in-process.
func openLesson(t *testing.T, id string) *awsclient.Backend {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	b, err := awsclient.Open(ctx, awsclient.Options{DataDir: learn.DataDir(id)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

func check(t *testing.T, b *awsclient.Backend, l learn.Lesson) []learn.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	rs, err := learn.Check(ctx, b, l)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != len(l.Steps) {
		t.Fatalf("%d results for %d steps", len(rs), len(l.Steps))
	}
	return rs
}

func TestLessonsLoad(t *testing.T) {
	ls := learn.Lessons()
	if len(ls) == 0 {
		t.Fatal("no lessons")
	}
	for i, l := range ls {
		if i > 0 && l.Number <= ls[i-1].Number {
			t.Errorf("lesson %s out of order", l.ID)
		}
		if got, ok := learn.Find(l.ID); !ok || got.ID != l.ID {
			t.Errorf("Find(%q) = %v, %v", l.ID, got.ID, ok)
		}
	}
	if l, ok := learn.Find("2"); !ok || l.ID != "02-kms-keys" {
		t.Errorf(`Find("2") = %q, %v`, l.ID, ok)
	}
}

// TestLesson2Checks: on a fresh lesson sandbox every step of lesson 2
// fails; after its steps are done through KMS, every one passes.
func TestLesson2Checks(t *testing.T) {
	lessonEnv(t)
	l, _ := learn.Find("02-kms-keys")
	b := openLesson(t, l.ID)
	for _, r := range check(t, b, l) {
		if r.Passed || r.Why == "" {
			t.Errorf("fresh sandbox: step %d passed=%v why=%q", r.Step+1, r.Passed, r.Why)
		}
	}
	ctx := context.Background()
	sym, err := b.KMS.CreateKey(ctx, &kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	rsa, err := b.KMS.CreateKey(ctx, &kms.CreateKeyInput{KeySpec: kmstypes.KeySpecRsa2048, KeyUsage: kmstypes.KeyUsageTypeEncryptDecrypt})
	if err != nil {
		t.Fatal(err)
	}
	for alias, k := range map[string]*string{"alias/lesson": sym.KeyMetadata.KeyId, "alias/lesson-rsa": rsa.KeyMetadata.KeyId} {
		if _, err := b.KMS.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String(alias), TargetKeyId: k}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := b.KMS.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{KeyId: aws.String("alias/lesson-rsa"), KeySpec: kmstypes.DataKeySpecAes256}); err == nil {
		t.Fatal("GenerateDataKey on an RSA key succeeded")
	}
	// Describing one key is half of step 3; a refused DescribeKey is none.
	if _, err := b.KMS.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String("alias/lesson")}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.KMS.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String("alias/nothing")}); err == nil {
		t.Fatal("DescribeKey of a missing alias succeeded")
	}
	if r := check(t, b, l)[2]; r.Passed || r.Why != "you have not described alias/lesson-rsa yet" {
		t.Errorf("one key described: step 3 passed=%v why=%q", r.Passed, r.Why)
	}
	if _, err := b.KMS.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: rsa.KeyMetadata.Arn}); err != nil {
		t.Fatal(err)
	}
	for _, r := range check(t, b, l) {
		if !r.Passed {
			t.Errorf("after the solution: step %d not passed: %s", r.Step+1, r.Why)
		}
	}
}

// TestCheckMakesNoKMSRequest: checking a lesson (keys included) leaves the
// sandbox's KMS count where it was, so a view that polls Check never
// moves the counter the lessons teach with.
func TestCheckMakesNoKMSRequest(t *testing.T) {
	lessonEnv(t)
	l, _ := learn.Find("13-kms-key-types")
	b := openLesson(t, l.ID)
	ctx := context.Background()
	if _, err := b.KMS.CreateKey(ctx, &kms.CreateKeyInput{}); err != nil {
		t.Fatal(err)
	}
	before, err := b.Local.KMSCalls(ctx)
	if err != nil || before == 0 {
		t.Fatalf("KMS calls before: %d, %v", before, err)
	}
	check(t, b, l)
	check(t, b, l)
	if after, err := b.Local.KMSCalls(ctx); err != nil || after != before {
		t.Fatalf("KMS calls %d → %d (%v): Check made KMS requests", before, after, err)
	}
}
