package sigv4

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// pipCLIPut sends body the way pip aws-cli v1 (botocore) does over https:
// HTTP Transfer-Encoding: chunked carrying an unsigned aws-chunked body with
// a CRC32 trailer (SSE-SPEC 8.2), no Content-Length.
func pipCLIPut(t *testing.T, ts *testServer, body string, headers map[string]string) record {
	t.Helper()
	// An io.Reader of unknown length makes net/http use chunked encoding.
	req, err := http.NewRequest(http.MethodPut, ts.URL+"/bkt/pip%20key", io.MultiReader(strings.NewReader(body)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Encoding", "aws-chunked")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	req.Header.Set("X-Amz-Content-Sha256", streamingUnsignedTrailer)
	s := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
	creds := aws.Credentials{AccessKeyID: testAKID, SecretAccessKey: testSecret}
	if err := s.SignHTTP(context.Background(), creds, req, streamingUnsignedTrailer, "s3", testRegion, time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return ts.last(t)
}

func TestPipCLIFraming(t *testing.T) {
	ts := newTestServer(t, true)
	crcTrailer := map[string]string{"X-Amz-Trailer": "x-amz-checksum-crc32", "X-Amz-Decoded-Content-Length": "11"}
	for _, body := range []string{
		"b\r\nhello world\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n",
		"8\r\nhello wo\r\n3\r\nrld\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n",
	} {
		rec := pipCLIPut(t, ts, body, crcTrailer)
		if rec.err != nil || string(rec.body) != "hello world" {
			t.Fatalf("%q: body %q err %v", body, rec.body, rec.err)
		}
		if len(rec.transferEncoding) != 1 || rec.transferEncoding[0] != "chunked" || rec.contentLength != -1 {
			t.Fatalf("framing not HTTP-chunked: %v %d", rec.transferEncoding, rec.contentLength)
		}
		if alg, sum := rec.res.Checksum(); alg != "CRC32" || sum != "DUoRhQ==" || rec.path != "/bkt/pip key" {
			t.Fatalf("checksum %s %s path %q", alg, sum, rec.path)
		}
	}

	rec := pipCLIPut(t, ts, "0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n", map[string]string{"X-Amz-Trailer": "x-amz-checksum-crc32", "X-Amz-Decoded-Content-Length": "0"})
	if rec.err != nil || len(rec.body) != 0 {
		t.Fatalf("empty body: %v", rec.err)
	}
	if rec = pipCLIPut(t, ts, "0\r\n\r\n", nil); rec.err != nil {
		t.Fatalf("empty body without trailer: %v", rec.err)
	}

	failures := []struct {
		body    string
		headers map[string]string
		status  int
		code    string
		msg     string
	}{
		{"b\r\nhello world\r\n0\r\nx-amz-checksum-crc32:KHcEKQ==\r\n\r\n", crcTrailer, 400, "BadDigest", "The CRC32 you specified did not match the calculated checksum."},
		{"b\r\nhello world\r\n0\r\nx-amz-checksum-crc32:KHcE\r\n\r\n", crcTrailer, 400, "InvalidRequest", "Value for x-amz-checksum-crc32 header is invalid."},
		{"b\r\nhello world\r\n0\r\n\r\n", crcTrailer, 400, "InvalidRequest", ""},
		{"b\r\nhello wo", crcTrailer, 400, "IncompleteBody", msgIncomplete},
		{"b\r\nhello world\r\n", crcTrailer, 400, "IncompleteBody", msgIncomplete},
		{"8\r\nhello wo\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n", crcTrailer, 400, "IncompleteBody", msgIncomplete},
		{"zz\r\nhello world\r\n0\r\n\r\n", nil, 400, "InvalidRequest", ""},
		{"b\r\nhello worldXX0\r\n\r\n", nil, 400, "InvalidRequest", ""},
		{"0\r\n\r\n", map[string]string{"X-Amz-Trailer": "x-amz-meta-x"}, 400, "InvalidRequest", msgTrailer},
	}
	for _, f := range failures {
		rec := pipCLIPut(t, ts, f.body, f.headers)
		wantError(t, rec.err, f.status, f.code, f.msg)
	}
}

func TestSignedChunksWithTrailer(t *testing.T) {
	data := bytes.Repeat([]byte("0123456789abcdef"), 5000) // 80000 bytes, 2 chunks
	h, _ := NewChecksum("CRC32C")
	h.Write(data)
	trailer := "x-amz-checksum-crc32c:" + ChecksumValue(h)

	req, _ := streamingPut(t, data, 64<<10, trailer)
	res, err := newVerifier(exampleTime).Verify(req)
	if err != nil {
		t.Fatal(err)
	}
	got, err := readBody(res)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("body %d bytes, err %v", len(got), err)
	}
	if alg, sum := res.Checksum(); alg != "CRC32C" || sum != ChecksumValue(h) {
		t.Fatalf("checksum %s %s", alg, sum)
	}

	// A trailer whose value changed after signing fails its signature.
	req, body := streamingPut(t, data, 64<<10, trailer)
	i := bytes.LastIndex(body, []byte("x-amz-checksum-crc32c:")) + len("x-amz-checksum-crc32c:")
	body[i] ^= 1
	req.Body = io.NopCloser(bytes.NewReader(body))
	res, err = newVerifier(exampleTime).Verify(req)
	if err != nil {
		t.Fatal(err)
	}
	_, err = readBody(res)
	wantError(t, err, 403, "SignatureDoesNotMatch", msgSignature)

	// A correctly signed trailer with the wrong checksum is BadDigest.
	req, _ = streamingPut(t, data, 64<<10, "x-amz-checksum-crc32c:AAAAAA==")
	res, _ = newVerifier(exampleTime).Verify(req)
	_, err = readBody(res)
	wantError(t, err, 400, "BadDigest", "The CRC32C you specified did not match the calculated checksum.")
}

func TestSignedChunkTampering(t *testing.T) {
	data := bytes.Repeat([]byte{'a'}, 70000)
	mutate := []struct {
		name string
		fn   func(body []byte) []byte
		code string
	}{
		{"data byte", func(b []byte) []byte { b[200] = 'b'; return b }, "SignatureDoesNotMatch"},
		{"chunk signature", func(b []byte) []byte {
			i := bytes.Index(b, []byte("chunk-signature=")) + len("chunk-signature=")
			b[i] ^= 1
			return b
		}, "SignatureDoesNotMatch"},
		{"no signature", func(b []byte) []byte {
			return bytes.Replace(b, b[bytes.IndexByte(b, ';'):bytes.IndexByte(b, '\r')], nil, 1)
		}, "SignatureDoesNotMatch"},
		{"truncated", func(b []byte) []byte { return b[:40000] }, "IncompleteBody"},
		{"final chunk dropped", func(b []byte) []byte { return b[:bytes.LastIndex(b, []byte("0;chunk"))] }, "IncompleteBody"},
	}
	for _, m := range mutate {
		req, body := streamingPut(t, data, 64<<10, "")
		req.Body = io.NopCloser(bytes.NewReader(m.fn(body)))
		res, err := newVerifier(exampleTime).Verify(req)
		if err != nil {
			t.Fatalf("%s: Verify: %v", m.name, err)
		}
		_, err = readBody(res)
		status := 403
		if m.code == "IncompleteBody" {
			status = 400
		}
		wantError(t, err, status, m.code, "")
	}
}

// zeros is an endless reader of zero bytes.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// A 64 MiB signed chunk streams through with a small, fixed amount of
// memory: data is hashed as it flows, never buffered.
func TestSignedChunkBoundedMemory(t *testing.T) {
	const size = 64 << 20
	h := sha256.New()
	if _, err := io.CopyN(h, zeros{}, size); err != nil {
		t.Fatal(err)
	}
	at := exampleTime
	key := signingKey(testSecret, "20130524", testRegion, "s3")
	s := &chunkSigner{key: key, amzDate: at.Format(amzDateLayout), scope: "20130524/us-east-1/s3/aws4_request"}

	req := newPut("/bkt/big", nil)
	req.Header.Set("Content-Encoding", "aws-chunked")
	req.Header.Set("X-Amz-Decoded-Content-Length", fmt.Sprint(size))
	signS3(t, req, streamingSigned, at, testSecret)
	auth := req.Header.Get("Authorization")
	s.prev = auth[strings.LastIndex(auth, "=")+1:]
	sign := func(dataHash []byte) string {
		sts := "AWS4-HMAC-SHA256-PAYLOAD\n" + s.amzDate + "\n" + s.scope + "\n" + s.prev + "\n" + emptySHA256Hex + "\n" + hex.EncodeToString(dataHash)
		s.prev = hex.EncodeToString(hmacSHA256(key, sts))
		return s.prev
	}
	first := sign(h.Sum(nil))
	empty := sha256.Sum256(nil)
	final := sign(empty[:])
	req.Body = io.NopCloser(io.MultiReader(
		strings.NewReader(fmt.Sprintf("%x;chunk-signature=%s\r\n", size, first)),
		io.LimitReader(zeros{}, size),
		strings.NewReader("\r\n0;chunk-signature="+final+"\r\n\r\n")))

	res, err := newVerifier(at).Verify(req)
	if err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	n, err := io.CopyBuffer(io.Discard, res.Body, make([]byte, 32<<10))
	runtime.ReadMemStats(&after)
	if err != nil || n != size {
		t.Fatalf("copied %d, err %v", n, err)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 1<<20 {
		t.Fatalf("allocated %d bytes while streaming %d", grew, size)
	}
}
