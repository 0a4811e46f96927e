package bucketpolicy

import (
	"errors"
	"strings"
	"testing"
)

const acct = "000000000000"

func mustParse(t *testing.T, doc string) *Policy {
	t.Helper()
	p, err := Parse([]byte(doc), "b")
	if err != nil {
		t.Fatalf("Parse(%s): %v", doc, err)
	}
	return p
}

// stmt is a valid Deny statement with extra elements spliced in.
func stmt(extra string) string {
	return `{"Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::b/*"` + extra + `}]}`
}

func TestParseRefusesWithS3Messages(t *testing.T) {
	for _, c := range []struct{ doc, msg string }{
		{``, msgNotJSON},
		{`  `, msgNotJSON},
		{"\uFEFF{}", msgNotJSON},
		{`{"Statement":[}`, msgNotJSON},
		{`{"Statement":[]} x`, msgNotJSON},
		{`"policy"`, msgNotJSON},
		{`{}`, "Missing required field Statement"},
		{`{"Statement":[]}`, msgEmpty},
		{`{"Version":2012,"Statement":[]}`, msgVersion},
		{`{"version":"2012-10-17","Statement":[]}`, "Unknown field version"},
		{`{"Statement":[null]}`, msgSyntax},
		{`{"Statement":"Allow"}`, msgSyntax},
		{stmt(`,"Sid":1`), msgSyntax},
		{strings.Replace(stmt(""), `"Effect":"Deny",`, ``, 1), "Missing required field Effect"},
		{strings.Replace(stmt(""), `"Deny"`, `true`, 1), "Invalid effect: true"},
		{strings.Replace(stmt(""), `"Principal":"*",`, ``, 1), "Missing required field Principal"},
		{stmt(`,"NotPrincipal":"*"`), "Statement/policy already has instance of Principal"},
		{stmt(`,"NotAction":"s3:GetObject"`), "Statement/policy already has instance of Action"},
		{stmt(`,"NotResource":"arn:aws:s3:::b"`), "Statement/policy already has instance of Resource"},
		{strings.Replace(stmt(""), `"s3:PutObject"`, `[]`, 1), "Missing required field Action cannot be empty!"},
		{strings.Replace(stmt(""), `"arn:aws:s3:::b/*"`, `[]`, 1), "Missing required field Resource cannot be empty!"},
		{strings.Replace(stmt(""), `"*"`, `"111122223333"`, 1), msgPrincipal},
		{strings.Replace(stmt(""), `"*"`, `{"AWS":"11112222333"}`, 1), msgPrincipal},
		{strings.Replace(stmt(""), `"*"`, `{"aws":"*"}`, 1), msgPrincipal},
		{strings.Replace(stmt(""), `"s3:PutObject"`, `"s3:Get Object"`, 1), msgAction},
		{strings.Replace(stmt(""), `"s3:PutObject"`, `"iam:*"`, 1), msgAction},
		{strings.Replace(stmt(""), `b/*`, `b*`, 1), msgResource},
		{strings.Replace(stmt(""), `arn:aws:s3:::b/*`, `b/*`, 1), msgResource},
		{strings.Replace(stmt(""), `arn:aws:s3:::b/*`, `arn:aws:s3:::bb/*`, 1), msgResource},
		{strings.Replace(stmt(""), `arn:aws:s3:::b/*`, `arn:aws:s3:::b`, 1), msgResourceAction},
		{strings.Replace(stmt(""), `"s3:PutObject"`, `"s3:ListBucket"`, 1), msgResourceAction},
		{stmt(`,"Condition":{"NullIfExists":{"k":"true"}}`), "Invalid Condition type : NullIfExists"},
		{stmt(`,"Condition":{"ForAnyValues:StringEquals":{"k":"a"}}`), "Invalid Condition type : ForAnyValues:StringEquals"},
		{stmt(`,"Condition":{"StringEquals":{"k":null}}`), msgSyntax},
		{stmt(`,"Condition":{"StringEquals":"k"}`), msgSyntax},
		{`{"Statement":[` + strings.Repeat(" ", MaxSize) + `]}`, msgTooLarge},
	} {
		_, err := Parse([]byte(c.doc), "b")
		var pe *Error
		if !errors.As(err, &pe) || pe.Message != c.msg {
			doc := c.doc
			if len(doc) > 80 {
				doc = doc[:80] + "…"
			}
			t.Errorf("Parse(%s) = %v, want %q", doc, err, c.msg)
		}
	}
}

func TestParseAccepts(t *testing.T) {
	for _, doc := range []string{
		"\n\t " + stmt(""),
		`{"Version":"2008-10-17","Id":"x","Statement":{"Sid":"one","Effect":"Allow","Principal":{"AWS":["000000000000","arn:aws:iam::111122223333:root"]},"Action":["s3:Get*","S3:putobject"],"Resource":["arn:aws:s3:::b","arn:aws:s3:::b/*"]}}`,
		strings.Replace(stmt(""), `"s3:PutObject"`, `"s3:*"`, 1),
		strings.Replace(stmt(""), `"s3:PutObject"`, `"s3:NotARealAction"`, 1),
		strings.Replace(stmt(""), `"Action":"s3:PutObject"`, `"NotAction":"s3:ListBucket"`, 1),
		stmt(`,"Condition":{"NumericLessThan":{"s3:TlsVersion":1.2},"Bool":{"aws:SecureTransport":false},"ForAnyValue:StringLikeIfExists":{"k":["a*",5]}}`),
	} {
		if _, err := Parse([]byte(doc), "b"); err != nil {
			t.Errorf("Parse(%s): %v", doc, err)
		}
	}
}

