package bucketpolicy

import (
	"errors"
	"testing"
)

// FuzzParse: any document either parses or is refused with an *Error (a
// MalformedPolicy message), never a panic; a parsed policy can be
// evaluated and summarised.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		stmt(""),
		stmt(`,"Condition":{"StringNotEquals":{"s3:x-amz-server-side-encryption":"aws:kms"}}`),
		stmt(`,"Condition":{"Null":{"s3:x-amz-server-side-encryption-customer-algorithm":"false"},"ForAnyValue:StringLikeIfExists":{"k":["a*",1,true]}}`),
		`{"Version":"2012-10-17","Statement":[{"Sid":"DenyInsecureTransport","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::b","arn:aws:s3:::b/*"],"Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`,
		`{"Statement":{"Effect":"Allow","Principal":{"AWS":["000000000000","arn:aws:iam::111122223333:root"]},"NotAction":"s3:Get*","NotResource":"arn:aws:s3:::b/${*}?"}}`,
		`{"Statement":[]}`, `[]`, `{`, ``,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		p, err := Parse(doc, "b")
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) || pe.Message == "" {
				t.Fatalf("Parse error %v is not a MalformedPolicy message", err)
			}
			return
		}
		for _, action := range []string{"s3:PutObject", "s3:GetObject", "s3:ListBucket"} {
			p.Evaluate(Request{Action: action, Resource: "arn:aws:s3:::b/k", Account: "000000000000",
				Keys: map[string][]string{"aws:securetransport": {"false"}, "s3:x-amz-server-side-encryption": {"AES256"}}})
		}
		_ = p.Enforces("b", "000000000000").Summary()
		_ = p.IsPublic()
	})
}
