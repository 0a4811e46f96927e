package sandbox_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/s3crypt/s3crypt/keyflow"
	"github.com/s3crypt/s3crypt/sandbox"
)

// requireKMS is the policy AWS's user guide gives for "only SSE-KMS
// uploads": a Deny of s3:PutObject when the header is not aws:kms.
func requireKMS(bucket string) string {
	return `{"Version":"2012-10-17","Statement":[{"Sid":"DenyNotKMS","Effect":"Deny","Principal":"*","Action":"s3:PutObject",
"Resource":"arn:aws:s3:::` + bucket + `/*","Condition":{"StringNotEquals":{"s3:x-amz-server-side-encryption":"aws:kms"}}}]}`
}

func (e *env) putPolicy(bucket, doc string) error {
	_, err := e.s3.PutBucketPolicy(ctx(), &s3.PutBucketPolicyInput{Bucket: aws.String(bucket), Policy: aws.String(doc)})
	return err
}

// TestBucketPolicyVerbs: Put/Get/Delete/GetBucketPolicyStatus answer as
// S3 does, and the policy survives a restart of the sandbox.
func TestBucketPolicyVerbs(t *testing.T) {
	dir := t.TempDir()
	e := newEnv(t, func(o *sandbox.Options) { o.Dir = dir })
	e.mkBucket("pol")
	_, err := e.s3.GetBucketPolicy(ctx(), &s3.GetBucketPolicyInput{Bucket: aws.String("pol")})
	wantErr(t, err, "NoSuchBucketPolicy", 404)
	_, err = e.s3.GetBucketPolicyStatus(ctx(), &s3.GetBucketPolicyStatusInput{Bucket: aws.String("pol")})
	wantErr(t, err, "NoSuchBucketPolicy", 404)
	wantErr(t, e.putPolicy("nope", requireKMS("nope")), "NoSuchBucket", 404)

	doc := requireKMS("pol")
	if err := e.putPolicy("pol", doc); err != nil {
		t.Fatalf("PutBucketPolicy: %v", err)
	}
	got, err := e.s3.GetBucketPolicy(ctx(), &s3.GetBucketPolicyInput{Bucket: aws.String("pol")})
	if err != nil || aws.ToString(got.Policy) != doc {
		t.Fatalf("GetBucketPolicy = %q, %v; want the document as put", aws.ToString(got.Policy), err)
	}
	st, err := e.s3.GetBucketPolicyStatus(ctx(), &s3.GetBucketPolicyStatusInput{Bucket: aws.String("pol")})
	if err != nil || aws.ToBool(st.PolicyStatus.IsPublic) {
		t.Fatalf("a Deny-only policy: IsPublic %v, %v; want false", st, err)
	}
	public := `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::pol/*"}]}`
	if err := e.putPolicy("pol", public); err != nil {
		t.Fatal(err)
	}
	st, err = e.s3.GetBucketPolicyStatus(ctx(), &s3.GetBucketPolicyStatusInput{Bucket: aws.String("pol")})
	if err != nil || !aws.ToBool(st.PolicyStatus.IsPublic) {
		t.Fatalf("Allow to *: IsPublic %v, %v; want true", st, err)
	}

	// Stored in the bucket's record: a new sandbox on the same data has it.
	e.sb.Close()
	e2 := newEnv(t, func(o *sandbox.Options) { o.Dir = dir })
	got, err = e2.s3.GetBucketPolicy(ctx(), &s3.GetBucketPolicyInput{Bucket: aws.String("pol")})
	if err != nil || aws.ToString(got.Policy) != public {
		t.Fatalf("after restart: %q, %v", aws.ToString(got.Policy), err)
	}
	if _, err := e2.s3.DeleteBucketPolicy(ctx(), &s3.DeleteBucketPolicyInput{Bucket: aws.String("pol")}); err != nil {
		t.Fatalf("DeleteBucketPolicy: %v", err)
	}
	_, err = e2.s3.GetBucketPolicy(ctx(), &s3.GetBucketPolicyInput{Bucket: aws.String("pol")})
	wantErr(t, err, "NoSuchBucketPolicy", 404)
}