// TestConditionSemantics: each operator with a present and an absent key.
func TestConditionSemantics(t *testing.T) {
	none := []string(nil)
	for _, c := range []struct {
		op   string
		want []string
		got  []string
		ok   bool
	}{
		{"StringEquals", []string{"aws:kms"}, []string{"aws:kms"}, true},
		{"StringEquals", []string{"aws:kms"}, []string{"AES256"}, false},
		{"StringEquals", []string{"aws:kms"}, none, false},
		{"StringEquals", []string{"a${*}"}, []string{"a*"}, true},
		{"StringNotEquals", []string{"aws:kms"}, []string{"AES256"}, true},
		{"StringNotEquals", []string{"aws:kms"}, []string{"aws:kms"}, false},
		{"StringNotEquals", []string{"aws:kms"}, none, true}, // absent: a negated operator holds
		{"StringNotEquals", []string{"AES256", "aws:kms"}, []string{"aws:kms"}, false},
		{"StringNotEqualsIfExists", []string{"aws:kms"}, none, true},
		{"StringEqualsIfExists", []string{"aws:kms"}, none, true},
		{"StringEqualsIfExists", []string{"aws:kms"}, []string{"AES256"}, false},
		{"StringLike", []string{"aws:*"}, []string{"aws:kms:dsse"}, true},
		{"StringLike", []string{"a?c"}, []string{"abbc"}, false},
		{"StringLike", []string{"aws:*"}, none, false},
		{"StringNotLike", []string{"aws:*"}, []string{"AES256"}, true},
		{"StringNotLike", []string{"aws:*"}, none, true},
		{"StringEqualsIgnoreCase", []string{"AES256"}, []string{"aes256"}, true},
		{"Null", []string{"true"}, none, true},
		{"Null", []string{"true"}, []string{"AES256"}, false},
		{"Null", []string{"false"}, []string{"AES256"}, true},
		{"Null", []string{"false"}, none, false},
		{"Bool", []string{"false"}, []string{"false"}, true},
		{"Bool", []string{"false"}, []string{"true"}, false},
		{"Bool", []string{"false"}, none, false},
		{"BoolIfExists", []string{"false"}, none, true},
		{"NumericLessThan", []string{"1.2"}, []string{"1.1"}, true},
		{"NumericLessThan", []string{"1.2"}, []string{"1.3"}, false},
		{"NumericLessThan", []string{"1.2"}, none, false},
		{"NumericGreaterThanEquals", []string{"10"}, []string{"1e2"}, true},
		{"NumericNotEquals", []string{"10"}, []string{"10.0"}, false},
		{"ArnEquals", []string{"arn:aws:kms:us-east-1:000000000000:key/k"}, []string{"arn:aws:kms:us-east-1:000000000000:key/k"}, true},
		{"ArnLike", []string{"arn:aws:kms:*:000000000000:key/*"}, []string{"arn:aws:kms:eu-west-1:000000000000:key/k"}, true},
		{"ArnLike", []string{"arn:aws:kms:*:000000000000:key/*"}, []string{"arn:aws:kms:eu-west-1:111122223333:key/k"}, false},
		{"ArnLike", []string{"arn:aws:kms:*"}, []string{"arn:aws:kms:eu-west-1:000000000000:key/k"}, false},
		{"ArnNotLike", []string{"arn:aws:kms:*:*:key/*"}, none, true},
		{"ArnLikeIfExists", []string{"arn:aws:kms:*:*:key/*"}, none, true},
		{"IpAddress", []string{"127.0.0.0/8"}, []string{"127.0.0.1"}, true},
		{"NotIpAddress", []string{"10.0.0.0/8"}, []string{"::ffff:10.1.2.3"}, false},
		{"DateLessThan", []string{"2026-01-01T00:00:00Z"}, []string{"2025-12-31"}, true},
		{"BinaryEquals", []string{"aGVsbG8="}, []string{"aGVsbG8"}, true},
		{"ForAllValues:StringEquals", []string{"a", "b"}, []string{"a", "b"}, true},
		{"ForAllValues:StringEquals", []string{"a", "b"}, []string{"a", "c"}, false},
		{"ForAllValues:StringEquals", []string{"a"}, none, true},
		{"ForAnyValue:StringEquals", []string{"a"}, []string{"c", "a"}, true},
		{"ForAnyValue:StringEquals", []string{"a"}, none, false},
	} {
		cond, ok := parseOperator(c.op)
		if !ok {
			t.Fatalf("operator %s not known", c.op)
		}
		cond.Key, cond.Values = "k", c.want
		if got := cond.Holds(c.got); got != c.ok {
			t.Errorf("%s %q with %q = %v, want %v", c.op, c.want, c.got, got, c.ok)
		}
	}
}

