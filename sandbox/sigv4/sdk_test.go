package sigv4

import (
	"bytes"
	"context"
	"encoding/hex"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

var oddKeys = []string{
	"plain.txt",
	"sp ace/plus+sign/tilde~/eq=amp&semi;/pct%41/quest?hash#end",
	"ünïcödé/日本語/emoji-😀",
	"a//b/./c/../d",
	"*'()!$,:@[]{}^`|\\\"<>",
}

func TestSDKPutObject(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	sizes := []int{0, 1, 64<<10 + 1, 5 << 20}
	algs := []types.ChecksumAlgorithm{types.ChecksumAlgorithmCrc32c, types.ChecksumAlgorithmCrc64nvme,
		types.ChecksumAlgorithmSha256, types.ChecksumAlgorithmSha1}
	for _, tls := range []bool{false, true} {
		ts := newTestServer(t, tls)
		client := ts.s3Client(testAKID, testSecret)
		for i, size := range sizes {
			data := make([]byte, size)
			for j := range data {
				data[j] = byte(rng.Uint32())
			}
			for _, alg := range []types.ChecksumAlgorithm{"", algs[i]} {
				key := oddKeys[(i+len(alg))%len(oddKeys)]
				putAndCheck(t, ts, client, tls, key, data, alg)
			}
		}
	}
}

// putAndCheck uploads data with the SDK and checks what the server decoded.
func putAndCheck(t *testing.T, ts *testServer, client *s3.Client, tls bool, key string, data []byte, alg types.ChecksumAlgorithm) {
	t.Helper()
	out, err := client.PutObject(context.Background(), &s3.PutObjectInput{
		Bucket: aws.String("bkt"), Key: aws.String(key), Body: bytes.NewReader(data), ChecksumAlgorithm: alg,
	})
	rec := ts.last(t)
	size := len(data)
	if err != nil || rec.err != nil {
		t.Fatalf("tls=%v size=%d alg=%s: client %v, server %v", tls, size, alg, err, rec.err)
	}
	if rec.path != "/bkt/"+key {
		t.Errorf("path = %q, want %q", rec.path, "/bkt/"+key)
	}
	if !bytes.Equal(rec.body, data) || hex.EncodeToString(rec.res.MD5()) != md5hex(data) {
		t.Errorf("tls=%v size=%d: decoded body differs (%d bytes)", tls, size, len(rec.body))
	}
	if aws.ToString(out.ETag) != `"`+md5hex(data)+`"` {
		t.Errorf("ETag = %s", aws.ToString(out.ETag))
	}
	wantAlg := string(alg)
	if wantAlg == "" {
		wantAlg = "CRC32"
	}
	h, _ := NewChecksum(wantAlg)
	h.Write(data)
	if gotAlg, sum := rec.res.Checksum(); gotAlg != wantAlg || sum != ChecksumValue(h) {
		t.Errorf("tls=%v size=%d: checksum = %s %s, want %s %s", tls, size, gotAlg, sum, wantAlg, ChecksumValue(h))
	}
	if rec.res.DecodedLength != int64(size) {
		t.Errorf("DecodedLength = %d, want %d", rec.res.DecodedLength, size)
	}
	checkPutShape(t, rec, tls, size)
}

// checkPutShape pins which framing the SDK used, so both the plain and the
// aws-chunked paths are known to be exercised (SSE-SPEC 8.3).
func checkPutShape(t *testing.T, rec record, tls bool, size int) {
	t.Helper()
	sha := rec.header.Get("X-Amz-Content-Sha256")
	switch {
	case tls && size > 0:
		if sha != streamingUnsignedTrailer || !strings.HasPrefix(rec.header.Get("X-Amz-Trailer"), "x-amz-checksum-") ||
			!strings.Contains(rec.header.Get("Content-Encoding"), "aws-chunked") {
			t.Errorf("https size=%d: sha=%q trailer=%q encoding=%q", size, sha, rec.header.Get("X-Amz-Trailer"), rec.header.Get("Content-Encoding"))
		}
		if rec.res.ContentEncoding != "" {
			t.Errorf("ContentEncoding = %q, want aws-chunked stripped", rec.res.ContentEncoding)
		}
	case !tls:
		if sha != hexSHA(rec.body) || rec.header.Get("X-Amz-Checksum-"+rec.res.ChecksumAlgorithm) == "" {
			t.Errorf("http size=%d: sha=%q checksum header missing", size, sha)
		}
	}
}

func TestSDKGetObjectQuery(t *testing.T) {
	for _, tls := range []bool{false, true} {
		ts := newTestServer(t, tls)
		client := ts.s3Client(testAKID, testSecret)
		out, err := client.GetObject(context.Background(), &s3.GetObjectInput{
			Bucket:                     aws.String("bkt"),
			Key:                        aws.String(oddKeys[1]),
			Range:                      aws.String("bytes=0-4"),
			VersionId:                  aws.String("v+1/=&x y"),
			ResponseContentDisposition: aws.String(`attachment; filename="a b+c.txt"`),
			ResponseCacheControl:       aws.String("no-cache"),
		})
		rec := ts.last(t)
		if err != nil || rec.err != nil {
			t.Fatalf("tls=%v: client %v, server %v", tls, err, rec.err)
		}
		b, _ := io.ReadAll(out.Body)
		out.Body.Close()
		if string(b) != "hello" || !strings.Contains(rec.rawQuery, "versionId=") {
			t.Fatalf("body %q, query %q", b, rec.rawQuery)
		}
	}
}

func TestSDKListObjectsV2(t *testing.T) {
	ts := newTestServer(t, true)
	client := ts.s3Client(testAKID, testSecret)
	_, err := client.ListObjectsV2(context.Background(), &s3.ListObjectsV2Input{
		Bucket:            aws.String("bkt"),
		Prefix:            aws.String("a b/+=&ü~"),
		ContinuationToken: aws.String("1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM="),
		Delimiter:         aws.String("/"),
		StartAfter:        aws.String("a b/0"),
		MaxKeys:           aws.Int32(5),
	})
	rec := ts.last(t)
	if err != nil || rec.err != nil {
		t.Fatalf("client %v, server %v", err, rec.err)
	}
	if !strings.Contains(rec.rawQuery, "continuation-token=") || !strings.Contains(rec.rawQuery, "prefix=") {
		t.Fatalf("query %q", rec.rawQuery)
	}
}

func TestSDKKMSEncrypt(t *testing.T) {
	for _, tls := range []bool{false, true} {
		ts := newTestServer(t, tls)
		out, err := ts.kmsClient().Encrypt(context.Background(), &kms.EncryptInput{
			KeyId: aws.String("alias/demo"), Plaintext: []byte("secret data"),
			EncryptionContext: map[string]string{"purpose": "test run"},
		})
		rec := ts.last(t)
		if err != nil || rec.err != nil {
			t.Fatalf("tls=%v: client %v, server %v", tls, err, rec.err)
		}
		if rec.res.Service != "kms" || !bytes.Contains(rec.body, []byte(`"Plaintext":"c2VjcmV0IGRhdGE="`)) {
			t.Fatalf("service %q body %s", rec.res.Service, rec.body)
		}
		if rec.header.Get("X-Amz-Content-Sha256") != "" {
			t.Errorf("KMS request carried x-amz-content-sha256; the body-hash path was not exercised")
		}
		if !bytes.Equal(out.CiphertextBlob, []byte{1, 2, 3, 4}) {
			t.Fatalf("ciphertext %x", out.CiphertextBlob)
		}
	}
}

func TestSDKWrongCredentials(t *testing.T) {
	ts := newTestServer(t, true)
	cases := []struct{ akid, secret, code string }{
		{testAKID, "not-the-secret", "SignatureDoesNotMatch"},
		{"AKIAUNKNOWN000000000", testSecret, "InvalidAccessKeyId"},
	}
	for _, c := range cases {
		_, err := ts.s3Client(c.akid, c.secret).PutObject(context.Background(), &s3.PutObjectInput{
			Bucket: aws.String("bkt"), Key: aws.String("k"), Body: strings.NewReader("data"),
		})
		if err == nil || !strings.Contains(err.Error(), c.code) {
			t.Errorf("client error = %v, want %s", err, c.code)
		}
		wantError(t, ts.last(t).err, 403, c.code, "")
	}
}

func TestSDKPresignedGet(t *testing.T) {
	ts := newTestServer(t, true)
	presign := s3.NewPresignClient(ts.s3Client(testAKID, testSecret))
	req, err := presign.PresignGetObject(context.Background(), &s3.GetObjectInput{
		Bucket: aws.String("bkt"), Key: aws.String(oddKeys[1]),
	}, s3.WithPresignExpires(5*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	get := func(url string) record {
		resp, err := ts.Client().Get(url)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return ts.last(t)
	}
	if rec := get(req.URL); rec.err != nil || !rec.res.Presigned {
		t.Fatalf("presigned GET: %v", rec.err)
	}
	wantError(t, get(strings.Replace(req.URL, "/bkt/", "/bkt/x", 1)).err, 403, "SignatureDoesNotMatch", msgSignature)

	ts.v.Now = func() time.Time { return time.Now().Add(6 * time.Minute) }
	wantError(t, get(req.URL).err, 403, "AccessDenied", "Request has expired")
}
