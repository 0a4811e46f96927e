package bucketpolicy

import (
	"slices"
	"strings"
)

// The ways an upload can be encrypted, as Enforcement names them.
const (
	WriteNone  = "none"     // no encryption header
	WriteSSES3 = "SSE-S3"   // x-amz-server-side-encryption: AES256
	WriteKMS   = "SSE-KMS"  // aws:kms
	WriteDSSE  = "DSSE-KMS" // aws:kms:dsse
	WriteSSEC  = "SSE-C"    // x-amz-server-side-encryption-customer-algorithm: AES256
)

// Enforcement is what a bucket policy enforces on the bucket's own
// account, found by asking the policy about typical requests (so it is
// right for any wording of the policy, not only the usual ones).
type Enforcement struct {
	// TLSRequired: a request over plain HTTP is denied, over HTTPS not.
	TLSRequired bool `json:"tlsRequired"`
	// DeniedWrites and AllowedWrites sort the ways to encrypt an upload
	// (WriteNone, WriteSSES3, …) by whether a PutObject is denied.
	DeniedWrites  []string `json:"deniedWrites,omitempty"`
	AllowedWrites []string `json:"allowedWrites,omitempty"`
	// KMSKeys are the KMS keys an SSE-KMS upload must name, when the
	// policy allows SSE-KMS only with them.
	KMSKeys []string `json:"kmsKeys,omitempty"`
	// ReadsDenied: a GetObject over HTTPS is denied.
	ReadsDenied bool `json:"readsDenied,omitempty"`
	// Public: the policy allows everyone (GetBucketPolicyStatus IsPublic).
	Public bool `json:"public,omitempty"`
}

// Enforces works out what p enforces on account's own requests to bucket.
func (p *Policy) Enforces(bucket, account string) Enforcement {
	resource := "arn:aws:s3:::" + bucket + "/s3crypt-probe"
	base := func(secure bool) map[string][]string {
		k := map[string][]string{"aws:securetransport": {map[bool]string{true: "true", false: "false"}[secure]},
			"s3:signatureversion": {"AWS4-HMAC-SHA256"}, "s3:authtype": {"REST-HEADER"}, "aws:principalaccount": {account}}
		if secure {
			k["s3:tlsversion"] = []string{"1.3"}
		}
		return k
	}
	denied := func(action string, keys map[string][]string) bool {
		return p.Evaluate(Request{Action: action, Resource: resource, Account: account, Keys: keys}).Effect == Deny
	}
	write := func(secure bool, headers map[string]string) map[string][]string {
		k := base(secure)
		for h, v := range headers {
			k["s3:x-amz-server-side-encryption"+h] = []string{v}
		}
		return k
	}
	var e Enforcement
	e.ReadsDenied = denied("s3:GetObject", base(true))
	e.TLSRequired = !e.ReadsDenied && denied("s3:GetObject", base(false)) ||
		!denied("s3:PutObject", write(true, map[string]string{"": "aws:kms"})) && denied("s3:PutObject", write(false, map[string]string{"": "aws:kms"}))
	keys := p.kmsKeyValues()
	for _, w := range []struct {
		name    string
		headers map[string]string
	}{
		{WriteNone, nil},
		{WriteSSES3, map[string]string{"": "AES256"}},
		{WriteKMS, map[string]string{"": "aws:kms"}},
		{WriteDSSE, map[string]string{"": "aws:kms:dsse"}},
		{WriteSSEC, map[string]string{"-customer-algorithm": "AES256"}},
	} {
		if !denied("s3:PutObject", write(true, w.headers)) {
			e.AllowedWrites = append(e.AllowedWrites, w.name)
			continue
		}
		if w.name == WriteKMS {
			for _, k := range keys {
				if !denied("s3:PutObject", write(true, map[string]string{"": "aws:kms", "-aws-kms-key-id": k})) {
					e.KMSKeys = append(e.KMSKeys, k)
				}
			}
			if len(e.KMSKeys) > 0 {
				e.AllowedWrites = append(e.AllowedWrites, w.name)
				continue
			}
		}
		e.DeniedWrites = append(e.DeniedWrites, w.name)
	}
	e.Public = p.IsPublic()
	return e
}

// kmsKeyValues are the literal KMS key values the policy's conditions
// name, to try as the key of an SSE-KMS upload.
func (p *Policy) kmsKeyValues() []string {
	var out []string
	for _, st := range p.Statements {
		for _, c := range st.Conditions {
			if !strings.EqualFold(c.Key, "s3:x-amz-server-side-encryption-aws-kms-key-id") {
				continue
			}
			for _, v := range c.Values {
				if !strings.ContainsAny(v, "*?") && !slices.Contains(out, v) {
					out = append(out, v)
				}
			}
		}
	}
	return out
}

// Summary says in one line what the policy enforces, e.g. "requires TLS;
// uploads must use SSE-KMS with key arn:…; SSE-C denied".
func (e Enforcement) Summary() string {
	var parts []string
	if e.TLSRequired {
		parts = append(parts, "requires TLS (HTTPS)")
	}
	switch {
	case len(e.DeniedWrites) == 0:
	case len(e.AllowedWrites) == 0:
		parts = append(parts, "denies every upload")
	case slices.Contains(e.DeniedWrites, WriteNone):
		names := slices.Clone(e.AllowedWrites)
		for i, n := range names {
			if n == WriteKMS && len(e.KMSKeys) > 0 {
				names[i] += " with key " + strings.Join(e.KMSKeys, " or ")
			}
		}
		parts = append(parts, "uploads must use "+strings.Join(names, " or "))
	default:
		parts = append(parts, strings.Join(e.DeniedWrites, ", ")+" uploads denied")
	}
	if e.ReadsDenied {
		parts = append(parts, "reads denied")
	}
	if e.Public {
		parts = append(parts, "public: allows everyone")
	}
	if len(parts) == 0 {
		return "enforces no encryption or transport rule"
	}
	return strings.Join(parts, "; ")
}