func TestGlob(t *testing.T) {
	for _, c := range []struct {
		p, s string
		ok   bool
	}{
		{"*", "", true}, {"a*", "abc", true}, {"*.jpg", "x/y.jpg", true}, {"*.jpg", "x.jpg.txt", false},
		{"a?c", "abc", true}, {"a?c", "ac", false}, {"log-?", "log-é", true}, {"${*}", "*", true}, {"${*}", "a", false},
		{strings.Repeat("*a", 40) + "b", strings.Repeat("a", 2000), false},
	} {
		if glob(c.p, c.s) != c.ok {
			t.Errorf("glob(%q, %q) != %v", c.p, c.s, c.ok)
		}
	}
}

// TestEvaluate: a Deny wins over an Allow in any order; Principal,
// Action and Resource wildcards and their Not forms.
func TestEvaluate(t *testing.T) {
	p := mustParse(t, `{"Statement":[
{"Sid":"ReadAll","Effect":"Allow","Principal":{"AWS":"*"},"Action":"s3:Get*","Resource":"arn:aws:s3:::b/*"},
{"Effect":"Deny","Principal":{"AWS":"arn:aws:iam::000000000000:root"},"Action":"s3:*","Resource":"arn:aws:s3:::b/private/*"},
{"Sid":"Other","Effect":"Deny","Principal":{"AWS":"111122223333"},"Action":"*","Resource":"arn:aws:s3:::b/*"},
{"Sid":"OnlyReads","Effect":"Deny","Principal":"*","NotAction":["s3:GetObject","s3:PutObject"],"NotResource":"arn:aws:s3:::b/tmp/*"}]}`)
	for _, c := range []struct {
		action, key, effect, stmt string
	}{
		{"s3:GetObject", "a", Allow, `"ReadAll" (statement 1)`},
		{"s3:getobject", "a", Allow, `"ReadAll" (statement 1)`},
		{"s3:GetObject", "private/a", Deny, `statement 2`},
		{"s3:PutObject", "a", "", ""},
		{"s3:DeleteObject", "a", Deny, `"OnlyReads" (statement 4)`},
		{"s3:DeleteObject", "tmp/a", "", ""},
	} {
		r := p.Evaluate(Request{Action: c.action, Resource: "arn:aws:s3:::b/" + c.key, Account: acct})
		if r.Effect != c.effect || r.Statement != c.stmt {
			t.Errorf("%s %s = %+v, want %s by %s", c.action, c.key, r, c.effect, c.stmt)
		}
	}
	// The same Deny before the Allow: still a Deny.
	q := mustParse(t, `{"Statement":[
{"Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/x"},
{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}`)
	if r := q.Evaluate(Request{Action: "s3:GetObject", Resource: "arn:aws:s3:::b/x", Account: acct}); r.Effect != Deny {
		t.Errorf("Deny then Allow: %+v", r)
	}
}

func TestEnforcesSummary(t *testing.T) {
	kms := `{"Effect":"Deny","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::b/*","Condition":{"StringNotEquals":{"s3:x-amz-server-side-encryption":"aws:kms"}}}`
	key := `{"Effect":"Deny","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::b/*","Condition":{"StringNotEquals":{"s3:x-amz-server-side-encryption-aws-kms-key-id":"arn:aws:kms:us-east-1:000000000000:key/k"}}}`
	tls := `{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::b","arn:aws:s3:::b/*"],"Condition":{"Bool":{"aws:SecureTransport":"false"}}}`
	ssec := `{"Effect":"Deny","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::b/*","Condition":{"Null":{"s3:x-amz-server-side-encryption-customer-algorithm":"false"}}}`
	noHeader := `{"Effect":"Deny","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::b/*","Condition":{"Null":{"s3:x-amz-server-side-encryption":"true"}}}`
	public := `{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}`
	for _, c := range []struct{ stmts, want string }{
		{kms, "uploads must use SSE-KMS"},
		{kms + "," + key, "uploads must use SSE-KMS with key arn:aws:kms:us-east-1:000000000000:key/k"},
		{tls, "requires TLS (HTTPS)"},
		{ssec, "SSE-C uploads denied"},
		{noHeader, "uploads must use SSE-S3 or SSE-KMS or DSSE-KMS"},
		{tls + "," + kms + "," + ssec, "requires TLS (HTTPS); uploads must use SSE-KMS"},
		{public, "public: allows everyone"},
		{`{"Effect":"Deny","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::b/*"}`, "denies every upload"},
		{`{"Effect":"Deny","Principal":{"AWS":"111122223333"},"Action":"s3:*","Resource":"arn:aws:s3:::b/*"}`, "enforces no encryption or transport rule"},
	} {
		p := mustParse(t, `{"Version":"2012-10-17","Statement":[`+c.stmts+`]}`)
		if got := p.Enforces("b", acct).Summary(); got != c.want {
			t.Errorf("%s\n got %q\nwant %q", c.stmts, got, c.want)
		}
	}
}
