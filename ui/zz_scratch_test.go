package ui

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/s3crypt/s3crypt/actions"
	"github.com/s3crypt/s3crypt/awsclient"
	s3c "github.com/s3crypt/s3crypt/crypto"
)

func TestScratchSteps(t *testing.T) {
	b, err := awsclient.Open(context.Background(), awsclient.Options{DataDir: t.TempDir(), Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ctx := context.Background()
	bk := "demo"
	if _, err := b.S3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &bk}); err != nil {
		t.Fatal(err)
	}
	f := t.TempDir() + "/f.txt"
	os.WriteFile(f, []byte("hello world"), 0o600)
	env := &actions.Env{Backend: b}
	tr := true
	k, _ := s3c.RandomKey(32)
	for _, p := range []*actions.Put{
		{File: f, Bucket: bk, Key: "def", SSE: ""},
		{File: f, Bucket: bk, Key: "s3", SSE: actions.SSES3},
		{File: f, Bucket: bk, Key: "kms", SSE: actions.SSEKMS},
		{File: f, Bucket: bk, Key: "kmsbk", SSE: actions.SSEKMS, BucketKey: &tr},
		{File: f, Bucket: bk, Key: "kmsbk2", SSE: actions.SSEKMS, BucketKey: &tr},
		{File: f, Bucket: bk, Key: "dsse", SSE: actions.DSSEKMS},
		{File: f, Bucket: bk, Key: "ssec", SSEC: &actions.SSECKey{Key: k, File: "/k"}},
	} {
		fmt.Println("=== PUT", p.Key)
		_, err := actions.RunSync(ctx, env, p, func(e actions.Event) {
			if s, ok := e.(actions.StepEvent); ok {
				fmt.Printf("  %s→%s %s | %s | %s | obs=%v\n", s.Step.Actor, s.Step.To, s.Step.Op, s.Step.Title, s.Step.Detail, s.Step.Observed)
			}
		})
		if err != nil {
			fmt.Println("ERR", err)
		}
		g := &actions.Get{Bucket: bk, Key: p.Key, File: t.TempDir() + "/o", SSEC: p.SSEC}
		fmt.Println("=== GET", p.Key)
		_, err = actions.RunSync(ctx, env, g, func(e actions.Event) {
			if s, ok := e.(actions.StepEvent); ok {
				fmt.Printf("  %s→%s %s | %s | %s | obs=%v\n", s.Step.Actor, s.Step.To, s.Step.Op, s.Step.Title, s.Step.Detail, s.Step.Observed)
			}
		})
		if err != nil {
			fmt.Println("ERR", err)
		}
	}
}
