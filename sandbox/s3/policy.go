package s3

import (
	"crypto/tls"
	"encoding/xml"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"

	"github.com/s3crypt/s3crypt/bucketpolicy"
	"github.com/s3crypt/s3crypt/keyflow"
	"github.com/s3crypt/s3crypt/sandbox/kms"
	"github.com/s3crypt/s3crypt/sandbox/store"
)

// errAnonymousDenied refuses a request without credentials that no
// bucket policy statement allows.
var errAnonymousDenied = newErr(http.StatusForbidden, "AccessDenied", "Access Denied")

var errNoSuchBucketPolicy = newErr(http.StatusNotFound, "NoSuchBucketPolicy", "The bucket policy does not exist")

// The encryption headers a bucket policy's condition keys name (the key
// is the header's name with "s3:" in front).
var sseConditionHeaders = []string{hSSE, hSSE + "-aws-kms-key-id", hSSE + "-customer-algorithm"}

func (s *Server) putBucketPolicy(q *request) error {
	if _, err := s.opt.Store.GetBucket(q.bucket); err != nil {
		return err
	}
	body, err := q.auth.ReadAll(4 * bucketpolicy.MaxSize)
	if err != nil {
		return err
	}
	if _, err := bucketpolicy.Parse(body, q.bucket); err != nil {
		var pe *bucketpolicy.Error
		if errors.As(err, &pe) {
			return newErr(http.StatusBadRequest, "MalformedPolicy", pe.Message)
		}
		return err
	}
	if err := s.opt.Store.UpdateBucket(q.bucket, func(b *store.Bucket) error {
		b.Policy = string(body)
		return nil
	}); err != nil {
		return err
	}
	q.w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) getBucketPolicy(q *request) error {
	b, err := s.opt.Store.GetBucket(q.bucket)
	if err != nil {
		return err
	}
	if b.Policy == "" {
		return errNoSuchBucketPolicy
	}
	q.w.Header().Set("Content-Type", "application/json")
	q.w.WriteHeader(http.StatusOK)
	_, _ = q.w.Write([]byte(b.Policy))
	return nil
}

func (s *Server) deleteBucketPolicy(q *request) error {
	if err := s.opt.Store.UpdateBucket(q.bucket, func(b *store.Bucket) error {
		b.Policy = ""
		return nil
	}); err != nil {
		return err
	}
	q.w.WriteHeader(http.StatusNoContent)
	return nil
}

type policyStatus struct {
	XMLName  xml.Name `xml:"PolicyStatus"`
	NS       string   `xml:"xmlns,attr"`
	IsPublic bool     `xml:"IsPublic"`
}

func (s *Server) getBucketPolicyStatus(q *request) error {
	b, err := s.opt.Store.GetBucket(q.bucket)
	if err != nil {
		return err
	}
	if b.Policy == "" {
		return errNoSuchBucketPolicy
	}
	p, err := s.parsedPolicy(b)
	if err != nil {
		return err
	}
	writeXML(q.w, http.StatusOK, policyStatus{NS: s3NS, IsPublic: p.IsPublic()})
	return nil
}

// policyCache keeps parsed policies by their text, so a request does not
// parse its bucket's policy again (the text is the record's; a changed
// policy is a new entry).
type policyCache struct {
	mu sync.Mutex
	m  map[string]*bucketpolicy.Policy
}

func newPolicyCache() *policyCache { return &policyCache{m: map[string]*bucketpolicy.Policy{}} }

func (s *Server) parsedPolicy(b store.Bucket) (*bucketpolicy.Policy, error) {
	c := s.policies
	c.mu.Lock()
	defer c.mu.Unlock()
	key := b.Name + "\x00" + b.Policy
	if p, ok := c.m[key]; ok {
		return p, nil
	}
	p, err := bucketpolicy.Parse([]byte(b.Policy), b.Name)
	if err != nil {
		return nil, fmt.Errorf("stored policy of bucket %s: %w", b.Name, err)
	}
	if len(c.m) > 256 {
		clear(c.m)
	}
	c.m[key] = p
	return p, nil
}

