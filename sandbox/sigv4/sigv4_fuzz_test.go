package sigv4

import (
	"bufio"
	"bytes"
	"context"
	"crypto/md5" //nolint:gosec // Content-MD5 is what S3 asks for
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// Fuzz targets for the SigV4 verifier: every input either verifies or
// fails with a typed *Error (S3's code and status), never a panic and never
// a bare Go error that the server would answer as 500.

// wantTyped fails unless err is nil or a *Error with a 4xx status.
func wantTyped(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("untyped error %T: %v", err, err)
	}
	if e.Status < 400 || e.Status > 499 || e.Code == "" {
		t.Fatalf("error %d %q: want a 4xx with an S3 code", e.Status, e.Code)
	}
}

// realAuthHeader is what aws-sdk-go-v2 sends for a PUT at exampleTime.
func realAuthHeader() (string, *http.Request) {
	req := newPut("/bucket/key", []byte("hello"))
	req.Header.Set("X-Amz-Content-Sha256", unsignedPayload)
	s := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
	creds := aws.Credentials{AccessKeyID: testAKID, SecretAccessKey: testSecret}
	if err := s.SignHTTP(context.Background(), creds, req, unsignedPayload, "s3", testRegion, exampleTime); err != nil {
		panic(err)
	}
	return req.Header.Get("Authorization"), req
}

// FuzzAuthHeader parses Authorization header values. A value that parses
// re-serialises to one that parses to the same claims; a whole request with
// the value in place verifies or fails typed.
func FuzzAuthHeader(f *testing.F) {
	h, _ := realAuthHeader()
	f.Add(h, "20130524T000000Z")
	f.Add("AWS AKIAIOSFODNN7EXAMPLE:frJIUN8DYpKDtOLCwo//yllqDzg=", "")
	f.Add("AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41", "20130524T000000Z")
	f.Add("AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/kms/aws4_request, SignedHeaders=host, Signature=00", "Fri, 24 May 2013 00:00:00 GMT")
	f.Fuzz(func(t *testing.T, header, date string) {
		a, e := parseAuthHeader(header)
		if e != nil {
			wantTyped(t, e)
		} else {
			again := "AWS4-HMAC-SHA256 Credential=" + a.accessKey + "/" + a.scope() +
				", SignedHeaders=" + strings.Join(a.signedHeaders, ";") + ", Signature=" + a.signature
			b, e := parseAuthHeader(again)
			if e != nil {
				t.Fatalf("re-serialised %q: %v", again, e)
			}
			if b.scope() != a.scope() || b.accessKey != a.accessKey || b.signature != a.signature ||
				strings.Join(b.signedHeaders, ";") != strings.Join(a.signedHeaders, ";") {
				t.Fatalf("round trip %q: %+v != %+v", again, b, a)
			}
		}
		_, req := realAuthHeader()
		if !validHeader(header) || !validHeader(date) {
			return
		}
		req.Header.Set("Authorization", header)
		req.Header.Set("X-Amz-Date", date)
		res, err := newVerifier(exampleTime).Verify(req)
		wantTyped(t, err)
		if err == nil {
			if res.AccessKeyID != testAKID {
				t.Fatalf("verified as %q", res.AccessKeyID)
			}
			_, err := io.ReadAll(res.Body)
			wantTyped(t, err)
		}
	})
}

func validHeader(v string) bool {
	return !strings.ContainsAny(v, "\r\n\x00")
}

// FuzzPresignedQuery verifies GETs whose query string is the input: a real
// presigned URL and its mutations verify or fail typed.
func FuzzPresignedQuery(f *testing.F) {
	req, _ := http.NewRequest(http.MethodGet, "http://127.0.0.1:9000/bucket/key?versionId=3HL4kqtJlcpXroDTDmJ%2Brmdbi", nil)
	s := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
	creds := aws.Credentials{AccessKeyID: testAKID, SecretAccessKey: testSecret}
	q := req.URL.Query()
	q.Set("X-Amz-Expires", "300")
	req.URL.RawQuery = q.Encode()
	signed, _, err := s.PresignHTTP(context.Background(), creds, req, unsignedPayload, "s3", testRegion, exampleTime)
	if err != nil {
		f.Fatal(err)
	}
	u, _ := url.Parse(signed)
	f.Add(u.RawQuery)
	f.Add("X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404")
	f.Add("AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Signature=abc%3D&Expires=1369353600")
	f.Add("X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=-1")
	f.Fuzz(func(t *testing.T, rawQuery string) {
		req := httptest0(http.MethodGet, "/bucket/key")
		req.URL.RawQuery = rawQuery
		res, err := newVerifier(exampleTime.Add(time.Minute)).Verify(req)
		wantTyped(t, err)
		if err == nil {
			if !res.Presigned && req.Header.Get("Authorization") == "" {
				t.Fatal("verified without any signature")
			}
			_, err := io.ReadAll(res.Body)
			wantTyped(t, err)
		}
	})
}

