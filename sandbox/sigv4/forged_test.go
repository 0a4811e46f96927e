package sigv4

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestTamperedPlainBody(t *testing.T) {
	v := newVerifier(exampleTime)
	req := newPut("/bkt/key", []byte("hello world"))
	signS3(t, req, hexSHA([]byte("hello world")), exampleTime, testSecret)
	req.Body = io.NopCloser(strings.NewReader("hello WORLD"))
	res, err := v.Verify(req)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	_, err = readBody(res)
	wantError(t, err, 400, "XAmzContentSHA256Mismatch", msgContentSHA)
	if res.MD5() != nil {
		t.Error("MD5 available after a failed body")
	}
}

func TestChecksumAndMD5Headers(t *testing.T) {
	body := []byte("hello world")
	cases := []struct {
		name    string
		headers map[string]string
		verify  bool // failure comes from Verify rather than the body
		status  int
		code    string
		msg     string
	}{
		{"crc32 ok", map[string]string{"X-Amz-Checksum-Crc32": "DUoRhQ=="}, false, 0, "", ""},
		{"crc32 mismatch", map[string]string{"X-Amz-Checksum-Crc32": "KHcEKQ=="}, false, 400, "BadDigest", "The CRC32 you specified did not match the calculated checksum."},
		{"sha256 mismatch", map[string]string{"X-Amz-Checksum-Sha256": "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="}, false, 400, "BadDigest", "The SHA256 you specified did not match the calculated checksum."},
		{"crc32 malformed", map[string]string{"X-Amz-Checksum-Crc32": "DUoRhQ"}, true, 400, "InvalidRequest", "Value for x-amz-checksum-crc32 header is invalid."},
		{"two checksums", map[string]string{"X-Amz-Checksum-Crc32": "DUoRhQ==", "X-Amz-Checksum-Sha1": "Kq5sNclPz7QV2+lfQIuc6R7oRu0="}, true, 400, "InvalidRequest", "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed."},
		{"sdk alg alone", map[string]string{"X-Amz-Sdk-Checksum-Algorithm": "CRC32"}, true, 400, "InvalidRequest", "x-amz-sdk-checksum-algorithm specified, but no corresponding x-amz-checksum-* or x-amz-trailer headers were found."},
		{"md5 ok", map[string]string{"Content-MD5": "XrY7u+Ae7tCTyyK7j1rNww=="}, false, 0, "", ""},
		{"md5 mismatch", map[string]string{"Content-MD5": "1B2M2Y8AsgTpgAmY7PhCfg=="}, false, 400, "BadDigest", msgContentMD5},
		{"md5 malformed", map[string]string{"Content-MD5": "not-base64"}, true, 400, "InvalidDigest", msgInvalidMD5},
		{"trailer without chunks", map[string]string{"X-Amz-Trailer": "x-amz-checksum-crc32"}, true, 400, "InvalidRequest", msgTrailer},
	}
	for _, c := range cases {
		req := newPut("/bkt/key", body)
		for k, v := range c.headers {
			req.Header.Set(k, v)
		}
		signS3(t, req, unsignedPayload, exampleTime, testSecret)
		res, err := newVerifier(exampleTime).Verify(req)
		if c.verify {
			wantError(t, err, c.status, c.code, c.msg)
			continue
		}
		if err != nil {
			t.Fatalf("%s: Verify: %v", c.name, err)
		}
		got, err := readBody(res)
		if c.code == "" {
			if err != nil || !bytes.Equal(got, body) {
				t.Fatalf("%s: body %q err %v", c.name, got, err)
			}
			continue
		}
		wantError(t, err, c.status, c.code, c.msg)
	}
}

func TestTruncatedPlainBody(t *testing.T) {
	req := newPut("/bkt/key", []byte("0123456789"))
	signS3(t, req, unsignedPayload, exampleTime, testSecret)
	req.Body = io.NopCloser(strings.NewReader("01234"))
	res, err := newVerifier(exampleTime).Verify(req)
	if err != nil {
		t.Fatal(err)
	}
	_, err = readBody(res)
	wantError(t, err, 400, "IncompleteBody", msgIncomplete)
}

