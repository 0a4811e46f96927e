// Package fakeendpoint gives tests an S3 endpoint that is not AWS: a plain
// http:// reverse proxy in front of a sandbox region that behaves, where a
// test asks it to, like an endpoint such as MinIO without KMS: buckets
// without a default encryption rule, objects written "as sent", bucket keys
// and SSE-C blocks silently ignored, a CompleteMultipartUpload that says
// nothing about encryption. s3crypt reaches it through its endpoint backend
// (--endpoint-url), as it would reach such a server.
//
// The proxy changes answers only (headers and the GetBucketEncryption
// body), never requests, so the sandbox's signature checks still pass; it
// records every request it sees, so a test can prove what was never sent.
package fakeendpoint

import (
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/s3crypt/s3crypt/awsclient"
	"github.com/s3crypt/s3crypt/sandbox"
)

// Options choose how the endpoint departs from AWS.
type Options struct {
	// NoDefaultEncryption: a bucket has no default rule until a
	// PutBucketEncryption sets one (and again after DeleteBucketEncryption):
	// GetBucketEncryption answers 404 ServerSideEncryptionConfigurationNotFoundError,
	// and an object written to it asking for no encryption is stored as
	// sent: no answer about it carries an x-amz-server-side-encryption* header.
	NoDefaultEncryption bool
	// IgnoreBucketKeys: answers never say x-amz-server-side-encryption-bucket-key-enabled,
	// and the read-back rule has no BucketKeyEnabled.
	IgnoreBucketKeys bool
	// IgnoreSSECBlock: the read-back rule has no BlockedEncryptionTypes.
	IgnoreSSECBlock bool
	// SilentComplete: CompleteMultipartUpload answers with no encryption header.
	SilentComplete bool
	// RefuseHead: HeadObject answers 403.
	RefuseHead bool
}

// Request is one request the endpoint received.
type Request struct {
	Method, Path, RawQuery string
	Header                 http.Header
}

// Endpoint is a running fake endpoint.
type Endpoint struct {
	// URL is its http:// address.
	URL string

	sb    *sandbox.Sandbox
	opt   Options
	mu    sync.Mutex
	reqs  []Request
	ruled map[string]bool // buckets given a rule (NoDefaultEncryption)
	plain map[string]bool // bucket/key written asking for no encryption
}

// Start runs an endpoint in front of sb until the test ends.
func Start(t testing.TB, sb *sandbox.Sandbox, opt Options) *Endpoint {
	t.Helper()
	target, err := url.Parse(sb.Endpoint())
	if err != nil {
		t.Fatalf("sandbox endpoint: %v", err)
	}
	e := &Endpoint{sb: sb, opt: opt, ruled: map[string]bool{}, plain: map[string]bool{}}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: sb.CAPool(), MinVersion: tls.VersionTLS12}
	proxy := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(target)
			r.Out.Host = r.In.Host // the client signed this host
		},
		Transport:      tr,
		ModifyResponse: e.modify,
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if e.intercept(w, r) {
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(func() {
		srv.Close()
		tr.CloseIdleConnections()
	})
	e.URL = srv.URL
	return e
}

// Requests returns what the endpoint has received so far.
func (e *Endpoint) Requests() []Request {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]Request(nil), e.reqs...)
}

// SetEnv points the standard credential chain at the sandbox's
// credentials, with no user profile, for the rest of the test.
func (e *Endpoint) SetEnv(t testing.TB) {
	t.Helper()
	c := e.sb.Credentials()
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID": c.AccessKeyID, "AWS_SECRET_ACCESS_KEY": c.SecretAccessKey, "AWS_SESSION_TOKEN": "",
		"AWS_REGION": e.sb.Region(), "AWS_DEFAULT_REGION": e.sb.Region(), "AWS_PROFILE": "",
		"AWS_CONFIG_FILE": os.DevNull, "AWS_SHARED_CREDENTIALS_FILE": os.DevNull,
		"AWS_ENDPOINT_URL": "", "AWS_ENDPOINT_URL_S3": "", "AWS_ENDPOINT_URL_KMS": "",
	} {
		t.Setenv(k, v)
	}
}