// TestMalformedPolicies: what S3 refuses, with its messages.
func TestMalformedPolicies(t *testing.T) {
	e := newEnv(t)
	e.mkBucket("mal")
	st := func(extra string) string {
		return `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::mal/*"` + extra + `}]}`
	}
	for _, c := range []struct{ doc, msg string }{
		{`not json`, "Policies must be valid JSON and the first byte must be '{'"},
		{`[{"Effect":"Allow"}]`, "Policies must be valid JSON and the first byte must be '{'"},
		{`{"Version":"2012-10-17"}`, "Missing required field Statement"},
		{`{"Statement":[]}`, "Could not parse the policy: Statement is empty!"},
		{`{"Version":"2011-01-01","Statement":[]}`, "The policy must contain a valid version string"},
		{`{"Statement":[{"Effect":"Deny","Action":"s3:PutObject","Resource":"arn:aws:s3:::mal/*"}]}`, "Missing required field Principal"},
		{`{"Statement":[{"Effect":"deny","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::mal/*"}]}`, "Invalid effect: deny"},
		{`{"Statement":["x"]}`, "Invalid policy syntax."},
		{st(`,"Foo":1`), "Unknown field Foo"},
		{strings.Replace(st(""), `"s3:PutObject"`, `"ec2:RunInstances"`, 1), "Policy has invalid action"},
		{strings.Replace(st(""), `mal/*`, `other/*`, 1), "Policy has invalid resource"},
		{strings.Replace(st(""), `arn:aws:s3:::mal/*`, `arn:aws:s3:::mal`, 1), "Action does not apply to any resource(s) in statement"},
		{strings.Replace(st(""), `"*"`, `{"AWS":"bob"}`, 1), "Invalid principal in policy"},
		{st(`,"Condition":{"StringEqualz":{"s3:x-amz-server-side-encryption":"aws:kms"}}`), "Invalid Condition type : StringEqualz"},
	} {
		err := e.putPolicy("mal", c.doc)
		wantErr(t, err, "MalformedPolicy", 400)
		if !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: got %v, want message %q", c.doc, err, c.msg)
		}
	}
	_, err := e.s3.GetBucketPolicy(ctx(), &s3.GetBucketPolicyInput{Bucket: aws.String("mal")})
	wantErr(t, err, "NoSuchBucketPolicy", 404)
}

// TestPolicyRequiresSSEKMS: the user guide's policy refuses a PutObject
// without the header even though the bucket default would encrypt it
// (condition keys test request headers), refuses SSE-S3, and lets
// SSE-KMS through; CopyObject and multipart uploads are held to it too.
func TestPolicyRequiresSSEKMS(t *testing.T) {
	e := newEnv(t)
	e.mkBucket("kmsonly")
	e.mkBucket("src")
	if err := e.putPolicy("kmsonly", requireKMS("kmsonly")); err != nil {
		t.Fatal(err)
	}
	body := []byte("policy test")
	_, err := put(e, "kmsonly", "plain", body, nil)
	wantErr(t, err, "AccessDenied", 403)
	if !strings.Contains(err.Error(), `User: arn:aws:iam::000000000000:root is not authorized to perform: s3:PutObject on resource: "arn:aws:s3:::kmsonly/plain" with an explicit deny in a resource-based policy`) {
		t.Fatalf("message: %v", err)
	}
	_, err = put(e, "kmsonly", "s3", body, func(p *s3.PutObjectInput) { p.ServerSideEncryption = s3types.ServerSideEncryptionAes256 })
	wantErr(t, err, "AccessDenied", 403)
	if _, err := put(e, "kmsonly", "kms", body, func(p *s3.PutObjectInput) { p.ServerSideEncryption = "aws:kms" }); err != nil {
		t.Fatalf("SSE-KMS PutObject: %v", err)
	}
	_, err = e.s3.HeadObject(ctx(), &s3.HeadObjectInput{Bucket: aws.String("kmsonly"), Key: aws.String("plain")})
	wantErr(t, err, "NotFound", 404) // nothing was written

	// CopyObject into the bucket is a PutObject there.
	if _, err := put(e, "src", "o", body, nil); err != nil {
		t.Fatal(err)
	}
	_, err = e.s3.CopyObject(ctx(), &s3.CopyObjectInput{Bucket: aws.String("kmsonly"), Key: aws.String("copy"), CopySource: aws.String("src/o")})
	wantErr(t, err, "AccessDenied", 403)
	if _, err := e.s3.CopyObject(ctx(), &s3.CopyObjectInput{Bucket: aws.String("kmsonly"), Key: aws.String("copy"),
		CopySource: aws.String("src/o"), ServerSideEncryption: "aws:kms"}); err != nil {
		t.Fatalf("SSE-KMS CopyObject: %v", err)
	}

	// CreateMultipartUpload needs the header; its parts are held to the
	// upload's headers.
	_, err = e.s3.CreateMultipartUpload(ctx(), &s3.CreateMultipartUploadInput{Bucket: aws.String("kmsonly"), Key: aws.String("mp")})
	wantErr(t, err, "AccessDenied", 403)
	cu, err := e.s3.CreateMultipartUpload(ctx(), &s3.CreateMultipartUploadInput{Bucket: aws.String("kmsonly"), Key: aws.String("mp"), ServerSideEncryption: "aws:kms"})
	if err != nil {
		t.Fatal(err)
	}
	up, err := e.s3.UploadPart(ctx(), &s3.UploadPartInput{Bucket: aws.String("kmsonly"), Key: aws.String("mp"), UploadId: cu.UploadId,
		PartNumber: aws.Int32(1), Body: bytes.NewReader(body)})
	if err != nil {
		t.Fatalf("UploadPart of an SSE-KMS upload: %v", err)
	}
	if _, err := e.s3.CompleteMultipartUpload(ctx(), &s3.CompleteMultipartUploadInput{Bucket: aws.String("kmsonly"), Key: aws.String("mp"),
		UploadId: cu.UploadId, MultipartUpload: &s3types.CompletedMultipartUpload{Parts: []s3types.CompletedPart{{ETag: up.ETag, PartNumber: aws.Int32(1)}}}}); err != nil {
		t.Fatalf("CompleteMultipartUpload: %v", err)
	}
	// Reads are not PutObject: GetObject and HeadObject pass.
	data, _, err := e.get(&s3.GetObjectInput{Bucket: aws.String("kmsonly"), Key: aws.String("mp")})
	if err != nil {
		t.Fatal(err)
	}
	mustEqual(t, "multipart object", data, body)
}

