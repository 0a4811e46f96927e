package actions

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/s3crypt/s3crypt/awsclient"
	"github.com/s3crypt/s3crypt/bucketpolicy"
)

// PolicyEnforcement is what a bucket policy enforces (TLS required, which
// upload encryptions are denied, the KMS keys SSE-KMS must use).
type PolicyEnforcement = bucketpolicy.Enforcement

// PolicyEnforces works out what the bucket policy doc of bucket enforces
// on the requests of account (its root; "" = only what it enforces on
// everyone). It is what the bucket view and audits call; a document that
// does not parse is an error saying why.
func PolicyEnforces(bucket, doc, account string) (PolicyEnforcement, error) {
	p, err := bucketpolicy.Parse([]byte(doc), bucket)
	if err != nil {
		return PolicyEnforcement{}, err
	}
	return p.Enforces(bucket, account), nil
}

// PolicySummary says in one line what a bucket policy enforces, e.g.
// "requires TLS (HTTPS); uploads must use SSE-KMS with key arn:…".
func PolicySummary(bucket, doc, account string) string {
	e, err := PolicyEnforces(bucket, doc, account)
	if err != nil {
		return "cannot be read: " + err.Error()
	}
	return e.Summary()
}

// accountOf is the account whose root the backend's credentials are,
// when s3crypt knows it without a request (the sandbox's).
func accountOf(env *Env) string {
	if env.Backend != nil && env.Backend.Kind == awsclient.KindSandbox {
		return SandboxAccount
	}
	return ""
}

// BucketPolicyResult is a bucket's policy after an action read or changed
// it, with what it enforces.
type BucketPolicyResult struct {
	Bucket string `json:"bucket"`
	// Policy is the document as the endpoint returns it ("" = none).
	Policy   string             `json:"policy,omitempty"`
	Enforces *PolicyEnforcement `json:"enforces,omitempty"`
	// Summary is what it enforces in one line.
	Summary string `json:"summary"`
	// IsPublic is GetBucketPolicyStatus's answer (nil: not asked or the
	// endpoint cannot tell).
	IsPublic *bool    `json:"isPublic,omitempty"`
	Notes    []string `json:"notes,omitempty"`
}

// NoBucketPolicy is how s3crypt says a bucket has none.
const NoBucketPolicy = "no bucket policy"

// getBucketPolicy reads a bucket's policy ("" and no error when it has none).
func getBucketPolicy(ctx context.Context, env *Env, r *Reporter, bucket string) (string, error) {
	out, err := env.Backend.S3.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: &bucket}, withJob(r))
	if err != nil {
		if code, _, _ := apiError(err); code == "NoSuchBucketPolicy" {
			return "", nil
		}
		return "", err
	}
	return aws.ToString(out.Policy), nil
}

// policyResult describes doc (and asks whether it makes the bucket public).
func policyResult(ctx context.Context, env *Env, r *Reporter, bucket, doc string) BucketPolicyResult {
	res := BucketPolicyResult{Bucket: bucket, Policy: doc, Summary: NoBucketPolicy}
	if doc == "" {
		res.Notes = []string{"without a policy, the bucket's account's own credentials may do everything IAM allows them; encryption is then only the bucket default's"}
		return res
	}
	e, err := PolicyEnforces(bucket, doc, accountOf(env))
	if err != nil {
		res.Summary = "cannot be read here: " + err.Error()
	} else {
		res.Enforces, res.Summary = &e, e.Summary()
	}
	if st, err := env.Backend.S3.GetBucketPolicyStatus(ctx, &s3.GetBucketPolicyStatusInput{Bucket: &bucket}, withJob(r)); err == nil && st.PolicyStatus != nil {
		res.IsPublic = st.PolicyStatus.IsPublic
	}
	res.Notes = append(res.Notes, "condition keys such as s3:x-amz-server-side-encryption test the request's headers, not the encryption S3 applies by default: an upload without the header is denied even when the bucket default would encrypt it")
	if e.TLSRequired {
		res.Notes = append(res.Notes, "aws:SecureTransport is false for plain HTTP requests: they are denied, HTTPS ones are not")
	}
	return res
}

// GetBucketPolicy reads a bucket's policy (`s3crypt bucket-policy get`).
type GetBucketPolicy struct{ Bucket string }

// Describe implements Action.
func (g *GetBucketPolicy) Describe() string { return "show the bucket policy of s3://" + g.Bucket }

