package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

const (
	algorithm      = "AWS4-HMAC-SHA256"
	emptySHA256Hex = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	amzDateLayout  = "20060102T150405Z"
	scopeDateLen   = 8
	signatureQuery = "X-Amz-Signature"
)

// canonicalInput is everything that goes into one canonical request.
type canonicalInput struct {
	method        string
	uri           string // canonical URI, already encoded
	query         string // canonical query string
	signedHeaders []string
	headerValues  []string // canonical values, parallel to signedHeaders
	payloadHash   string
}

// String renders the canonical request.
func (c *canonicalInput) String() string {
	var b strings.Builder
	b.WriteString(c.method)
	b.WriteByte('\n')
	b.WriteString(c.uri)
	b.WriteByte('\n')
	b.WriteString(c.query)
	b.WriteByte('\n')
	for i, name := range c.signedHeaders {
		b.WriteString(name)
		b.WriteByte(':')
		b.WriteString(c.headerValues[i])
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	b.WriteString(strings.Join(c.signedHeaders, ";"))
	b.WriteByte('\n')
	b.WriteString(c.payloadHash)
	return b.String()
}

// sentPath is the request path exactly as the client sent it on the wire.
func sentPath(req *http.Request) string {
	uri := req.RequestURI
	if strings.HasPrefix(uri, "/") {
		if i := strings.IndexByte(uri, '?'); i >= 0 {
			uri = uri[:i]
		}
		return uri
	}
	if req.URL == nil {
		return "/"
	}
	p := req.URL.EscapedPath()
	if p == "" {
		p = "/"
	}
	return p
}

// canonicalURI is the path as sent for S3 (the signer encoded each segment
// once) and the path encoded once more for every other service.
func canonicalURI(req *http.Request, service string) string {
	p := sentPath(req)
	if service == "s3" {
		return p
	}
	return uriEncode(p, false)
}

// uriEncode percent-encodes every byte outside the SigV4 unreserved set
// (A-Z a-z 0-9 - _ . ~), keeping '/' when encodeSlash is false.
func uriEncode(s string, encodeSlash bool) string {
	const hexUpper = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s))
	for i := range len(s) {
		c := s[i]
		if isUnreserved(c) || (c == '/' && !encodeSlash) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexUpper[c>>4])
		b.WriteByte(hexUpper[c&15])
	}
	return b.String()
}

func isUnreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '-' || c == '_' || c == '.' || c == '~'
}

// queryParam is one decoded query pair.
type queryParam struct{ key, value string }

// parseQuery decodes a raw query string into pairs, keeping repeats and
// order. An undecodable component is kept as sent.
func parseQuery(raw string) []queryParam {
	var out []queryParam
	for _, part := range strings.Split(raw, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		out = append(out, queryParam{unescapeQuery(k), unescapeQuery(v)})
	}
	return out
}

func unescapeQuery(s string) string {
	u, err := url.QueryUnescape(s)
	if err != nil {
		return s
	}
	return u
}

// canonicalQuery encodes and sorts the pairs (sorting after encoding, as
// SigV4 requires), leaving out the presigned signature itself.
func canonicalQuery(params []queryParam, presigned bool) string {
	enc := make([]queryParam, 0, len(params))
	for _, p := range params {
		if presigned && p.key == signatureQuery {
			continue
		}
		enc = append(enc, queryParam{uriEncode(p.key, true), uriEncode(p.value, true)})
	}
	sort.Slice(enc, func(i, j int) bool {
		if enc[i].key != enc[j].key {
			return enc[i].key < enc[j].key
		}
		return enc[i].value < enc[j].value
	})
	parts := make([]string, len(enc))
	for i, p := range enc {
		parts[i] = p.key + "=" + p.value
	}
	return strings.Join(parts, "&")
}

// headerValues returns the raw values of a signed header, reconstructing
// those that net/http moves out of req.Header.
func headerValues(req *http.Request, name string) []string {
	switch name {
	case "host":
		return []string{req.Host}
	case "content-length":
		if v := req.Header.Values("Content-Length"); len(v) > 0 {
			return v
		}
		if req.ContentLength >= 0 {
			return []string{strconv.FormatInt(req.ContentLength, 10)}
		}
		return nil
	case "transfer-encoding":
		if len(req.TransferEncoding) > 0 {
			return []string{strings.Join(req.TransferEncoding, ",")}
		}
	}
	return req.Header.Values(name)
}

// canonicalHeaderValue trims a header's values, collapses inner runs of
// spaces (and, when tabs is set, of tabs too, as botocore does) and joins
// repeated values with ','.
func canonicalHeaderValue(values []string, tabs bool) string {
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = collapseSpaces(v, tabs)
	}
	return strings.Join(out, ",")
}

func collapseSpaces(v string, tabs bool) string {
	isSpace := func(c byte) bool { return c == ' ' || (tabs && c == '\t') }
	var b strings.Builder
	b.Grow(len(v))
	pending := false
	for i := range len(v) {
		if isSpace(v[i]) {
			pending = b.Len() > 0
			continue
		}
		if pending {
			b.WriteByte(' ')
			pending = false
		}
		b.WriteByte(v[i])
	}
	return b.String()
}

// signingKey derives the SigV4 signing key for one scope.
func signingKey(secret, date, region, service string) []byte {
	k := hmacSHA256([]byte("AWS4"+secret), date)
	k = hmacSHA256(k, region)
	k = hmacSHA256(k, service)
	return hmacSHA256(k, "aws4_request")
}

func hmacSHA256(key []byte, data string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(data))
	return h.Sum(nil)
}

func sha256Hex(data string) string {
	sum := sha256.Sum256([]byte(data))
	return hex.EncodeToString(sum[:])
}

// stringToSign builds the request StringToSign.
func stringToSign(amzDate, scope, canonicalRequest string) string {
	return algorithm + "\n" + amzDate + "\n" + scope + "\n" + sha256Hex(canonicalRequest)
}

// signatureMatches compares a computed signature with the hex one sent.
func signatureMatches(computed []byte, sent string) bool {
	got, err := hex.DecodeString(sent)
	return err == nil && hmac.Equal(computed, got)
}