// TestPolicyDeniesReadsAndPartsAndCopySources: a Deny of s3:GetObject
// holds for GetObject, HeadObject (403, no body), and a copy's source;
// a Deny of s3:PutObject on a prefix holds for UploadPart and
// UploadPartCopy of an upload created before the policy.
func TestPolicyDeniesReadsAndPartsAndCopySources(t *testing.T) {
	e := newEnv(t)
	e.mkBucket("rdx")
	for _, k := range []string{"secret/a", "open/b"} {
		if _, err := put(e, "rdx", k, []byte(k), nil); err != nil {
			t.Fatal(err)
		}
	}
	cu, err := e.s3.CreateMultipartUpload(ctx(), &s3.CreateMultipartUploadInput{Bucket: aws.String("rdx"), Key: aws.String("secret/mp")})
	if err != nil {
		t.Fatal(err)
	}
	doc := `{"Version":"2012-10-17","Statement":[
{"Sid":"NoSecrets","Effect":"Deny","Principal":{"AWS":"arn:aws:iam::000000000000:root"},"Action":["s3:Get*","s3:PutObject"],"Resource":"arn:aws:s3:::rdx/secret/*"}]}`
	if err := e.putPolicy("rdx", doc); err != nil {
		t.Fatal(err)
	}
	_, _, err = e.get(&s3.GetObjectInput{Bucket: aws.String("rdx"), Key: aws.String("secret/a")})
	wantErr(t, err, "AccessDenied", 403)
	_, err = e.s3.HeadObject(ctx(), &s3.HeadObjectInput{Bucket: aws.String("rdx"), Key: aws.String("secret/a")})
	wantErr(t, err, "Forbidden", 403)
	if _, _, err := e.get(&s3.GetObjectInput{Bucket: aws.String("rdx"), Key: aws.String("open/b")}); err != nil {
		t.Fatalf("GetObject outside the denied prefix: %v", err)
	}
	_, err = e.s3.CopyObject(ctx(), &s3.CopyObjectInput{Bucket: aws.String("rdx"), Key: aws.String("open/c"), CopySource: aws.String("rdx/secret/a")})
	wantErr(t, err, "AccessDenied", 403)
	_, err = e.s3.UploadPart(ctx(), &s3.UploadPartInput{Bucket: aws.String("rdx"), Key: aws.String("secret/mp"), UploadId: cu.UploadId,
		PartNumber: aws.Int32(1), Body: bytes.NewReader([]byte("x"))})
	wantErr(t, err, "AccessDenied", 403)
	_, err = e.s3.UploadPartCopy(ctx(), &s3.UploadPartCopyInput{Bucket: aws.String("rdx"), Key: aws.String("secret/mp"), UploadId: cu.UploadId,
		PartNumber: aws.Int32(1), CopySource: aws.String("rdx/open/b")})
	wantErr(t, err, "AccessDenied", 403)
	// NotAction: deny everything but reads on open/.
	doc = `{"Statement":[{"Effect":"Deny","Principal":"*","NotAction":"s3:GetObject","Resource":"arn:aws:s3:::rdx/open/*"}]}`
	if err := e.putPolicy("rdx", doc); err != nil {
		t.Fatal(err)
	}
	_, err = put(e, "rdx", "open/new", []byte("x"), nil)
	wantErr(t, err, "AccessDenied", 403)
	if _, _, err := e.get(&s3.GetObjectInput{Bucket: aws.String("rdx"), Key: aws.String("open/b")}); err != nil {
		t.Fatalf("GetObject under NotAction s3:GetObject: %v", err)
	}
}