// Run implements Action.
func (g *GetBucketPolicy) Run(ctx context.Context, env *Env, r *Reporter) (any, error) {
	r.Command(AWSCommand(env, "s3api", "get-bucket-policy", "--bucket", g.Bucket))
	r.Step(Step{Actor: You, To: S3, Op: OpRequest, Title: "GetBucketPolicy", Observed: true, Detail: "you ask S3 for the bucket's policy"})
	doc, err := getBucketPolicy(ctx, env, r, g.Bucket)
	if err != nil {
		return nil, diagnoseBucket(g.Describe(), err, Hint{Bucket: g.Bucket})
	}
	res := policyResult(ctx, env, r, g.Bucket, doc)
	title := "200 OK"
	if doc == "" {
		title = "404 no policy"
	}
	r.Step(Step{Actor: S3, To: You, Op: OpResponse, Title: title, Observed: true, Detail: "the policy: " + res.Summary})
	return res, nil
}

// DeleteBucketPolicy deletes a bucket's policy (`s3crypt bucket-policy delete`).
type DeleteBucketPolicy struct{ Bucket string }

// Describe implements Action.
func (d *DeleteBucketPolicy) Describe() string { return "delete the bucket policy of s3://" + d.Bucket }

// Run implements Action.
func (d *DeleteBucketPolicy) Run(ctx context.Context, env *Env, r *Reporter) (any, error) {
	r.Command(AWSCommand(env, "s3api", "delete-bucket-policy", "--bucket", d.Bucket))
	r.Step(Step{Actor: You, To: S3, Op: OpRequest, Title: "DeleteBucketPolicy", Observed: true, Detail: "you ask S3 to drop the bucket's policy"})
	if _, err := env.Backend.S3.DeleteBucketPolicy(ctx, &s3.DeleteBucketPolicyInput{Bucket: &d.Bucket}, withJob(r)); err != nil {
		return nil, diagnoseBucket(d.Describe(), err, Hint{Bucket: d.Bucket, Write: true})
	}
	doc, err := getBucketPolicy(ctx, env, r, d.Bucket)
	if err != nil {
		return nil, diagnoseBucket(d.Describe(), err, Hint{Bucket: d.Bucket})
	}
	res := policyResult(ctx, env, r, d.Bucket, doc)
	detail := "S3 deleted the policy; read back: " + NoBucketPolicy
	if doc != "" {
		detail = "S3 answered 204, but the read-back still shows a policy: " + res.Summary
		res.Notes = append([]string{"asked to delete the policy, the endpoint ignored it"}, res.Notes...)
	}
	r.Step(Step{Actor: S3, To: You, Op: OpResponse, Title: "204 No Content", Observed: true, Detail: detail})
	return res, nil
}

// PutBucketPolicy sets a bucket's policy (`s3crypt bucket-policy put`):
// the document in File or JSON, or one s3crypt writes from the Require
// and Deny options.
type PutBucketPolicy struct {
	Bucket string
	File   string // a JSON policy document
	JSON   []byte // the document itself (from standard input)
	// RequireSSEKMS denies uploads whose x-amz-server-side-encryption is
	// not aws:kms; with KMSKey, also those that do not name that key.
	RequireSSEKMS bool
	KMSKey        string // id, alias or ARN; the policy names its ARN
	RequireTLS    bool   // denies every request over plain HTTP
	DenySSEC      bool   // denies uploads with an SSE-C key
}

// Describe implements Action.
func (p *PutBucketPolicy) Describe() string { return "set the bucket policy of s3://" + p.Bucket }

// Run implements Action.
func (p *PutBucketPolicy) Run(ctx context.Context, env *Env, r *Reporter) (any, error) {
	doc, source, err := p.document(ctx, env, r)
	if err != nil {
		return nil, err
	}
	arg := doc
	if source != "" {
		arg = "file://" + source
	}
	r.Command(AWSCommand(env, "s3api", "put-bucket-policy", "--bucket", p.Bucket, "--policy", arg))
	summary := PolicySummary(p.Bucket, doc, accountOf(env))
	r.Step(Step{Actor: You, To: S3, Op: OpRequest, Title: "PutBucketPolicy", Observed: true, Detail: "you send the policy: " + summary})
	if _, err := env.Backend.S3.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: &p.Bucket, Policy: &doc}, withJob(r)); err != nil {
		return nil, diagnosePolicy(p.Describe(), err, p.Bucket)
	}
	got, err := getBucketPolicy(ctx, env, r, p.Bucket)
	if err != nil {
		return nil, diagnoseBucket(p.Describe(), err, Hint{Bucket: p.Bucket})
	}
	res := policyResult(ctx, env, r, p.Bucket, got)
	detail := "S3 stored the policy; it applies to the next request"
	if got == "" {
		detail = "S3 answered 204, but the read-back shows no policy"
		res.Notes = append([]string{"asked to set a policy, the endpoint ignored it: GetBucketPolicy answers NoSuchBucketPolicy"}, res.Notes...)
	}
	r.Step(Step{Actor: S3, To: You, Op: OpResponse, Title: "204 No Content", Observed: true, Detail: detail})
	return res, nil
}

