package sigv4

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

const (
	testAKID   = "AKIAIOSFODNN7EXAMPLE"
	testSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	testRegion = "us-east-1"
)

// exampleTime is the date of the AWS documentation examples (Appendix A).
var exampleTime = time.Date(2013, 5, 24, 0, 0, 0, 0, time.UTC)

func lookup(id string) (string, bool) {
	if id == testAKID {
		return testSecret, true
	}
	return "", false
}

func newVerifier(now time.Time) *Verifier {
	return &Verifier{Lookup: lookup, Region: testRegion, Now: func() time.Time { return now }}
}

// signS3 signs req the way aws-sdk-go-v2 signs S3 requests, with the given
// x-amz-content-sha256 value, at time t.
func signS3(t *testing.T, req *http.Request, payloadHash string, at time.Time, secret string) {
	t.Helper()
	req.Header.Set("X-Amz-Content-Sha256", payloadHash)
	s := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
	creds := aws.Credentials{AccessKeyID: testAKID, SecretAccessKey: secret}
	if err := s.SignHTTP(context.Background(), creds, req, payloadHash, "s3", testRegion, at); err != nil {
		t.Fatalf("sign: %v", err)
	}
}

// newPut builds a server-side PUT request with the given body bytes.
func newPut(target string, body []byte) *http.Request {
	req := httptest.NewRequest(http.MethodPut, target, bytes.NewReader(body))
	req.Host = "127.0.0.1:9000"
	return req
}

func hexSHA(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// readBody drains a verified body and returns the bytes and the final error
// (nil for a clean EOF).
func readBody(res *Result) ([]byte, error) {
	var buf bytes.Buffer
	_, err := io.Copy(&buf, res.Body)
	return buf.Bytes(), err
}

// wantError asserts err is a *Error with the given status, code and message
// (message "" skips the message check).
func wantError(t *testing.T, err error, status int, code, msg string) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error = %v (%T), want *Error %s", err, err, code)
	}
	if e.Status != status || e.Code != code || (msg != "" && e.Message != msg) {
		t.Fatalf("error = %d %s %q, want %d %s %q", e.Status, e.Code, e.Message, status, code, msg)
	}
}

// signedChunks encodes data as signed aws-chunked chunks of size n, with the
// optional trailer, chaining signatures from seed. It also returns the
// per-chunk signatures.
func signedChunks(data []byte, n int, seed string, at time.Time, trailer string) ([]byte, []string) {
	key := signingKey(testSecret, at.Format("20060102"), testRegion, "s3")
	s := &chunkSigner{key: key, amzDate: at.Format(amzDateLayout), scope: at.Format("20060102") + "/" + testRegion + "/s3/aws4_request", prev: seed}
	sign := func(chunk []byte) string {
		h := sha256.Sum256(chunk)
		sts := "AWS4-HMAC-SHA256-PAYLOAD\n" + s.amzDate + "\n" + s.scope + "\n" + s.prev + "\n" + emptySHA256Hex + "\n" + hex.EncodeToString(h[:])
		s.prev = hex.EncodeToString(hmacSHA256(key, sts))
		return s.prev
	}
	var out bytes.Buffer
	var sigs []string
	for off := 0; off < len(data); off += n {
		chunk := data[off:min(off+n, len(data))]
		sig := sign(chunk)
		sigs = append(sigs, sig)
		fmt.Fprintf(&out, "%x;chunk-signature=%s\r\n%s\r\n", len(chunk), sig, chunk)
	}
	final := sign(nil)
	sigs = append(sigs, final)
	fmt.Fprintf(&out, "0;chunk-signature=%s\r\n", final)
	if trailer == "" {
		out.WriteString("\r\n")
		return out.Bytes(), sigs
	}
	sts := "AWS4-HMAC-SHA256-TRAILER\n" + s.amzDate + "\n" + s.scope + "\n" + final + "\n" + sha256Hex(trailer+"\n")
	out.WriteString(trailer + "\r\n")
	out.WriteString("x-amz-trailer-signature:" + hex.EncodeToString(hmacSHA256(key, sts)) + "\r\n\r\n")
	return out.Bytes(), sigs
}

// streamingPut builds a signed aws-chunked PUT of data (chunk size n),
// signing its headers with the SDK signer and its chunks with signedChunks.
func streamingPut(t *testing.T, data []byte, n int, trailer string) (*http.Request, []byte) {
	t.Helper()
	mode := streamingSigned
	req := newPut("/bucket/key", nil)
	req.Header.Set("Content-Encoding", "aws-chunked")
	req.Header.Set("X-Amz-Decoded-Content-Length", fmt.Sprint(len(data)))
	if trailer != "" {
		mode = streamingSignedTrailer
		name, _, _ := strings.Cut(trailer, ":")
		req.Header.Set("X-Amz-Trailer", name)
	}
	// Sign once to learn the encoded length, then for real.
	probe, _ := signedChunks(data, n, strings.Repeat("0", 64), exampleTime, trailer)
	req.ContentLength = int64(len(probe))
	signS3(t, req, mode, exampleTime, testSecret)
	seed := req.Header.Get("Authorization")
	seed = seed[strings.LastIndex(seed, "=")+1:]
	body, _ := signedChunks(data, n, seed, exampleTime, trailer)
	req.Body = io.NopCloser(bytes.NewReader(body))
	return req, body
}