// Backend sets the environment (SetEnv) and opens s3crypt's endpoint
// backend on the endpoint, closed when the test ends.
func (e *Endpoint) Backend(t testing.TB) *awsclient.Backend {
	t.Helper()
	e.SetEnv(t)
	b, err := awsclient.Open(context.Background(), awsclient.Options{EndpointURL: e.URL})
	if err != nil {
		t.Fatalf("open endpoint backend: %v", err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// target splits a path-style request into bucket and key.
func target(r *http.Request) (bucket, key string) {
	bucket, key, _ = strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	return bucket, key
}

func has(r *http.Request, q string) bool { _, ok := r.URL.Query()[q]; return ok }

// isS3 tells S3 requests from KMS ones (KMS's are POST / with X-Amz-Target).
func isS3(r *http.Request) bool { return r.Header.Get("X-Amz-Target") == "" }

// asksNone reports whether a write names no encryption at all.
func asksNone(h http.Header) bool {
	return h.Get("X-Amz-Server-Side-Encryption") == "" && h.Get("X-Amz-Server-Side-Encryption-Customer-Algorithm") == ""
}

// intercept records r, answers what the sandbox would answer otherwise,
// and notes what r does to the emulated state; true when it answered.
func (e *Endpoint) intercept(w http.ResponseWriter, r *http.Request) bool {
	bucket, key := target(r)
	e.mu.Lock()
	defer e.mu.Unlock()
	e.reqs = append(e.reqs, Request{Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery, Header: r.Header.Clone()})
	if !isS3(r) {
		return false
	}
	switch {
	case e.opt.NoDefaultEncryption && key == "" && has(r, "encryption") && r.Method == http.MethodGet && !e.ruled[bucket]:
		body := `<?xml version="1.0" encoding="UTF-8"?>` + "\n<Error><Code>ServerSideEncryptionConfigurationNotFoundError</Code>" +
			"<Message>The server side encryption configuration was not found</Message><BucketName>" + bucket + "</BucketName></Error>"
		w.Header().Set("Content-Type", "application/xml")
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, body) //nolint:gosec // G705: a test endpoint's XML answer, read by the SDK, never by a browser
		return true
	case e.opt.RefuseHead && key != "" && r.Method == http.MethodHead:
		w.WriteHeader(http.StatusForbidden)
		return true
	case key != "" && (r.Method == http.MethodPut && !has(r, "partNumber") || r.Method == http.MethodPost && has(r, "uploads")):
		if e.opt.NoDefaultEncryption && !e.ruled[bucket] && asksNone(r.Header) {
			e.plain[bucket+"/"+key] = true
		} else {
			delete(e.plain, bucket+"/"+key)
		}
	}
	return false
}

var (
	blockedRE   = regexp.MustCompile(`(?s)<BlockedEncryptionTypes>.*?</BlockedEncryptionTypes>`)
	bucketKeyRE = regexp.MustCompile(`(?s)<BucketKeyEnabled>.*?</BucketKeyEnabled>`)
)

// modify rewrites the sandbox's answer as the emulated endpoint would.
func (e *Endpoint) modify(resp *http.Response) error {
	r := resp.Request
	if !isS3(r) {
		return nil
	}
	bucket, key := target(r)
	e.mu.Lock()
	defer e.mu.Unlock()
	ok := resp.StatusCode < 300
	if key == "" && has(r, "encryption") {
		switch {
		case r.Method == http.MethodPut && ok:
			e.ruled[bucket] = true
		case r.Method == http.MethodDelete && ok:
			delete(e.ruled, bucket)
		case r.Method == http.MethodGet && ok && (e.opt.IgnoreSSECBlock || e.opt.IgnoreBucketKeys):
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				return err
			}
			if e.opt.IgnoreSSECBlock {
				body = blockedRE.ReplaceAll(body, nil)
			}
			if e.opt.IgnoreBucketKeys {
				body = bucketKeyRE.ReplaceAll(body, nil)
			}
			resp.Body = io.NopCloser(bytes.NewReader(body))
			resp.ContentLength = int64(len(body))
			resp.Header.Set("Content-Length", strconv.Itoa(len(body)))
		}
		return nil
	}
	if key == "" {
		return nil
	}
	strip := e.plain[bucket+"/"+key] || e.opt.SilentComplete && r.Method == http.MethodPost && has(r, "uploadId")
	for name := range resp.Header {
		n := strings.ToLower(name)
		if strip && strings.HasPrefix(n, "x-amz-server-side-encryption") ||
			e.opt.IgnoreBucketKeys && n == "x-amz-server-side-encryption-bucket-key-enabled" {
			resp.Header.Del(name)
		}
	}
	return nil
}
