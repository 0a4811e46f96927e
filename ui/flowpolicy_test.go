package ui

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/s3crypt/s3crypt/actions"
	"github.com/s3crypt/s3crypt/keyflow"
	"github.com/s3crypt/s3crypt/ui/styles"
)

// TestFlowShowsPolicyDecisions: a bucket policy's decision is a step on
// S3's lifeline naming the statement; a Deny is drawn refused.
func TestFlowShowsPolicyDecisions(t *testing.T) {
	st := styles.New(true)
	req := actions.Step{Actor: keyflow.You, To: keyflow.S3, Op: keyflow.OpRequest, Title: "PutObject", Observed: true}
	denied := actions.Step{Actor: keyflow.S3, Op: keyflow.OpPolicyChecked, Title: "PolicyChecked", Observed: true,
		Err: `AccessDenied: the bucket policy of b denies s3:PutObject: "DenyNotKMS" (statement 1): StringNotEquals …`}
	v := flowView{Spec: flowSpec{Mode: flowS3, Subject: "put"}, Steps: []actions.Step{req, denied}, State: jobFailed, Shown: 2,
		Err: errors.New("AccessDenied")}
	s := ansi.Strip(renderFlow(st, v, 0, 80, 18))
	if !strings.Contains(s, "bucket policy: DenyNotKMS denies") || !strings.Contains(s, styles.IconFail) {
		t.Fatalf("denied decision not drawn refused with its Sid:\n%s", s)
	}
	for _, c := range []struct{ detail, want string }{
		{`the bucket policy of b allows s3:GetObject: statement 2`, "bucket policy: statement 2 allows"},
		{`no statement of the bucket policy of b applies to s3:PutObject; …`, "bucket policy: no statement applies"},
	} {
		got := stepLabel(actions.Step{Op: keyflow.OpPolicyChecked, Detail: c.detail})
		if got != c.want {
			t.Errorf("label of %q = %q, want %q", c.detail, got, c.want)
		}
	}
}

// TestBucketViewShowsPolicy: the bucket list reads each bucket's policy
// (through actions) and the details say what it enforces, one line per
// statement; a bucket without a policy shows no policy line.
func TestBucketViewShowsPolicy(t *testing.T) {
	b := sandboxBackend(t)
	env := &actions.Env{Backend: b}
	ctx := context.Background()
	for _, a := range []actions.Action{&actions.MakeBucket{Bucket: "withpol"}, &actions.MakeBucket{Bucket: "nopol"},
		&actions.PutBucketPolicy{Bucket: "withpol", RequireSSEKMS: true, RequireTLS: true}} {
		if _, err := actions.RunSync(ctx, env, a, nil); err != nil {
			t.Fatalf("%s: %v", a.Describe(), err)
		}
	}
	rows, err := NewData(b).ListBuckets(ctx)
	if err != nil || len(rows) != 2 || rows[0].Name != "nopol" {
		t.Fatalf("rows %+v, %v", rows, err)
	}
	st := styles.New(true)
	with := ansi.Strip(bucketDetails(st, rows[1], nil, 200))
	for _, want := range []string{"policy      requires TLS (HTTPS); uploads must use SSE-KMS",
		"DenyInsecureTransport: Deny s3:* when Bool aws:SecureTransport false",
		"DenyUploadsWithoutSSEKMS: Deny s3:PutObject when StringNotEquals s3:x-amz-server-side-encryption aws:kms"} {
		if !strings.Contains(with, want) {
			t.Errorf("details lack %q:\n%s", want, with)
		}
	}
	if without := ansi.Strip(bucketDetails(st, rows[0], nil, 200)); strings.Contains(without, "policy") {
		t.Errorf("a bucket without a policy shows one:\n%s", without)
	}
}
