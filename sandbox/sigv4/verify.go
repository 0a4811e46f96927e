package sigv4

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// DefaultMaxHashedBody caps how much of a body the verifier reads into
// memory to hash before it can check the signature: only for non-S3
// requests (KMS) that carry no x-amz-content-sha256, whose bodies are small
// JSON documents.
const DefaultMaxHashedBody = 1 << 20

// Verifier checks SigV4 signatures against a set of credentials.
type Verifier struct {
	// Lookup returns the secret access key for an access key ID.
	Lookup func(accessKeyID string) (secret string, ok bool)
	// Region is the region the credential scope must name; a mismatch is
	// AuthorizationHeaderMalformed. Empty accepts any region.
	Region string
	// Service is the service the credential scope must name ("s3",
	// "kms"); a mismatch is an *Error with WrongService set. Empty accepts
	// any service (unit tests of the signing arithmetic only).
	Service string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// MaxHashedBody overrides DefaultMaxHashedBody when positive.
	MaxHashedBody int64
}

// Verify authenticates req. On success the returned Result's Body is the
// decoded payload; reading it to EOF completes the integrity checks (see
// Result). Every failure is a *Error; ErrMissingAuth when the request
// carries no authentication at all.
func (v *Verifier) Verify(req *http.Request) (*Result, error) {
	params := parseQuery(req.URL.RawQuery)
	query := firstValues(params)
	hasHeader := req.Header.Get("Authorization") != ""
	_, hasQuery := query[qAlgorithm]
	var a *authInfo
	var e *Error
	switch {
	case hasHeader && hasQuery:
		return nil, errInvalidArgument("Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified")
	case hasQuery:
		a, e = parsePresigned(query)
	case hasHeader:
		a, e = parseAuthHeader(req.Header.Get("Authorization"))
		if e == nil {
			e = a.setHeaderDate(req)
		}
	case query["AWSAccessKeyId"] != "" && query["Signature"] != "":
		return nil, errSigV2()
	default:
		return nil, ErrMissingAuth
	}
	if e != nil {
		return nil, e
	}
	if e := v.checkScope(a); e != nil {
		return nil, e
	}
	if e := v.checkTime(a); e != nil {
		return nil, e
	}
	secret, ok := "", false
	if v.Lookup != nil {
		secret, ok = v.Lookup(a.accessKey)
	}
	if !ok {
		return nil, errAccessKey()
	}
	return v.verifySigned(req, a, params, secret)
}

// verifySigned checks the request signature and builds the Result.
func (v *Verifier) verifySigned(req *http.Request, a *authInfo, params []queryParam, secret string) (*Result, error) {
	plan, e := v.payloadPlan(req, a)
	if e != nil {
		return nil, e
	}
	ci := canonicalInput{
		method:        req.Method,
		uri:           canonicalURI(req, a.service),
		query:         canonicalQuery(params, a.presigned),
		signedHeaders: a.signedHeaders,
		payloadHash:   plan.hash,
	}
	key := signingKey(secret, a.scopeDate, a.region, a.service)
	sts, ok := ci.check(req, a, key)
	if !ok {
		return nil, errSignature(sts)
	}
	if h := unsignedAmzHeader(req, a.signedHeaders); h != "" {
		return nil, newError(http.StatusForbidden, "AccessDenied", "There were headers present in the request which were not signed")
	}
	res := &Result{AccessKeyID: a.accessKey, Service: a.service, Region: a.region, Presigned: a.presigned}
	if err := v.buildBody(req, a, key, plan, res); err != nil {
		return nil, err
	}
	return res, nil
}

// check computes the signature with both header-whitespace conventions in
// use (aws-sdk-go-v2 collapses spaces only, botocore all whitespace) and
// reports whether either matches; it returns the StringToSign of the first.
func (c *canonicalInput) check(req *http.Request, a *authInfo, key []byte) (string, bool) {
	first := ""
	for _, tabs := range []bool{false, true} {
		hasTab := false
		c.headerValues = make([]string, len(c.signedHeaders))
		for i, name := range c.signedHeaders {
			vals := headerValues(req, name)
			for _, v := range vals {
				hasTab = hasTab || strings.ContainsRune(v, '\t')
			}
			c.headerValues[i] = canonicalHeaderValue(vals, tabs)
		}
		sts := stringToSign(a.amzDate, a.scope(), c.String())
		if first == "" {
			first = sts
		}
		if signatureMatches(hmacSHA256(key, sts), a.signature) {
			return first, true
		}
		if !hasTab {
			break
		}
	}
	return first, false
}

