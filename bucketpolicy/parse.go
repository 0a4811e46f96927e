// Package bucketpolicy is the S3 bucket policy language: it
// reads a policy document as PutBucketPolicy receives it, refusing what S3
// refuses with S3's MalformedPolicy messages, and evaluates a request
// against it with IAM's logic (an explicit Deny wins, then an Allow, else
// nothing applies).
//
// It is written here rather than taken from a library: the one Go package
// that evaluates S3 bucket policies with conditions, MinIO's
// github.com/minio/pkg/policy, is AGPL-3.0 and follows MinIO's variant of
// the language (its own error texts, no Null on absent headers as S3 has
// it); the others on the module proxy only unmarshal IAM documents. What
// is evaluated is small: Principal, Action, Resource (and their Not forms)
// and the condition operators encryption policies use.
//
// Nothing here knows about HTTP: the caller says which action on which
// resource, who asks, and the values of the condition keys. Like keyflow
// it depends on nothing of s3crypt's, so the sandbox (which enforces a
// policy) and actions (which says what one enforces, Enforces) share it
// without actions importing the sandbox.
package bucketpolicy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// MaxSize is the largest policy document S3 accepts (20 KB).
const MaxSize = 20 * 1024

// Error is a policy S3 would refuse: PutBucketPolicy answers 400
// MalformedPolicy with Message.
type Error struct{ Message string }

func (e *Error) Error() string { return "MalformedPolicy: " + e.Message }

func malformed(format string, a ...any) *Error { return &Error{Message: fmt.Sprintf(format, a...)} }

// S3's messages.
const (
	msgNotJSON        = "Policies must be valid JSON and the first byte must be '{'"
	msgTooLarge       = "Policy exceeds the maximum allowed document size."
	msgSyntax         = "Invalid policy syntax."
	msgVersion        = "The policy must contain a valid version string"
	msgEmpty          = "Could not parse the policy: Statement is empty!"
	msgPrincipal      = "Invalid principal in policy"
	msgAction         = "Policy has invalid action"
	msgResource       = "Policy has invalid resource"
	msgResourceAction = "Action does not apply to any resource(s) in statement"
)

// Policy is a parsed bucket policy.
type Policy struct {
	Version    string
	ID         string
	Statements []Statement
}

// Statement is one statement of a policy.
type Statement struct {
	Sid    string
	Effect string // Allow | Deny
	// Principal lists who the statement is about ("*" for everyone) by
	// type (AWS, CanonicalUser, Service, Federated); NotPrincipal inverts.
	Principal    map[string][]string
	NotPrincipal bool
	Actions      []string
	NotAction    bool
	Resources    []string
	NotResource  bool
	Conditions   []Condition
}

// Name is how the statement is named in decisions: its Sid, else its
// position (1-based, as people count).
func (s Statement) Name(index int) string {
	if s.Sid != "" {
		return fmt.Sprintf("%q (statement %d)", s.Sid, index+1)
	}
	return fmt.Sprintf("statement %d", index+1)
}

// Condition is one key under one operator: "StringNotEquals":
// {"s3:x-amz-server-side-encryption": "aws:kms"}.
type Condition struct {
	Operator  string // as written: ForAnyValue:StringLikeIfExists
	Base      string // StringLike
	IfExists  bool
	Qualifier string // "", ForAllValues or ForAnyValue
	Key       string
	Values    []string
}

// The condition operators IAM knows (without IfExists and qualifiers).
var operators = []string{
	"StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase", "StringLike", "StringNotLike",
	"NumericEquals", "NumericNotEquals", "NumericLessThan", "NumericLessThanEquals", "NumericGreaterThan", "NumericGreaterThanEquals",
	"DateEquals", "DateNotEquals", "DateLessThan", "DateLessThanEquals", "DateGreaterThan", "DateGreaterThanEquals",
	"Bool", "BinaryEquals", "IpAddress", "NotIpAddress", "ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike", "Null",
}