func TestAuthFailures(t *testing.T) {
	signed := func(mut func(*http.Request)) *http.Request {
		req := newPut("/bkt/key", nil)
		signS3(t, req, emptySHA256Hex, exampleTime, testSecret)
		if mut != nil {
			mut(req)
		}
		return req
	}
	replaceAuth := func(old, new string) func(*http.Request) {
		return func(r *http.Request) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), old, new, 1))
		}
	}
	cases := []struct {
		name           string
		req            *http.Request
		now            time.Time
		status         int
		code, msg, reg string
	}{
		{"skew", signed(nil), exampleTime.Add(16 * time.Minute), 403, "RequestTimeTooSkewed", msgSkew, ""},
		{"region", signed(replaceAuth("/us-east-1/", "/eu-west-1/")), exampleTime, 400, "AuthorizationHeaderMalformed",
			"The authorization header is malformed; the region 'eu-west-1' is wrong; expecting 'us-east-1'", "us-east-1"},
		{"credential", signed(replaceAuth("/aws4_request", "/aws5_request")), exampleTime, 400, "AuthorizationHeaderMalformed", msgCredential, ""},
		{"cred date", signed(replaceAuth("/20130524/", "/20130525/")), exampleTime, 400, "AuthorizationHeaderMalformed", msgCredDate, ""},
		{"no signature", signed(replaceAuth(", Signature=", ", Sig=")), exampleTime, 400, "AuthorizationHeaderMalformed", msgMalformed, ""},
		{"sigv2", signed(func(r *http.Request) { r.Header.Set("Authorization", "AWS AKIAIOSFODNN7EXAMPLE:abc=") }), exampleTime, 400, "InvalidRequest", "The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.", ""},
		{"unknown scheme", signed(func(r *http.Request) { r.Header.Set("Authorization", "Bearer x") }), exampleTime, 400, "InvalidArgument", "Unsupported Authorization Type", ""},
		{"unknown key", signed(replaceAuth(testAKID, "AKIAOTHER")), exampleTime, 403, "InvalidAccessKeyId", msgAccessKey, ""},
		{"no sha header", signed(func(r *http.Request) { r.Header.Del("X-Amz-Content-Sha256") }), exampleTime, 400, "InvalidRequest", "Missing required header for this request: x-amz-content-sha256", ""},
		{"bad sha header", signed(func(r *http.Request) { r.Header.Set("X-Amz-Content-Sha256", "abc") }), exampleTime, 400, "InvalidArgument", msgContentHash, ""},
		{"unsigned amz header", signed(func(r *http.Request) { r.Header.Set("X-Amz-Server-Side-Encryption", "AES256") }), exampleTime, 403, "AccessDenied", "There were headers present in the request which were not signed", ""},
		{"changed method", signed(func(r *http.Request) { r.Method = http.MethodDelete }), exampleTime, 403, "SignatureDoesNotMatch", msgSignature, ""},
		{"changed host", signed(func(r *http.Request) { r.Host = "127.0.0.1:9001" }), exampleTime, 403, "SignatureDoesNotMatch", msgSignature, ""},
	}
	for _, c := range cases {
		_, err := newVerifier(c.now).Verify(c.req)
		wantError(t, err, c.status, c.code, c.msg)
		if e := (*Error)(nil); !errors.As(err, &e) || e.Region != c.reg {
			t.Errorf("%s: Region = %q, want %q", c.name, e.Region, c.reg)
		}
	}

	_, err := newVerifier(exampleTime).Verify(newPut("/bkt/key", nil))
	if !IsMissingAuth(err) {
		t.Fatalf("no auth: %v", err)
	}
	wantError(t, err, 403, "AccessDenied", "Access Denied")
}

// A signature made over a header with runs of whitespace verifies: values
// are trimmed and inner spaces collapsed before signing.
func TestHeaderWhitespace(t *testing.T) {
	req := newPut("/bkt/key", nil)
	req.Header.Set("X-Amz-Meta-Note", "  a   b  c ")
	req.Header.Add("X-Amz-Meta-Multi", "one")
	req.Header.Add("X-Amz-Meta-Multi", "two  three")
	signS3(t, req, emptySHA256Hex, exampleTime, testSecret)
	if _, err := newVerifier(exampleTime).Verify(req); err != nil {
		t.Fatal(err)
	}
}

func TestPresignedQueryErrors(t *testing.T) {
	base := "/bkt/key?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request" +
		"&X-Amz-Date=20130524T000000Z&X-Amz-SignedHeaders=host&X-Amz-Signature=00"
	cases := []struct{ query, msg string }{
		{base, "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters."},
		{base + "&X-Amz-Expires=604801", "X-Amz-Expires must be less than a week (in seconds) that is 604800"},
		{base + "&X-Amz-Expires=x", "X-Amz-Expires should be a number"},
	}
	for _, c := range cases {
		req := httptest.NewRequest(http.MethodGet, c.query, nil)
		_, err := newVerifier(exampleTime).Verify(req)
		wantError(t, err, 400, "AuthorizationQueryParametersError", c.msg)
	}
	// What pip aws-cli v1 `s3 presign` produces without s3.signature_version=s3v4.
	req := httptest.NewRequest(http.MethodGet, "/bkt/a%20b?AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Signature=wCEknrO1HGECnTVUIqv0VzSxVNk%3D&Expires=1795765400", nil)
	_, err := newVerifier(exampleTime).Verify(req)
	wantError(t, err, 400, "InvalidRequest", "The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.")

	req = httptest.NewRequest(http.MethodGet, base+"&X-Amz-Expires=60", nil)
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=x")
	_, err = newVerifier(exampleTime).Verify(req)
	wantError(t, err, 400, "InvalidArgument", "")
}

func TestResultReadAll(t *testing.T) {
	doc := []byte("<CreateBucketConfiguration/>")
	verify := func(body []byte, signedFor []byte) *Result {
		req := newPut("/bkt", body)
		signS3(t, req, hexSHA(signedFor), exampleTime, testSecret)
		res, err := newVerifier(exampleTime).Verify(req)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	if b, err := verify(doc, doc).ReadAll(1024); err != nil || !bytes.Equal(b, doc) {
		t.Fatalf("ReadAll = %q, %v", b, err)
	}
	_, err := verify(doc, []byte("other")).ReadAll(1024)
	wantError(t, err, 400, "XAmzContentSHA256Mismatch", msgContentSHA)
	_, err = verify(doc, doc).ReadAll(int64(len(doc) - 1))
	wantError(t, err, 400, "MaxMessageLengthExceeded", "Your request was too big.")
}
