package sigv4

import (
	"crypto/md5" //nolint:gosec // ETag in a test
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// record is what the test server saw of one request.
type record struct {
	method, path, rawQuery string
	header                 http.Header
	transferEncoding       []string
	contentLength          int64
	res                    *Result
	body                   []byte
	err                    error // from Verify or from reading Body
}

// testServer is an httptest server whose handler verifies every request
// and drains its body, recording the outcome.
type testServer struct {
	*httptest.Server
	v    *Verifier
	mu   sync.Mutex
	recs []record
}

func newTestServer(t *testing.T, tls bool) *testServer {
	ts := &testServer{v: &Verifier{Lookup: lookup, Region: testRegion}}
	h := http.HandlerFunc(ts.handle)
	if tls {
		ts.Server = httptest.NewTLSServer(h)
	} else {
		ts.Server = httptest.NewServer(h)
	}
	t.Cleanup(ts.Close)
	return ts
}

func (ts *testServer) handle(w http.ResponseWriter, r *http.Request) {
	rec := record{method: r.Method, path: r.URL.Path, rawQuery: r.URL.RawQuery, header: r.Header.Clone(),
		transferEncoding: r.TransferEncoding, contentLength: r.ContentLength}
	res, err := ts.v.Verify(r)
	if err == nil {
		rec.res = res
		rec.body, err = readBody(res)
	}
	rec.err = err
	ts.mu.Lock()
	ts.recs = append(ts.recs, rec)
	ts.mu.Unlock()
	var e *Error
	switch {
	case errors.As(err, &e):
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(e.Status)
		fmt.Fprintf(w, "<Error><Code>%s</Code><Message>%s</Message></Error>", e.Code, e.Message)
	case err != nil:
		w.WriteHeader(http.StatusInternalServerError)
	case res.Service == "kms":
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		fmt.Fprint(w, `{"CiphertextBlob":"AQIDBA==","KeyId":"arn:aws:kms:us-east-1:111122223333:key/k","EncryptionAlgorithm":"SYMMETRIC_DEFAULT"}`)
	case r.Method == http.MethodPut:
		w.Header().Set("ETag", `"`+hex.EncodeToString(res.MD5())+`"`)
	case r.URL.Query().Get("list-type") == "2":
		w.Header().Set("Content-Type", "application/xml")
		fmt.Fprint(w, `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>bkt</Name><KeyCount>0</KeyCount><MaxKeys>5</MaxKeys><IsTruncated>false</IsTruncated></ListBucketResult>`)
	default:
		w.Header().Set("Content-Length", "5")
		fmt.Fprint(w, "hello")
	}
}

// last returns the most recent record.
func (ts *testServer) last(t *testing.T) record {
	t.Helper()
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if len(ts.recs) == 0 {
		t.Fatal("server saw no request")
	}
	return ts.recs[len(ts.recs)-1]
}

func (ts *testServer) s3Client(akid, secret string) *s3.Client {
	return s3.New(s3.Options{
		Region:       testRegion,
		Credentials:  credentials.NewStaticCredentialsProvider(akid, secret, ""),
		BaseEndpoint: aws.String(ts.URL),
		UsePathStyle: true,
		HTTPClient:   ts.Client(),
		Retryer:      aws.NopRetryer{},
		// What config.LoadDefaultConfig resolves by default since 2025.
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenSupported,
	})
}

func (ts *testServer) kmsClient() *kms.Client {
	return kms.New(kms.Options{
		Region:       testRegion,
		Credentials:  credentials.NewStaticCredentialsProvider(testAKID, testSecret, ""),
		BaseEndpoint: aws.String(ts.URL),
		HTTPClient:   ts.Client(),
		Retryer:      aws.NopRetryer{},
	})
}

func md5hex(b []byte) string {
	s := md5.Sum(b) //nolint:gosec // ETag
	return hex.EncodeToString(s[:])
}