// TestPolicyTransportKeys: aws:SecureTransport false refuses plain HTTP
// and not HTTPS; s3:authType tells presigned requests apart;
// s3:signatureversion and s3:TlsVersion are what the request used.
func TestPolicyTransportKeys(t *testing.T) {
	e := newEnv(t)
	e.mkBucket("tls")
	doc := `{"Version":"2012-10-17","Statement":[{"Sid":"RequireTLS","Effect":"Deny","Principal":"*","Action":"s3:*",
"Resource":["arn:aws:s3:::tls","arn:aws:s3:::tls/*"],"Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`
	if err := e.putPolicy("tls", doc); err != nil {
		t.Fatal(err)
	}
	if _, err := put(e, "tls", "k", []byte("x"), nil); err != nil {
		t.Fatalf("HTTPS PutObject: %v", err)
	}
	plain := e.httpS3()
	_, err := plain.PutObject(ctx(), &s3.PutObjectInput{Bucket: aws.String("tls"), Key: aws.String("k"), Body: bytes.NewReader([]byte("x"))})
	wantErr(t, err, "AccessDenied", 403)
	_, err = plain.GetObject(ctx(), &s3.GetObjectInput{Bucket: aws.String("tls"), Key: aws.String("k")})
	wantErr(t, err, "AccessDenied", 403)

	for _, c := range []struct {
		cond    string
		get     func() error
		refused bool
	}{
		{`{"StringEquals":{"s3:authType":"REST-QUERY-STRING"}}`, func() error { return e.presignedGet("tls", "k") }, true},
		{`{"StringEquals":{"s3:authType":"REST-QUERY-STRING"}}`, func() error {
			_, _, err := e.get(&s3.GetObjectInput{Bucket: aws.String("tls"), Key: aws.String("k")})
			return err
		}, false},
		{`{"StringNotEquals":{"s3:signatureversion":"AWS4-HMAC-SHA256"}}`, func() error {
			_, _, err := e.get(&s3.GetObjectInput{Bucket: aws.String("tls"), Key: aws.String("k")})
			return err
		}, false},
		{`{"NumericLessThan":{"s3:TlsVersion":"1.2"}}`, func() error {
			_, _, err := e.get(&s3.GetObjectInput{Bucket: aws.String("tls"), Key: aws.String("k")})
			return err
		}, false},
		{`{"NumericGreaterThanEquals":{"s3:TlsVersion":"1.2"}}`, func() error {
			_, _, err := e.get(&s3.GetObjectInput{Bucket: aws.String("tls"), Key: aws.String("k")})
			return err
		}, true},
	} {
		doc := `{"Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::tls/*","Condition":` + c.cond + `}]}`
		if err := e.putPolicy("tls", doc); err != nil {
			t.Fatal(err)
		}
		err := c.get()
		if c.refused {
			if err == nil || !strings.Contains(err.Error(), "AccessDenied") {
				t.Errorf("%s: want AccessDenied, got %v", c.cond, err)
			}
		} else if err != nil {
			t.Errorf("%s: refused: %v", c.cond, err)
		}
	}
}

// presignedGet GETs an object through a presigned URL.
func (e *env) presignedGet(bucket, key string) error {
	ps := s3.NewPresignClient(e.s3, func(o *s3.PresignOptions) {
		o.Presigner = v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
	})
	req, err := ps.PresignGetObject(ctx(), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)}, s3.WithPresignExpires(time.Minute))
	if err != nil {
		return err
	}
	resp, err := e.sb.HTTPClient().Get(req.URL)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode == 403 {
		return fmt.Errorf("api error AccessDenied: %d", resp.StatusCode)
	}
	return nil
}