func httptest0(method, target string) *http.Request {
	req := newPut(target, nil)
	req.Method = method
	return req
}

// FuzzCanonicalRequest is a differential test against aws-sdk-go-v2's
// signer: whatever path, query pair and x-amz-meta value the SDK signs and
// net/http sends, the verifier's canonical request must match it (the
// request verifies); a changed signed header must not.
func FuzzCanonicalRequest(f *testing.F) {
	f.Add("photos/2013/05/24/IMG 01.jpg", "prefix", "a b/c", "caf\u00e9  two  spaces")
	f.Add("key+with+plus=and%25percent", "list-type", "2", "v")
	f.Add("a/../b/./c//d", "uploadId", "VXBsb2FkIElEIGZvciA2aWWpbmcncyBteS1tb3ZpZS5tMnRzIHVwbG9hZA", "\t tab")
	f.Add("~unreserved-_.", "response-content-disposition", "attachment; filename=\"r\u00e9sum\u00e9.pdf\"", "")
	f.Add("emoji/\U0001F512", "", "", "x")
	f.Fuzz(func(t *testing.T, key, qk, qv, meta string) {
		u := &url.URL{Scheme: "http", Host: "127.0.0.1:9000", Path: "/bucket/" + key}
		if qk != "" {
			u.RawQuery = url.Values{qk: {qv}}.Encode()
		}
		req, err := http.NewRequest(http.MethodPut, u.String(), strings.NewReader("hello"))
		if err != nil {
			return
		}
		if strings.ContainsAny(meta, "\r\n") {
			// net/http sends CR and LF in a header value as spaces, so
			// the bytes the SDK signed are not the bytes sent (AWS
			// refuses such a request too): not a verifier question.
			return
		}
		if meta != "" {
			req.Header.Set("X-Amz-Meta-Fuzz", meta)
		}
		req.Header.Set("X-Amz-Content-Sha256", unsignedPayload)
		s := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
		creds := aws.Credentials{AccessKeyID: testAKID, SecretAccessKey: testSecret}
		if err := s.SignHTTP(context.Background(), creds, req, unsignedPayload, "s3", testRegion, exampleTime); err != nil {
			return
		}
		var wire bytes.Buffer
		if err := req.Write(&wire); err != nil {
			return // net/http refuses to send it
		}
		sent := wire.Bytes()
		srv, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(sent)))
		if err != nil {
			return // a server refuses it before SigV4
		}
		res, err := newVerifier(exampleTime).Verify(srv)
		if err != nil {
			t.Fatalf("SDK-signed request refused: %v\n%s", err, sent)
		}
		if b, err := io.ReadAll(res.Body); err != nil || string(b) != "hello" {
			t.Fatalf("body %q %v", b, err)
		}
		if meta != "" {
			srv, _ = http.ReadRequest(bufio.NewReader(bytes.NewReader(sent)))
			srv.Header.Set("X-Amz-Meta-Fuzz", meta+"!")
			if _, err := newVerifier(exampleTime).Verify(srv); err == nil {
				t.Fatal("changed signed header verified")
			}
		}
	})
}

