package sandbox_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// sizes straddle DARE's 64 KiB packages.
var sizes = []int{0, 1, 65535, 65536, 65537, 1<<20 + 3}

// TestRoundTripEveryMode writes and reads objects in every SSE mode and
// checks the bytes, the response headers AWS sends for that mode, and
// unaligned range reads.
func TestRoundTripEveryMode(t *testing.T) {
	e := newEnv(t)
	e.mkBucket("modes")
	e.allowSSEC("modes")
	keyID := e.createKey("alias/demo")
	meta, _ := e.kms.DescribeKey(ctx(), &kms.DescribeKeyInput{KeyId: aws.String(keyID)})
	keyARN := *meta.KeyMetadata.Arn
	cKey, cMD5 := ssecKey()

	type mode struct {
		name    string
		put     func(*s3.PutObjectInput)
		get     func(*s3.GetObjectInput)
		sse     s3types.ServerSideEncryption
		kmsARN  string // "" = none; "aws/s3" = the managed key
		bucketK bool
	}
	modes := []mode{
		{name: "default", put: func(*s3.PutObjectInput) {}, sse: "AES256"},
		{name: "sse-s3", put: func(p *s3.PutObjectInput) { p.ServerSideEncryption = "AES256" }, sse: "AES256"},
		{name: "sse-kms-aws-managed", put: func(p *s3.PutObjectInput) { p.ServerSideEncryption = "aws:kms" }, sse: "aws:kms", kmsARN: "aws/s3"},
		{name: "sse-kms-id", put: func(p *s3.PutObjectInput) { p.ServerSideEncryption = "aws:kms"; p.SSEKMSKeyId = aws.String(keyID) }, sse: "aws:kms", kmsARN: keyARN},
		{name: "sse-kms-alias", put: func(p *s3.PutObjectInput) {
			p.ServerSideEncryption = "aws:kms"
			p.SSEKMSKeyId = aws.String("alias/demo")
		}, sse: "aws:kms", kmsARN: keyARN},
		{name: "sse-kms-alias-arn", put: func(p *s3.PutObjectInput) {
			p.ServerSideEncryption = "aws:kms"
			p.SSEKMSKeyId = aws.String(strings.Replace(keyARN, "key/"+keyID, "alias/demo", 1))
		}, sse: "aws:kms", kmsARN: keyARN},
		{name: "sse-kms-bucket-key", put: func(p *s3.PutObjectInput) {
			p.ServerSideEncryption = "aws:kms"
			p.SSEKMSKeyId = aws.String(keyARN)
			p.BucketKeyEnabled = aws.Bool(true)
		}, sse: "aws:kms", kmsARN: keyARN, bucketK: true},
		{name: "dsse-kms", put: func(p *s3.PutObjectInput) { p.ServerSideEncryption = "aws:kms:dsse"; p.SSEKMSKeyId = aws.String(keyID) }, sse: "aws:kms:dsse", kmsARN: keyARN},
		{name: "sse-c", put: func(p *s3.PutObjectInput) {
			p.SSECustomerAlgorithm, p.SSECustomerKey, p.SSECustomerKeyMD5 = aws.String("AES256"), aws.String(cKey), aws.String(cMD5)
		}, get: func(g *s3.GetObjectInput) {
			g.SSECustomerAlgorithm, g.SSECustomerKey, g.SSECustomerKeyMD5 = aws.String("AES256"), aws.String(cKey), aws.String(cMD5)
		}},
	}
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			for _, n := range sizes {
				data := randomBytes(n)
				key := fmt.Sprintf("%s/obj-%d", m.name, n)
				in := &s3.PutObjectInput{Bucket: aws.String("modes"), Key: aws.String(key), Body: bytes.NewReader(data)}
				m.put(in)
				put, err := e.s3.PutObject(ctx(), in)
				if err != nil {
					t.Fatalf("put %d bytes: %v", n, err)
				}
				if put.ServerSideEncryption != m.sse {
					t.Fatalf("put SSE header = %q, want %q", put.ServerSideEncryption, m.sse)
				}
				checkKMSHeader(t, "put", put.SSEKMSKeyId, m.kmsARN)
				if got := aws.ToBool(put.BucketKeyEnabled); got != m.bucketK {
					t.Fatalf("put bucket key = %v, want %v", got, m.bucketK)
				}
				if m.get != nil && aws.ToString(put.SSECustomerKeyMD5) != cMD5 {
					t.Fatalf("put SSE-C MD5 echo = %q", aws.ToString(put.SSECustomerKeyMD5))
				}
				gin := &s3.GetObjectInput{Bucket: aws.String("modes"), Key: aws.String(key)}
				if m.get != nil {
					m.get(gin)
				}
				got, out, err := e.get(gin)
				if err != nil {
					t.Fatalf("get %d bytes: %v", n, err)
				}
				mustEqual(t, "round trip", got, data)
				if out.ServerSideEncryption != m.sse {
					t.Fatalf("get SSE header = %q, want %q", out.ServerSideEncryption, m.sse)
				}
				checkKMSHeader(t, "get", out.SSEKMSKeyId, m.kmsARN)
				if n > 70000 {
					checkRanges(t, e, gin, data)
				}
			}
		})
	}
}

func checkKMSHeader(t *testing.T, op string, got *string, want string) {
	t.Helper()
	switch want {
	case "":
		if got != nil {
			t.Fatalf("%s: unexpected KMS key header %q", op, *got)
		}
	case "aws/s3":
		if got == nil || !strings.HasPrefix(*got, "arn:aws:kms:us-east-1:") || !strings.Contains(*got, ":key/") {
			t.Fatalf("%s: KMS key header = %v, want the aws/s3 key ARN", op, got)
		}
	default:
		if aws.ToString(got) != want {
			t.Fatalf("%s: KMS key header = %q, want %q", op, aws.ToString(got), want)
		}
	}
}

// checkRanges reads unaligned ranges, including ones across packages.
func checkRanges(t *testing.T, e *env, base *s3.GetObjectInput, data []byte) {
	t.Helper()
	n := len(data)
	for _, r := range [][2]int{{0, 0}, {1, 10}, {65530, 65545}, {100000, 300001}, {n - 5, n - 1}} {
		in := *base
		in.Range = aws.String(fmt.Sprintf("bytes=%d-%d", r[0], r[1]))
		got, out, err := e.get(&in)
		if err != nil {
			t.Fatalf("range %v: %v", r, err)
		}
		mustEqual(t, fmt.Sprintf("range %v", r), got, data[r[0]:r[1]+1])
		if want := fmt.Sprintf("bytes %d-%d/%d", r[0], r[1], n); aws.ToString(out.ContentRange) != want {
			t.Fatalf("Content-Range = %q, want %q", aws.ToString(out.ContentRange), want)
		}
	}
	in := *base
	in.Range = aws.String("bytes=-7")
	got, _, err := e.get(&in)
	if err != nil {
		t.Fatalf("suffix range: %v", err)
	}
	mustEqual(t, "suffix range", got, data[n-7:])
	in.Range = aws.String(fmt.Sprintf("bytes=%d-", n+10))
	_, _, err = e.get(&in)
	wantErr(t, err, "InvalidRange", 416)
}