// Parse reads a policy for bucket as PutBucketPolicy does. A policy S3
// would refuse is an *Error with S3's message.
func Parse(doc []byte, bucket string) (*Policy, error) {
	if len(doc) > MaxSize {
		return nil, malformed(msgTooLarge)
	}
	trimmed := bytes.TrimLeft(doc, " \t\r\n")
	if len(trimmed) == 0 || trimmed[0] != '{' || !json.Valid(trimmed) {
		return nil, malformed(msgNotJSON)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(trimmed, &top); err != nil {
		return nil, malformed(msgNotJSON)
	}
	if err := knownFields(top, "Version", "Id", "Statement"); err != nil {
		return nil, err
	}
	p := &Policy{}
	if v, ok := top["Version"]; ok {
		if json.Unmarshal(v, &p.Version) != nil || (p.Version != "2012-10-17" && p.Version != "2008-10-17") {
			return nil, malformed(msgVersion)
		}
	}
	if v, ok := top["Id"]; ok && json.Unmarshal(v, &p.ID) != nil {
		return nil, malformed(msgSyntax)
	}
	raw, ok := top["Statement"]
	if !ok {
		return nil, malformed("Missing required field Statement")
	}
	var list []json.RawMessage
	if bytes.HasPrefix(bytes.TrimSpace(raw), []byte("[")) {
		if json.Unmarshal(raw, &list) != nil {
			return nil, malformed(msgSyntax)
		}
		if len(list) == 0 {
			return nil, malformed(msgEmpty)
		}
	} else {
		list = []json.RawMessage{raw}
	}
	for _, r := range list {
		st, err := parseStatement(r, bucket)
		if err != nil {
			return nil, err
		}
		p.Statements = append(p.Statements, st)
	}
	return p, nil
}

// knownFields refuses a name S3 does not know (names are case-sensitive).
func knownFields(m map[string]json.RawMessage, names ...string) error {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if !slices.Contains(names, k) {
			return malformed("Unknown field %s", k)
		}
	}
	return nil
}

func parseStatement(raw json.RawMessage, bucket string) (Statement, error) {
	var st Statement
	var m map[string]json.RawMessage
	if !isObject(raw) || json.Unmarshal(raw, &m) != nil {
		return st, malformed(msgSyntax)
	}
	if err := knownFields(m, "Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource", "Condition"); err != nil {
		return st, err
	}
	if v, ok := m["Sid"]; ok && json.Unmarshal(v, &st.Sid) != nil {
		return st, malformed(msgSyntax)
	}
	eff, ok := m["Effect"]
	if !ok {
		return st, malformed("Missing required field Effect")
	}
	if json.Unmarshal(eff, &st.Effect) != nil {
		st.Effect = strings.Trim(string(bytes.TrimSpace(eff)), `"`)
	}
	if st.Effect != "Allow" && st.Effect != "Deny" {
		return st, malformed("Invalid effect: %s", st.Effect)
	}
	praw, neg, err := either(m, "Principal", "NotPrincipal")
	if err != nil {
		return st, err
	}
	if st.Principal, err = parsePrincipal(praw); err != nil {
		return st, err
	}
	st.NotPrincipal = neg
	araw, neg, err := either(m, "Action", "NotAction")
	if err != nil {
		return st, err
	}
	if st.Actions, err = stringList(araw, "Action"); err != nil {
		return st, err
	}
	st.NotAction = neg
	for _, a := range st.Actions {
		if !validAction(a) {
			return st, malformed(msgAction)
		}
	}
	rraw, neg, err := either(m, "Resource", "NotResource")
	if err != nil {
		return st, err
	}
	if st.Resources, err = stringList(rraw, "Resource"); err != nil {
		return st, err
	}
	st.NotResource = neg
	for _, r := range st.Resources {
		if !validResource(r, bucket) {
			return st, malformed(msgResource)
		}
	}
	if c, ok := m["Condition"]; ok {
		if st.Conditions, err = parseConditions(c); err != nil {
			return st, err
		}
	}
	if !st.NotAction && !st.NotResource && !actionsFitResources(st.Actions, st.Resources) {
		return st, malformed(msgResourceAction)
	}
	return st, nil
}

func isObject(raw json.RawMessage) bool {
	return bytes.HasPrefix(bytes.TrimSpace(raw), []byte("{"))
}

// either returns the one of name / Not-name a statement has.
func either(m map[string]json.RawMessage, name, notName string) (json.RawMessage, bool, error) {
	v, has := m[name]
	nv, hasNot := m[notName]
	switch {
	case has && hasNot:
		return nil, false, malformed("Statement/policy already has instance of %s", name)
	case has:
		return v, false, nil
	case hasNot:
		return nv, true, nil
	}
	return nil, false, malformed("Missing required field %s", name)
}

// stringList reads a string or a list of strings.
func stringList(raw json.RawMessage, field string) ([]string, error) {
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return []string{one}, nil
	}
	var many []string
	if json.Unmarshal(raw, &many) != nil {
		return nil, malformed(msgSyntax)
	}
	if len(many) == 0 {
		return nil, malformed("Missing required field %s cannot be empty!", field)
	}
	return many, nil
}