// FuzzChunkedBody feeds the input as the body of a signed aws-chunked PUT
// (mode 0: signed chunks; 1: signed chunks with a signed CRC32 trailer; 2:
// unsigned chunks with a CRC32 trailer, as pip aws-cli sends; 3: plain body
// with Content-MD5 and x-amz-checksum-crc32c headers). Reading the body
// ends in a clean EOF or a typed error; a clean EOF of a signed body
// yields exactly the bytes that were signed, and an unsigned body's bytes
// match its declared checksum.
func FuzzChunkedBody(f *testing.F) {
	data := []byte("The quick brown fox jumps over the lazy dog, 0123456789")
	trailer := crcTrailer(data)
	_, b0 := streamingReq(data, "")
	_, b1 := streamingReq(data, trailer)
	f.Add(uint8(0), b0)
	f.Add(uint8(1), b1)
	f.Add(uint8(1), b0)
	f.Add(uint8(2), []byte("b\r\nhello world\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n"))
	f.Add(uint8(2), []byte("8\r\nhello wo\r\n3\r\nrld\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n"))
	f.Add(uint8(2), []byte("0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n"))
	// The 2026 algorithms' trailers (XXH64 and XXH3-128 of "hello world").
	f.Add(uint8(2), []byte("b\r\nhello world\r\n0\r\nx-amz-checksum-xxhash64:RatnNLIeaWg=\r\n\r\n"))
	f.Add(uint8(2), []byte("b\r\nhello world\r\n0\r\nx-amz-checksum-xxhash128:340J6T+HSQCpm4d1zBW2xw==\r\n\r\n"))
	f.Add(uint8(3), data)
	f.Fuzz(func(t *testing.T, mode uint8, body []byte) {
		var req *http.Request
		switch mode % 4 {
		case 0, 1:
			tr := ""
			if mode%4 == 1 {
				tr = trailer
			}
			req, _ = streamingReq(data, tr)
		case 2:
			req = newPut("/bucket/key", nil)
			req.Header.Set("Content-Encoding", "aws-chunked")
			req.Header.Set("X-Amz-Trailer", "x-amz-checksum-crc32")
			req.ContentLength = int64(len(body))
			signS3(t, req, streamingUnsignedTrailer, exampleTime, testSecret)
		case 3:
			req = newPut("/bucket/key", nil)
			sum := md5.Sum(data) //nolint:gosec // Content-MD5
			req.Header.Set("Content-MD5", base64.StdEncoding.EncodeToString(sum[:]))
			h, _ := NewChecksum(CRC32C)
			h.Write(data)
			req.Header.Set("X-Amz-Checksum-Crc32c", ChecksumValue(h))
			req.ContentLength = int64(len(body))
			signS3(t, req, unsignedPayload, exampleTime, testSecret)
		}
		req.Body = io.NopCloser(bytes.NewReader(body))
		res, err := newVerifier(exampleTime).Verify(req)
		wantTyped(t, err)
		if err != nil {
			return
		}
		got, err := io.ReadAll(res.Body)
		wantTyped(t, err)
		if err != nil {
			return
		}
		switch mode % 4 {
		case 0, 1, 3:
			if !bytes.Equal(got, data) {
				t.Fatalf("mode %d: verified body %q, signed %q", mode%4, got, data)
			}
		case 2:
			if alg, sum := res.Checksum(); alg != CRC32 || crcTrailer(got) != "x-amz-checksum-crc32:"+sum {
				t.Fatalf("unsigned body %q accepted with checksum %s %s", got, alg, sum)
			}
		}
	})
}

// streamingReq is streamingPut without a *testing.T, for seeds.
func streamingReq(data []byte, trailer string) (*http.Request, []byte) {
	mode := streamingSigned
	req := newPut("/bucket/key", nil)
	req.Header.Set("Content-Encoding", "aws-chunked")
	req.Header.Set("X-Amz-Decoded-Content-Length", strconv.Itoa(len(data)))
	if trailer != "" {
		mode = streamingSignedTrailer
		name, _, _ := strings.Cut(trailer, ":")
		req.Header.Set("X-Amz-Trailer", name)
	}
	probe, _ := signedChunks(data, 16, strings.Repeat("0", 64), exampleTime, trailer)
	req.ContentLength = int64(len(probe))
	req.Header.Set("X-Amz-Content-Sha256", mode)
	s := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
	creds := aws.Credentials{AccessKeyID: testAKID, SecretAccessKey: testSecret}
	if err := s.SignHTTP(context.Background(), creds, req, mode, "s3", testRegion, exampleTime); err != nil {
		panic(err)
	}
	seed := req.Header.Get("Authorization")
	seed = seed[strings.LastIndex(seed, "=")+1:]
	body, _ := signedChunks(data, 16, seed, exampleTime, trailer)
	return req, body
}

func crcTrailer(data []byte) string {
	h, _ := NewChecksum(CRC32)
	h.Write(data)
	return "x-amz-checksum-crc32:" + ChecksumValue(h)
}
