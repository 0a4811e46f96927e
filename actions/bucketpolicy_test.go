package actions_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/s3crypt/s3crypt/actions"
	"github.com/s3crypt/s3crypt/awsclient"
)

// TestBucketPolicyActions: put (ready-made), get and delete through the
// SDK against the sandbox, what each result says it enforces, and an
// upload refused by the policy explained as such.
func TestBucketPolicyActions(t *testing.T) {
	b, err := awsclient.Open(context.Background(), awsclient.Options{DataDir: t.TempDir(), Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	env := &actions.Env{Backend: b}
	run := func(a actions.Action) (any, error) { return actions.RunSync(context.Background(), env, a, nil) }
	if _, err := run(&actions.MakeBucket{Bucket: "apol"}); err != nil {
		t.Fatal(err)
	}
	if _, err := run(&actions.CreateKey{Alias: "alias/apol"}); err != nil {
		t.Fatal(err)
	}
	res, err := run(&actions.GetBucketPolicy{Bucket: "apol"})
	if err != nil || res.(actions.BucketPolicyResult).Summary != actions.NoBucketPolicy {
		t.Fatalf("get without a policy: %+v, %v", res, err)
	}
	res, err = run(&actions.PutBucketPolicy{Bucket: "apol", RequireSSEKMS: true, KMSKey: "alias/apol"})
	if err != nil {
		t.Fatal(err)
	}
	r := res.(actions.BucketPolicyResult)
	if !strings.HasPrefix(r.Summary, "uploads must use SSE-KMS with key arn:aws:kms:") || r.IsPublic == nil || *r.IsPublic ||
		!strings.Contains(r.Policy, `"DenyOtherKMSKeys"`) {
		t.Fatalf("put: %+v", r)
	}
	file := filepath.Join(t.TempDir(), "f.txt")
	if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = run(&actions.Put{File: file, Bucket: "apol", Key: "f"})
	var ae *actions.Error
	if !errors.As(err, &ae) || ae.Code != "AccessDenied" || !strings.Contains(ae.Fix, "s3crypt bucket-policy get s3://apol") {
		t.Fatalf("upload without SSE-KMS: %#v", err)
	}
	if _, err := run(&actions.Put{File: file, Bucket: "apol", Key: "f", SSE: actions.SSEKMS, KMSKey: "alias/apol"}); err != nil {
		t.Fatalf("upload with the key: %v", err)
	}
	// A malformed policy is explained.
	_, err = run(&actions.PutBucketPolicy{Bucket: "apol", JSON: []byte(`{"Statement":[]}`)})
	if !errors.As(err, &ae) || ae.Code != "MalformedPolicy" || ae.Fix == "" {
		t.Fatalf("malformed: %#v", err)
	}
	res, err = run(&actions.DeleteBucketPolicy{Bucket: "apol"})
	if err != nil || res.(actions.BucketPolicyResult).Policy != "" {
		t.Fatalf("delete: %+v, %v", res, err)
	}
}

func TestPolicySummaryOfReadyPolicies(t *testing.T) {
	for _, c := range []struct {
		o    actions.ReadyPolicy
		want string
	}{
		{actions.ReadyPolicy{RequireTLS: true}, "requires TLS (HTTPS)"},
		{actions.ReadyPolicy{RequireSSEKMS: true}, "uploads must use SSE-KMS"},
		{actions.ReadyPolicy{DenySSEC: true}, "SSE-C uploads denied"},
		{actions.ReadyPolicy{RequireSSEKMS: true, KMSKeyARN: "arn:aws:kms:us-east-1:000000000000:key/k", RequireTLS: true},
			"requires TLS (HTTPS); uploads must use SSE-KMS with key arn:aws:kms:us-east-1:000000000000:key/k"},
	} {
		if got := actions.PolicySummary("b", c.o.Document("b"), actions.SandboxAccount); got != c.want {
			t.Errorf("%+v: %q, want %q", c.o, got, c.want)
		}
	}
	if got := actions.PolicySummary("b", "{", ""); !strings.HasPrefix(got, "cannot be read: ") {
		t.Errorf("a broken policy: %q", got)
	}
}