// payload modes, from x-amz-content-sha256.
const (
	unsignedPayload          = "UNSIGNED-PAYLOAD"
	streamingSigned          = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
	streamingSignedTrailer   = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
	streamingUnsignedTrailer = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
)

// plan says how the payload is framed and what proves its integrity.
type plan struct {
	hash      string // the payload hash that goes into the canonical request
	chunked   bool   // aws-chunked framing
	chunkSigs bool   // chunk signatures present
	trailer   bool   // trailer section expected
	signedHex string // plain body: hex SHA-256 to check at EOF
	buffered  []byte // non-S3 body read up front to hash
}

// payloadPlan reads x-amz-content-sha256 (or hashes a small non-S3 body).
func (v *Verifier) payloadPlan(req *http.Request, a *authInfo) (plan, *Error) {
	var h string
	if a.presigned {
		h = firstValues(parseQuery(req.URL.RawQuery))[qContentSHA256]
		if h == "" {
			h = unsignedPayload
		}
	} else if a.service != "s3" {
		// Outside S3, SigV4 always covers the body: the service hashes what
		// it received and ignores any x-amz-content-sha256 claim, so a
		// request signed with UNSIGNED-PAYLOAD (or any hash but the body's)
		// fails the signature check. Only S3 honours the header's payload
		// modes (Signature Version 4 signing docs, "Create a canonical
		// request": HashedPayload; the x-amz-content-sha256 header "is
		// required for Amazon S3 requests").
		return v.hashBody(req)
	} else if h = req.Header.Get("X-Amz-Content-Sha256"); h == "" {
		return plan{}, errInvalidRequest("Missing required header for this request: x-amz-content-sha256")
	}
	switch h {
	case unsignedPayload:
		return plan{hash: h}, nil
	case streamingSigned:
		return plan{hash: h, chunked: true, chunkSigs: true}, nil
	case streamingSignedTrailer:
		return plan{hash: h, chunked: true, chunkSigs: true, trailer: true}, nil
	case streamingUnsignedTrailer:
		return plan{hash: h, chunked: true, trailer: true}, nil
	case "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD", "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER":
		return plan{}, newError(http.StatusNotImplemented, "NotImplemented", "A header you provided implies functionality that is not implemented")
	}
	if b, err := hex.DecodeString(h); err != nil || len(b) != sha256.Size {
		return plan{}, errInvalidArgument(msgContentHash)
	}
	return plan{hash: h, signedHex: strings.ToLower(h)}, nil
}

// hashBody reads a small body whole to compute the payload hash the signer
// put in the canonical request.
func (v *Verifier) hashBody(req *http.Request) (plan, *Error) {
	limit := v.MaxHashedBody
	if limit <= 0 {
		limit = DefaultMaxHashedBody
	}
	var buf []byte
	if req.Body != nil {
		var err error
		buf, err = io.ReadAll(io.LimitReader(req.Body, limit+1))
		if errors.Is(err, ErrRequestTimeout) { // a stalled body (IdleBody), not a short one
			return plan{}, ErrRequestTimeout
		}
		if err != nil {
			return plan{}, errIncomplete()
		}
	}
	if int64(len(buf)) > limit {
		return plan{}, newError(http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", fmt.Sprintf("Request body is larger than %d bytes", limit))
	}
	sum := sha256.Sum256(buf)
	return plan{hash: hex.EncodeToString(sum[:]), buffered: buf}, nil
}

// firstValues keeps the first value of each query parameter.
func firstValues(params []queryParam) map[string]string {
	m := make(map[string]string, len(params))
	for _, p := range params {
		if _, ok := m[p.key]; !ok {
			m[p.key] = p.value
		}
	}
	return m
}

// bodyOf returns the request body, or the buffered copy of it.
func bodyOf(req *http.Request, p plan) io.ReadCloser {
	if p.buffered != nil {
		return io.NopCloser(bytes.NewReader(p.buffered))
	}
	if req.Body == nil {
		return http.NoBody
	}
	return req.Body
}
