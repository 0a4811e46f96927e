package sandbox_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/s3crypt/s3crypt/sandbox"
)

// TestPolicyGovernsBucketActions: bucket-level requests are evaluated under
// the bucket policy as their IAM actions on the bucket's ARN
// (s3:ListBucket, s3:GetEncryptionConfiguration,
// s3:PutEncryptionConfiguration, s3:DeleteBucket, …): a Deny answers 403
// AccessDenied, statements on "bucket/*" do not reach them, and the owner
// can always read, replace and delete the policy itself, even under a
// policy that denies s3:* to everyone.
func TestPolicyGovernsBucketActions(t *testing.T) {
	e := newEnv(t)
	e.mkBucket("bact")
	b := aws.String("bact")
	listObjects := func() error {
		_, err := e.s3.ListObjectsV2(ctx(), &s3.ListObjectsV2Input{Bucket: b})
		return err
	}
	getEnc := func() error {
		_, err := e.s3.GetBucketEncryption(ctx(), &s3.GetBucketEncryptionInput{Bucket: b})
		return err
	}
	putEnc := func() error {
		_, err := e.s3.PutBucketEncryption(ctx(), &s3.PutBucketEncryptionInput{Bucket: b,
			ServerSideEncryptionConfiguration: &s3types.ServerSideEncryptionConfiguration{Rules: []s3types.ServerSideEncryptionRule{{
				ApplyServerSideEncryptionByDefault: &s3types.ServerSideEncryptionByDefault{SSEAlgorithm: "aws:kms"}}}}})
		return err
	}
	deleteBucket := func() error {
		_, err := e.s3.DeleteBucket(ctx(), &s3.DeleteBucketInput{Bucket: b})
		return err
	}
	versioning := func() error {
		_, err := e.s3.GetBucketVersioning(ctx(), &s3.GetBucketVersioningInput{Bucket: b})
		return err
	}

	// Object-level statements ("bact/*") do not govern bucket actions.
	if err := e.putPolicy("bact", `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::bact/*"}]}`); err != nil {
		t.Fatal(err)
	}
	for name, f := range map[string]func() error{"ListObjectsV2": listObjects, "GetBucketEncryption": getEnc, "GetBucketVersioning": versioning} {
		if err := f(); err != nil {
			t.Fatalf("%s under an object-only deny: %v", name, err)
		}
	}

	if err := e.putPolicy("bact", `{"Version":"2012-10-17","Statement":[{"Sid":"NoListNoEncRead","Effect":"Deny","Principal":"*",`+
		`"Action":["s3:ListBucket","s3:GetEncryptionConfiguration","s3:DeleteBucket"],"Resource":"arn:aws:s3:::bact"}]}`); err != nil {
		t.Fatal(err)
	}
	wantErr(t, listObjects(), "AccessDenied", 403)
	if m := errMessage(listObjects()); m != `User: arn:aws:iam::`+sandbox.AccountID+`:root is not authorized to perform: s3:ListBucket on resource: "arn:aws:s3:::bact" with an explicit deny in a resource-based policy` {
		t.Fatalf("message %q", m)
	}
	wantErr(t, getEnc(), "AccessDenied", 403)
	wantErr(t, deleteBucket(), "AccessDenied", 403)
	if err := putEnc(); err != nil {
		t.Fatalf("PutBucketEncryption is not denied: %v", err)
	}
	if err := versioning(); err != nil {
		t.Fatalf("GetBucketVersioning is not denied: %v", err)
	}

	// A policy denying everything still lets the owner manage the policy.
	if err := e.putPolicy("bact", `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*",`+
		`"Resource":["arn:aws:s3:::bact","arn:aws:s3:::bact/*"]}]}`); err != nil {
		t.Fatal(err)
	}
	wantErr(t, putEnc(), "AccessDenied", 403)
	wantErr(t, versioning(), "AccessDenied", 403)
	if _, err := e.s3.GetBucketPolicy(ctx(), &s3.GetBucketPolicyInput{Bucket: b}); err != nil {
		t.Fatalf("GetBucketPolicy under deny-all: %v", err)
	}
	if _, err := e.s3.DeleteBucketPolicy(ctx(), &s3.DeleteBucketPolicyInput{Bucket: b}); err != nil {
		t.Fatalf("DeleteBucketPolicy under deny-all: %v", err)
	}
	if err := deleteBucket(); err != nil {
		t.Fatalf("DeleteBucket once the policy is gone: %v", err)
	}
}