// document is the policy to send and the file it came from ("" when
// s3crypt wrote it or it came from standard input).
func (p *PutBucketPolicy) document(ctx context.Context, env *Env, r *Reporter) (doc, source string, err error) {
	switch {
	case p.JSON != nil:
		return string(p.JSON), "", nil
	case p.File != "":
		b, err := os.ReadFile(p.File)
		if err != nil {
			return "", "", &Error{Op: p.Describe(), What: "cannot read " + p.File, Why: errorCause(err), Err: err}
		}
		abs, _ := filepath.Abs(p.File)
		return string(b), abs, nil
	}
	o := ReadyPolicy{RequireSSEKMS: p.RequireSSEKMS, RequireTLS: p.RequireTLS, DenySSEC: p.DenySSEC}
	if p.KMSKey != "" {
		if !p.RequireSSEKMS {
			return "", "", &Error{Op: p.Describe(), What: "a KMS key applies only with --require-sse-kms", Fix: "Add --require-sse-kms, or drop --key"}
		}
		o.KMSKeyARN = p.KMSKey
		if !strings.HasPrefix(p.KMSKey, "arn:") {
			// The condition compares the key's ARN: S3 names the key it
			// uses by ARN (SSE-SPEC §1.3), so an id or alias is resolved.
			out, err := env.Backend.KMS.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: &p.KMSKey}, withKMSJob(r))
			if err != nil {
				return "", "", Diagnose(p.Describe(), err, Hint{Bucket: p.Bucket, KMSKey: p.KMSKey})
			}
			o.KMSKeyARN = aws.ToString(out.KeyMetadata.Arn)
		}
	}
	if !o.RequireSSEKMS && !o.RequireTLS && !o.DenySSEC {
		return "", "", &Error{Op: p.Describe(), What: "no policy given", Fix: "Give a file (or - for standard input), or --require-sse-kms, --require-tls, --deny-sse-c"}
	}
	return o.Document(p.Bucket), "", nil
}

// diagnosePolicy explains a refused policy.
func diagnosePolicy(op string, err error, bucket string) error {
	d := diagnoseBucket(op, err, Hint{Bucket: bucket, Write: true})
	var e *Error
	if errors.As(d, &e) && e.Code == "MalformedPolicy" && e.Fix == "" {
		e.Why = "S3 checks the policy's JSON, its elements, that each Resource is this bucket (arn:aws:s3:::" + bucket + " or arn:aws:s3:::" + bucket + "/…) and that each Action applies to one of them"
		e.Fix = "Fix the policy, or start from a ready-made one: s3crypt bucket-policy put s3://" + bucket + " --require-sse-kms --require-tls"
	}
	return d
}

// ReadyPolicy is a policy s3crypt writes for the usual encryption rules.
type ReadyPolicy struct {
	RequireSSEKMS bool
	KMSKeyARN     string // with RequireSSEKMS: the only key allowed
	RequireTLS    bool
	DenySSEC      bool
}

type policyStatement struct {
	Sid       string
	Effect    string
	Principal string
	Action    string
	Resource  any
	Condition map[string]map[string]string
}

// Document is the policy as JSON: one Deny statement per rule, in the
// form AWS's user guide gives them.
func (o ReadyPolicy) Document(bucket string) string {
	arn := "arn:aws:s3:::" + bucket
	deny := func(sid, action string, resource any, op, key, value string) policyStatement {
		return policyStatement{Sid: sid, Effect: "Deny", Principal: "*", Action: action, Resource: resource,
			Condition: map[string]map[string]string{op: {key: value}}}
	}
	var sts []policyStatement
	if o.RequireTLS {
		sts = append(sts, deny("DenyInsecureTransport", "s3:*", []string{arn, arn + "/*"}, "Bool", "aws:SecureTransport", "false"))
	}
	if o.RequireSSEKMS {
		sts = append(sts, deny("DenyUploadsWithoutSSEKMS", "s3:PutObject", arn+"/*", "StringNotEquals", "s3:x-amz-server-side-encryption", "aws:kms"))
		if o.KMSKeyARN != "" {
			sts = append(sts, deny("DenyOtherKMSKeys", "s3:PutObject", arn+"/*", "StringNotEquals", "s3:x-amz-server-side-encryption-aws-kms-key-id", o.KMSKeyARN))
		}
	}
	if o.DenySSEC {
		sts = append(sts, deny("DenySSEC", "s3:PutObject", arn+"/*", "Null", "s3:x-amz-server-side-encryption-customer-algorithm", "false"))
	}
	b, _ := json.Marshal(struct {
		Version   string
		Statement []policyStatement
	}{"2012-10-17", sts})
	return string(b)
}