// authorize evaluates bucket's policy for action on the object key, with
// the request's condition keys plus extra (the upload's encryption
// headers for its later requests). The sandbox's credentials are its
// account's root: IAM allows them everything, so only an explicit Deny
// in the bucket policy refuses the request (an Allow or no statement
// lets it through). A bucket without a policy adds no step to the trace;
// with one, the decision is a PolicyChecked step.
func (s *Server) authorize(q *request, action, bucket, key string, extra map[string]string) error {
	b, err := s.opt.Store.GetBucket(bucket)
	if errors.Is(err, store.ErrNoSuchBucket) {
		return nil // the handler answers NoSuchBucket
	}
	if err != nil {
		return err
	}
	if b.Policy == "" {
		if q.anonymous {
			return errAnonymousDenied
		}
		return nil
	}
	p, err := s.parsedPolicy(b)
	if err != nil {
		return err
	}
	resource := s.objectARN(bucket, key)
	if key == "" { // a bucket-level action (authorizeBucket)
		resource = "arn:aws:s3:::" + bucket
	}
	account := s.opt.AccountID
	if q.anonymous {
		account = ""
	}
	res := p.Evaluate(bucketpolicy.Request{Action: action, Resource: resource, Account: account, Keys: s.conditionKeys(q, extra)})
	e := keyflow.Event{Op: keyflow.OpPolicyChecked, Bucket: bucket, Key: key}
	where := "bucket policy of " + bucket
	switch res.Effect {
	case bucketpolicy.Deny:
		e.Err = fmt.Sprintf("AccessDenied: the %s denies %s: %s", where, action, res.Statement)
		if res.Why != "" {
			e.Err += ": " + res.Why
		}
		s.publish(q, e)
		return newErr(http.StatusForbidden, "AccessDenied", fmt.Sprintf(
			"User: arn:aws:iam::%s:root is not authorized to perform: %s on resource: %q with an explicit deny in a resource-based policy",
			s.opt.AccountID, action, resource))
	case bucketpolicy.Allow:
		e.Detail = fmt.Sprintf("the %s allows %s: %s", where, action, res.Statement)
		if res.Why != "" {
			e.Detail += ": " + res.Why
		}
	case "":
		if q.anonymous {
			e.Err = fmt.Sprintf("AccessDenied: no statement of the %s allows anonymous %s", where, action)
			s.publish(q, e)
			return errAnonymousDenied
		}
		fallthrough
	default:
		e.Detail = fmt.Sprintf("no statement of the %s applies to %s; your credentials are the account's own (root), which IAM allows", where, action)
	}
	s.publish(q, e)
	return nil
}

// conditionKeys are the request's values of the condition keys the
// sandbox knows, by lower-case name. The encryption keys are the request
// headers as sent, not what S3 applies by default (SSE-SPEC §3.6); a KMS
// key named by id or alias is given as its key ARN, as S3 compares it.
func (s *Server) conditionKeys(q *request, extra map[string]string) map[string][]string {
	k := map[string][]string{
		"aws:securetransport": {fmt.Sprint(q.secure())},
		"s3:signatureversion": {"AWS4-HMAC-SHA256"},
		"s3:authtype":         {"REST-HEADER"},
	}
	switch {
	case q.post:
		k["s3:authtype"] = []string{"POST"}
	case q.auth.Presigned:
		k["s3:authtype"] = []string{"REST-QUERY-STRING"}
	}
	if t := q.r.TLS; t != nil {
		k["s3:tlsversion"] = []string{map[uint16]string{tls.VersionTLS12: "1.2", tls.VersionTLS13: "1.3"}[t.Version]}
	}
	if host, _, err := net.SplitHostPort(q.r.RemoteAddr); err == nil {
		k["aws:sourceip"] = []string{host}
	}
	if !q.anonymous {
		k["aws:principalaccount"] = []string{s.opt.AccountID}
	}
	for _, h := range sseConditionHeaders {
		v := q.r.Header.Get(h)
		if v == "" {
			v = extra[h]
		}
		if v == "" {
			continue
		}
		if h == hSSE+"-aws-kms-key-id" {
			v = s.keyARNOf(v)
		}
		k["s3:"+h] = []string{v}
	}
	return k
}

// keyARNOf names a KMS key by its ARN when the sandbox KMS knows it,
// else as given.
func (s *Server) keyARNOf(id string) string {
	if strings.HasPrefix(id, "arn:") && strings.Contains(id, ":key/") || s.opt.KMS == nil {
		return id
	}
	md, err := s.opt.KMS.DescribeKey(kms.Call{Caller: "S3"}, id)
	if err != nil {
		return id
	}
	return md.Arn
}

// requestSSE is what CreateMultipartUpload keeps of its encryption
// headers for the policy checks of the upload's later requests.
func requestSSE(h http.Header) map[string]string {
	var m map[string]string
	for _, name := range sseConditionHeaders {
		if v := h.Get(name); v != "" {
			if m == nil {
				m = map[string]string{}
			}
			m[name] = v
		}
	}
	return m
}

// authorizeUpload checks a request that belongs to a multipart upload
// (UploadPart, UploadPartCopy, CompleteMultipartUpload): s3:PutObject,
// with the encryption headers CreateMultipartUpload was sent standing in
// for those these requests cannot carry. UNVERIFIED: AWS evaluated part
// requests on their own headers until 2018 (boto/botocore#471, with a
// policy requiring aws:kms, UploadPart was denied); aws/aws-cli#1674
// reports a server-side fix after which the upload's initiating headers
// count, which is what lets the policies AWS documents work with
// multipart uploads.
func (s *Server) authorizeUpload(q *request) error {
	b, err := s.opt.Store.GetBucket(q.bucket)
	if errors.Is(err, store.ErrNoSuchBucket) {
		return nil // the handler answers NoSuchBucket
	}
	if err != nil || b.Policy == "" {
		return err
	}
	u, err := s.opt.Store.GetUpload(q.bucket, q.key, q.q.Get("uploadId"))
	if errors.Is(err, store.ErrNoSuchUpload) {
		return nil // the handler answers NoSuchUpload
	}
	if err != nil {
		return err
	}
	return s.authorize(q, "s3:PutObject", q.bucket, q.key, u.RequestSSE)
}

// authorizeCopySource checks s3:GetObject on a copy's source, under the
// source bucket's policy.
func (s *Server) authorizeCopySource(q *request) error {
	sb, sk, _, err := copySource(q.r.Header)
	if err != nil {
		return err // the malformed header, as the handler would answer
	}
	return s.authorize(q, "s3:GetObject", sb, sk, nil)
}
