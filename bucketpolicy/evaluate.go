package bucketpolicy

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Request is what a policy is asked about.
type Request struct {
	Action   string // s3:PutObject
	Resource string // arn:aws:s3:::bucket/key
	// Account is the 12-digit account of the caller's credentials, which
	// are its root ("" = anonymous).
	Account string
	// Keys holds the condition keys the request has, by lower-case name
	// (aws:securetransport, s3:x-amz-server-side-encryption); a key that
	// is absent here is absent from the request.
	Keys map[string][]string
}

// The effects.
const (
	Allow = "Allow"
	Deny  = "Deny"
)

// Result is a policy's decision on a request.
type Result struct {
	// Effect is Deny (an explicit Deny applies), Allow (an Allow applies
	// and no Deny), or "" (no statement applies).
	Effect string
	// Index is the deciding statement's position (-1 when none applies).
	Index int
	// Statement names it: its Sid, else its number.
	Statement string
	// Why says why it applies: each condition and the value it tested.
	Why string
}

// Evaluate applies IAM's logic: every statement whose principal, action,
// resource and conditions all match the request applies; a Deny among
// them decides, else an Allow, else nothing applies.
func (p *Policy) Evaluate(r Request) Result {
	res := Result{Index: -1}
	for i, st := range p.Statements {
		if !st.matchesPrincipal(r.Account) || !st.matchesAction(r.Action) || !st.matchesResource(r.Resource) {
			continue
		}
		why, ok := st.conditionsHold(r.Keys)
		if !ok {
			continue
		}
		if st.Effect == Deny {
			return Result{Effect: Deny, Index: i, Statement: st.Name(i), Why: why}
		}
		if res.Effect == "" {
			res = Result{Effect: Allow, Index: i, Statement: st.Name(i), Why: why}
		}
	}
	return res
}

func (s Statement) matchesPrincipal(account string) bool {
	match := false
	for typ, vals := range s.Principal {
		for _, v := range vals {
			switch {
			case typ == "AWS" && v == "*":
				match = true
			case typ == "AWS" && account != "" && (v == account || rootARN(v) == account):
				match = true
			}
		}
	}
	return match != s.NotPrincipal
}

var rootARNRE = regexp.MustCompile(`^arn:aws[a-z-]*:iam::(\d{12}):root$`)

// rootARN returns the account of arn:aws:iam::ACCOUNT:root, else "".
func rootARN(v string) string {
	if m := rootARNRE.FindStringSubmatch(v); m != nil {
		return m[1]
	}
	return ""
}

func (s Statement) matchesAction(action string) bool {
	match := slices.ContainsFunc(s.Actions, func(p string) bool { return matchAction(p, action) })
	return match != s.NotAction
}

func (s Statement) matchesResource(resource string) bool {
	match := slices.ContainsFunc(s.Resources, func(p string) bool { return matchResource(p, resource) })
	return match != s.NotResource
}

// matchResource matches an ARN pattern case-sensitively; the partition
// (aws, aws-cn, …) is the sandbox's whatever the pattern says.
func matchResource(pattern, resource string) bool {
	strip := func(s string) string {
		if _, rest, ok := strings.Cut(s, ":s3:::"); ok {
			return rest
		}
		return s
	}
	return glob(strip(pattern), strip(resource))
}

// conditionsHold reports whether every condition holds (they are ANDed)
// and says, for people, what each tested.
func (s Statement) conditionsHold(keys map[string][]string) (string, bool) {
	var why []string
	for _, c := range s.Conditions {
		vals := keys[strings.ToLower(c.Key)]
		if !c.Holds(vals) {
			return "", false
		}
		why = append(why, c.describe(vals))
	}
	return strings.Join(why, "; "), true
}

// describe says what a condition that held tested.
func (c Condition) describe(vals []string) string {
	want := strings.Join(c.Values, `", "`)
	got := "the request has no " + c.Key
	if len(vals) > 0 {
		got = fmt.Sprintf("the request has %s %q", c.Key, strings.Join(vals, ", "))
	}
	return fmt.Sprintf(`%s {%q: "%s"} holds: %s`, c.Operator, c.Key, want, got)
}

// negated maps each negated operator to its positive form.
var negated = map[string]string{
	"StringNotEquals": "StringEquals", "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase", "StringNotLike": "StringLike",
	"NumericNotEquals": "NumericEquals", "DateNotEquals": "DateEquals", "NotIpAddress": "IpAddress",
	"ArnNotEquals": "ArnEquals", "ArnNotLike": "ArnLike",
}

// Holds reports whether the condition holds for the request's values of
// its key (none: the key is absent).
//
// An absent key: IfExists holds; Null "true" holds; ForAllValues holds,
// ForAnyValue does not; a negated operator (StringNotEquals, …) holds and
// a positive one does not. A present key: a positive operator holds when
// any value matches any of the condition's values; a negated one when no
// value matches any.
func (c Condition) Holds(vals []string) bool {
	present := len(vals) > 0
	if c.Base == "Null" {
		for _, v := range c.Values {
			if b, err := strconv.ParseBool(strings.ToLower(v)); err == nil && b != present {
				return true
			}
		}
		return false
	}
	pos, neg := negated[c.Base]
	if !neg {
		pos = c.Base
	}
	if !present {
		switch {
		case c.IfExists:
			return true
		case c.Qualifier == "ForAllValues":
			return true
		case c.Qualifier == "ForAnyValue":
			return false
		}
		return neg
	}
	one := func(v string) bool {
		m := slices.ContainsFunc(c.Values, func(want string) bool { return match(pos, want, v) })
		return m != neg
	}
	switch c.Qualifier {
	case "ForAllValues":
		return !slices.ContainsFunc(vals, func(v string) bool { return !one(v) })
	case "ForAnyValue":
		return slices.ContainsFunc(vals, one)
	}
	hit := slices.ContainsFunc(vals, func(v string) bool {
		return slices.ContainsFunc(c.Values, func(want string) bool { return match(pos, want, v) })
	})
	return hit != neg
}

