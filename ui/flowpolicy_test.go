package ui

import (
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