// TestPolicySSECAndKeyConditions: Null on the customer-algorithm key
// refuses SSE-C; the KMS key id condition compares the key's ARN, also
// when the request names the key by alias.
func TestPolicySSECAndKeyConditions(t *testing.T) {
	e := newEnv(t)
	e.mkBucket("keys")
	e.allowSSEC("keys")
	keyID := e.createKey("alias/pol")
	other := e.createKey("")
	arn := "arn:aws:kms:" + e.sb.Region() + ":000000000000:key/" + keyID
	doc := `{"Version":"2012-10-17","Statement":[
{"Sid":"DenySSEC","Effect":"Deny","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::keys/*","Condition":{"Null":{"s3:x-amz-server-side-encryption-customer-algorithm":"false"}}},
{"Sid":"OnlyMyKey","Effect":"Deny","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::keys/*","Condition":{"StringNotEquals":{"s3:x-amz-server-side-encryption-aws-kms-key-id":"` + arn + `"},"Null":{"s3:x-amz-server-side-encryption-aws-kms-key-id":"false"}}}]}`
	if err := e.putPolicy("keys", doc); err != nil {
		t.Fatal(err)
	}
	key, sum := ssecKey()
	_, err := put(e, "keys", "c", []byte("x"), func(p *s3.PutObjectInput) {
		p.SSECustomerAlgorithm, p.SSECustomerKey, p.SSECustomerKeyMD5 = aws.String("AES256"), aws.String(key), aws.String(sum)
	})
	wantErr(t, err, "AccessDenied", 403)
	if _, err := put(e, "keys", "s3", []byte("x"), nil); err != nil {
		t.Fatalf("no SSE-C, no key named: %v", err)
	}
	for name, id := range map[string]string{"alias": "alias/pol", "id": keyID, "arn": arn} {
		if _, err := put(e, "keys", name, []byte("x"), func(p *s3.PutObjectInput) { p.ServerSideEncryption = "aws:kms"; p.SSEKMSKeyId = aws.String(id) }); err != nil {
			t.Errorf("the allowed key named by %s: %v", name, err)
		}
	}
	_, err = put(e, "keys", "other", []byte("x"), func(p *s3.PutObjectInput) { p.ServerSideEncryption = "aws:kms"; p.SSEKMSKeyId = aws.String(other) })
	wantErr(t, err, "AccessDenied", 403)
}

// TestPolicyDecisionsOnTrace: each decision is a PolicyChecked step that
// names the statement; a bucket without a policy adds none.
func TestPolicyDecisionsOnTrace(t *testing.T) {
	e := newEnv(t)
	e.mkBucket("trp")
	e.mkBucket("nopol")
	doc := `{"Statement":[{"Sid":"DenyNotKMS","Effect":"Deny","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::trp/*",
"Condition":{"StringNotEquals":{"s3:x-amz-server-side-encryption":"aws:kms"}}},
{"Sid":"ReadAll","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::trp/*"}]}`
	if err := e.putPolicy("trp", doc); err != nil {
		t.Fatal(err)
	}
	sub := e.sb.Trace().Subscribe(256)
	defer sub.Close()
	next := func(key string) keyflow.Event {
		t.Helper()
		deadline := time.After(2 * time.Second)
		for {
			select {
			case ev := <-sub.C:
				if ev.Key == key && ev.Op == keyflow.OpPolicyChecked {
					return ev
				}
			case <-deadline:
				t.Fatalf("no PolicyChecked step for %s", key)
			}
		}
	}
	_, _ = put(e, "trp", "a", []byte("x"), nil)
	ev := next("a")
	if !strings.Contains(ev.Err, `"DenyNotKMS" (statement 1)`) || !strings.Contains(ev.Err, "the request has no s3:x-amz-server-side-encryption") || ev.Request != "PutObject" {
		t.Fatalf("denied step: %+v", ev)
	}
	if _, err := put(e, "trp", "b", []byte("x"), func(p *s3.PutObjectInput) { p.ServerSideEncryption = "aws:kms" }); err != nil {
		t.Fatal(err)
	}
	if ev := next("b"); ev.Err != "" || !strings.Contains(ev.Detail, "no statement of the bucket policy of trp applies to s3:PutObject") {
		t.Fatalf("allowed step: %+v", ev)
	}
	if _, _, err := e.get(&s3.GetObjectInput{Bucket: aws.String("trp"), Key: aws.String("b")}); err != nil {
		t.Fatal(err)
	}
	if ev := next("b"); !strings.Contains(ev.Detail, `allows s3:GetObject: "ReadAll" (statement 2)`) {
		t.Fatalf("Allow step: %+v", ev)
	}
	if _, err := put(e, "nopol", "c", []byte("x"), nil); err != nil {
		t.Fatal(err)
	}
	if err := e.sb.TraceBarrier(ctx()); err != nil {
		t.Fatal(err)
	}
	for {
		select {
		case ev := <-sub.C:
			if ev.Op == keyflow.OpPolicyChecked && ev.Bucket == "nopol" {
				t.Fatalf("a bucket without a policy got a step: %+v", ev)
			}
			continue
		default:
		}
		break
	}
}