// match applies a positive operator to one policy value and one request
// value.
func match(op, want, got string) bool {
	switch op {
	case "StringEquals":
		return unescape(want) == got
	case "StringEqualsIgnoreCase":
		return strings.EqualFold(unescape(want), got)
	case "StringLike":
		return glob(want, got)
	case "NumericEquals", "NumericLessThan", "NumericLessThanEquals", "NumericGreaterThan", "NumericGreaterThanEquals":
		w, err1 := strconv.ParseFloat(want, 64)
		g, err2 := strconv.ParseFloat(got, 64)
		return err1 == nil && err2 == nil && compare(op, g, w)
	case "DateEquals", "DateLessThan", "DateLessThanEquals", "DateGreaterThan", "DateGreaterThanEquals":
		w, ok1 := parseDate(want)
		g, ok2 := parseDate(got)
		return ok1 && ok2 && compare(op, float64(g.UnixNano()), float64(w.UnixNano()))
	case "Bool":
		return strings.EqualFold(want, got) && (strings.EqualFold(got, "true") || strings.EqualFold(got, "false"))
	case "BinaryEquals":
		w, ok1 := decodeB64(want)
		g, ok2 := decodeB64(got)
		return ok1 && ok2 && bytes.Equal(w, g)
	case "IpAddress":
		return ipIn(want, got)
	case "ArnEquals", "ArnLike":
		return arnMatch(want, got)
	}
	return false
}

// unescape turns IAM's ${*} ${?} ${$} into the characters themselves.
func unescape(s string) string {
	return strings.NewReplacer("${*}", "*", "${?}", "?", "${$}", "$").Replace(s)
}

func compare(op string, got, want float64) bool {
	switch {
	case strings.HasSuffix(op, "GreaterThanEquals"):
		return got >= want
	case strings.HasSuffix(op, "GreaterThan"):
		return got > want
	case strings.HasSuffix(op, "LessThanEquals"):
		return got <= want
	case strings.HasSuffix(op, "LessThan"):
		return got < want
	}
	return got == want
}

func parseDate(s string) (time.Time, bool) {
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		return time.Unix(0, int64(f*1e9)), true
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04Z07:00", "2006-01-02T15:04:05Z0700", "2006-01-02T15:04:05", "2006-01-02", "2006-01"} {
		if t, err := time.Parse(layout, strings.ToUpper(s)); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

func decodeB64(s string) ([]byte, bool) {
	if b, err := base64.StdEncoding.DecodeString(s); err == nil {
		return b, true
	}
	b, err := base64.RawStdEncoding.DecodeString(s)
	return b, err == nil
}

func ipIn(block, addr string) bool {
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return false
	}
	a = a.Unmap()
	if p, err := netip.ParsePrefix(block); err == nil {
		return p.Contains(a)
	}
	b, err := netip.ParseAddr(block)
	return err == nil && b.Unmap() == a
}

// arnMatch compares ARNs part by part (a wildcard stays in its part).
func arnMatch(pattern, arn string) bool {
	pp, ap := strings.SplitN(pattern, ":", 6), strings.SplitN(arn, ":", 6)
	if len(pp) != len(ap) {
		return false
	}
	for i := range pp {
		if !glob(pp[i], ap[i]) {
			return false
		}
	}
	return true
}

// fixedKeys are condition keys that, given a fixed value, keep an Allow
// to everyone from being public (S3's "Block public access" rules).
var fixedKeys = []string{"aws:sourcearn", "aws:sourcevpc", "aws:sourcevpce", "aws:sourceaccount", "aws:sourceowner",
	"aws:principalorgid", "aws:principalaccount", "aws:principalarn", "aws:sourceip", "aws:userid", "s3:dataaccesspointarn",
	"s3:dataaccesspointaccount"}

// IsPublic reports whether the policy allows anyone ("Principal": "*")
// without a condition that fixes who or where from, as
// GetBucketPolicyStatus's IsPublic says.
func (p *Policy) IsPublic() bool {
	for _, st := range p.Statements {
		if st.Effect != Allow || st.NotPrincipal || !slices.Contains(st.Principal["AWS"], "*") {
			continue
		}
		fixed := slices.ContainsFunc(st.Conditions, func(c Condition) bool {
			return slices.Contains(fixedKeys, strings.ToLower(c.Key)) && c.Base != "Null" &&
				!slices.ContainsFunc(c.Values, func(v string) bool { return strings.ContainsAny(v, "*?") || v == "0.0.0.0/0" || v == "::/0" })
		})
		if !fixed {
			return true
		}
	}
	return false
}