var (
	accountIDRE    = regexp.MustCompile(`^\d{12}$`)
	principalARNRE = regexp.MustCompile(`^arn:(aws|aws-cn|aws-us-gov):(iam::\d{12}:(root|user/.+|role/.+)|sts::\d{12}:assumed-role/.+)$`)
	actionRE       = regexp.MustCompile(`^(?i:s3):[A-Za-z*?]+$`)
	resourceRE     = regexp.MustCompile(`^arn:(aws|aws-cn|aws-us-gov):s3:::([^/]+)(/.*)?$`)
)

func parsePrincipal(raw json.RawMessage) (map[string][]string, error) {
	var star string
	if json.Unmarshal(raw, &star) == nil {
		if star != "*" {
			return nil, malformed(msgPrincipal)
		}
		return map[string][]string{"AWS": {"*"}}, nil
	}
	var m map[string]json.RawMessage
	if !isObject(raw) || json.Unmarshal(raw, &m) != nil || len(m) == 0 {
		return nil, malformed(msgPrincipal)
	}
	out := map[string][]string{}
	for typ, v := range m {
		if !slices.Contains([]string{"AWS", "CanonicalUser", "Service", "Federated"}, typ) {
			return nil, malformed(msgPrincipal)
		}
		vals, err := stringList(v, "Principal")
		if err != nil || len(vals) == 0 {
			return nil, malformed(msgPrincipal)
		}
		for _, p := range vals {
			if p == "" || typ == "AWS" && p != "*" && !accountIDRE.MatchString(p) && !principalARNRE.MatchString(p) {
				return nil, malformed(msgPrincipal)
			}
		}
		out[typ] = vals
	}
	return out, nil
}

func validAction(a string) bool {
	return a == "*" || actionRE.MatchString(a)
}

func validResource(r, bucket string) bool {
	m := resourceRE.FindStringSubmatch(r)
	return m != nil && m[2] == bucket
}

func parseConditions(raw json.RawMessage) ([]Condition, error) {
	var ops map[string]json.RawMessage
	if !isObject(raw) || json.Unmarshal(raw, &ops) != nil {
		return nil, malformed(msgSyntax)
	}
	names := make([]string, 0, len(ops))
	for k := range ops {
		names = append(names, k)
	}
	slices.Sort(names)
	var out []Condition
	for _, op := range names {
		c, ok := parseOperator(op)
		if !ok {
			return nil, malformed("Invalid Condition type : %s", op)
		}
		var keys map[string]json.RawMessage
		if !isObject(ops[op]) || json.Unmarshal(ops[op], &keys) != nil {
			return nil, malformed(msgSyntax)
		}
		knames := make([]string, 0, len(keys))
		for k := range keys {
			knames = append(knames, k)
		}
		slices.Sort(knames)
		for _, k := range knames {
			vals, err := conditionValues(keys[k])
			if err != nil {
				return nil, err
			}
			c := c
			c.Key, c.Values = k, vals
			out = append(out, c)
		}
	}
	return out, nil
}

// parseOperator splits "ForAnyValue:StringLikeIfExists".
func parseOperator(op string) (Condition, bool) {
	c := Condition{Operator: op}
	rest := op
	if q, r, ok := strings.Cut(op, ":"); ok {
		if q != "ForAllValues" && q != "ForAnyValue" {
			return c, false
		}
		c.Qualifier, rest = q, r
	}
	if b, ok := strings.CutSuffix(rest, "IfExists"); ok && b != "Null" {
		c.IfExists, rest = true, b
	}
	if !slices.Contains(operators, rest) {
		return c, false
	}
	c.Base = rest
	return c, true
}

// conditionValues reads a condition's value(s): strings, numbers and
// booleans, alone or in a list, all kept as strings.
func conditionValues(raw json.RawMessage) ([]string, error) {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return nil, malformed(msgSyntax)
	}
	one := func(e any) (string, bool) {
		switch x := e.(type) {
		case string:
			return x, true
		case bool:
			return strconv.FormatBool(x), true
		case float64:
			return strings.Trim(string(bytes.TrimSpace(mustJSON(x))), `"`), true
		}
		return "", false
	}
	if list, ok := v.([]any); ok {
		out := make([]string, 0, len(list))
		for _, e := range list {
			s, ok := one(e)
			if !ok {
				return nil, malformed(msgSyntax)
			}
			out = append(out, s)
		}
		return out, nil
	}
	s, ok := one(v)
	if !ok {
		return nil, malformed(msgSyntax)
	}
	return []string{s}, nil
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}
