// Package s3 is the sandbox region's S3: the REST protocol (path-style and
// virtual-hosted requests, XML bodies and errors as AWS sends them) over the
// sandbox's storage, with every server-side encryption mode really applied.
//
// Every object is ciphertext at rest. Object bytes are sealed in
// authenticated 64 KiB packages with DARE (github.com/minio/sio), so a
// range read decrypts only the packages it needs. What protects each data
// key depends on the mode: the sandbox's own "AWS owned key" for SSE-S3, a
// KMS ciphertext from the sandbox KMS for SSE-KMS and DSSE-KMS (two layers),
// a bucket key for SSE-KMS with bucket keys, the customer's key for SSE-C
// (which is never stored: only a salted HMAC to check later requests).
//
// The S3 server is written here rather than taken from gofakes3: gofakes3
// stores every x-amz-* request header as metadata (it would keep an SSE-C
// key) and has no place for encryption.
package s3

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"log"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/s3crypt/s3crypt/keyflow"
	"github.com/s3crypt/s3crypt/sandbox/kms"
	"github.com/s3crypt/s3crypt/sandbox/sigv4"
	"github.com/s3crypt/s3crypt/sandbox/store"
	"github.com/s3crypt/s3crypt/sandbox/trace"
)

// Options configure a Server.
type Options struct {
	Store     *store.Store
	KMS       *kms.KMS
	Trace     *trace.Bus
	Region    string
	AccountID string
	// OwnedKey is the 32-byte "AWS owned key" that wraps SSE-S3 data keys.
	OwnedKey []byte
	// BucketKeyTTL is how long S3 keeps a bucket key before asking KMS for
	// a new one (default 10 minutes; AWS does not publish its figure).
	BucketKeyTTL time.Duration
	// MinPartSize is the smallest non-final multipart part (5 MiB on AWS).
	MinPartSize int64
	Now         func() time.Time
	// Log receives the causes of internal errors (nil: not logged). It
	// never receives key material.
	Log *log.Logger
}

// Server answers S3 requests whose signature the caller already verified.
type Server struct {
	opt        Options
	bucketKeys *bucketKeyCache
	policies   *policyCache
}

// New returns a server over opt.Store and opt.KMS.
func New(opt Options) *Server {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.BucketKeyTTL == 0 {
		opt.BucketKeyTTL = 10 * time.Minute
	}
	if opt.MinPartSize == 0 {
		opt.MinPartSize = 5 << 20
	}
	return &Server{opt: opt, bucketKeys: newBucketKeyCache(opt.BucketKeyTTL, opt.Now), policies: newPolicyCache()}
}

// request is one S3 request being served.
type request struct {
	w      http.ResponseWriter
	r      *http.Request
	id     string
	caller string
	op     string // the S3 operation (GetObject, HeadObject, PutObject, …), set by route for object requests
	auth   *sigv4.Result
	bucket string
	key    string
	q      url.Values
	// post: a browser-form upload (POST Object); anonymous: one without
	// a signed policy, which only a bucket policy's Allow lets in.
	post, anonymous bool
}

// secure reports whether the request came over TLS.
func (q *request) secure() bool { return q.r.TLS != nil }

// Serve answers one S3 request. auth is the verified signature (its Body
// is the decoded, verifying request body); requestID names the request in
// responses and in the trace.
func (s *Server) Serve(w http.ResponseWriter, r *http.Request, auth *sigv4.Result, requestID string) {
	q := &request{w: w, r: r, id: requestID, caller: auth.AccessKeyID, auth: auth, q: r.URL.Query()}
	q.bucket, q.key = splitBucketKey(r)
	w.Header().Set("x-amz-request-id", requestID)
	w.Header().Set("x-amz-id-2", hostID(requestID))
	w.Header().Set("Server", "s3crypt-sandbox")
	if err := s.route(q); err != nil {
		s.fail(q, err)
	}
}

// fail answers a request that failed with err, as S3 does.
func (s *Server) fail(q *request, err error) {
	r, w, requestID := q.r, q.w, q.id
	e := toS3Error(err)
	if errors.Is(err, syscall.ENOSPC) {
		e = s.diskFull()
	}
	if e.Code == "InternalError" {
		s.opt.Trace.Publish(keyflow.Event{Actor: keyflow.S3, Op: keyflow.OpRequestRejected, RequestID: requestID, Request: q.op,
			Bucket: q.bucket, Key: q.key, Err: err.Error()})
		if s.opt.Log != nil {
			s.opt.Log.Printf("%s %s (request %s): internal error: %v", r.Method, r.URL.Path, requestID, err)
		}
	}
	e2 := *e
	if e2.Code == "NoSuchBucket" {
		e2.BucketName = q.bucket
	}
	if e2.Code == "NoSuchKey" {
		e2.Key = q.key
	}
	drainBody(r)
	writeError(w, r, requestID, &e2)
}

// diskFull answers a write that found no space left: S3's InternalError
// (500, which clients retry and then report as a server fault, as they
// would on AWS), but saying what happened and where, since here the disk
// is the user's own.
func (s *Server) diskFull() *Error {
	return newErr(http.StatusInternalServerError, "InternalError",
		"The s3crypt sandbox's disk is full: no space left on the device holding its data directory "+s.opt.Store.Dir()+
			". Free space there, or start the sandbox on another disk (--data).")
}

// maxDrain bounds how much of a refused request's body is read and thrown
// away so the client can finish sending and read the error on the same
// connection; past it the connection is closed, as S3 does.
const maxDrain = 16 << 20

// drainBody discards what is left of a refused request's body.
func drainBody(r *http.Request) {
	if r.Body == nil {
		return
	}
	_, _ = io.CopyN(io.Discard, r.Body, maxDrain)
}

// WriteError answers with e (used by the router for authentication
// failures, before a request reaches Serve).
func WriteError(w http.ResponseWriter, r *http.Request, requestID string, err error) {
	writeError(w, r, requestID, toS3Error(err))
}

// VirtualHosted reports whether r addresses a bucket by host name
// (bucket.localhost): then its whole path is an object key.
func VirtualHosted(r *http.Request) bool {
	b, _ := splitHostBucket(r)
	return b != ""
}

// splitHostBucket returns the bucket named by r's host, if any.
func splitHostBucket(r *http.Request) (string, bool) {
	host := r.Host
	if i := strings.LastIndexByte(host, ':'); i >= 0 && !strings.HasSuffix(host, "]") {
		host = host[:i]
	}
	for _, suffix := range []string{".s3.localhost", ".localhost"} {
		if b, ok := strings.CutSuffix(host, suffix); ok && b != "" && b != "s3" {
			return b, true
		}
	}
	return "", false
}

// splitBucketKey finds the bucket and key, virtual-hosted
// (bucket.localhost, bucket.s3.localhost) or path-style.
func splitBucketKey(r *http.Request) (bucket, key string) {
	if b, ok := splitHostBucket(r); ok {
		return b, strings.TrimPrefix(r.URL.Path, "/")
	}
	bucket, key, _ = strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	return bucket, key
}

// route dispatches by method, bucket/key and sub-resource.
func (s *Server) route(q *request) error {
	m := q.r.Method
	switch {
	case q.bucket == "":
		if m == http.MethodGet {
			return s.listBuckets(q)
		}
		return errMethodNotAllowed
	case q.key == "":
		return s.routeBucket(q)
	}
	if len(q.key) > 1024 {
		return errKeyTooLong
	}
	if !utf8.ValidString(q.key) {
		// S3 object keys are UTF-8; a key that decodes to anything else
		// is refused as an unparsable URI (400 InvalidURI), so no key is
		// stored that a listing could not give back as it is.
		return errInvalidURI
	}
	switch m {
	case http.MethodPut:
		switch {
		case q.q.Has("encryption"):
			q.op = "UpdateObjectEncryption"
			return s.updateObjectEncryption(q)
		case q.q.Has("uploadId") && q.r.Header.Get("x-amz-copy-source") != "":
			q.op = "UploadPartCopy"
			if err := s.authorizeCopySource(q); err != nil {
				return err
			}
			if err := s.authorizeUpload(q); err != nil {
				return err
			}
			return s.uploadPartCopy(q)
		case q.q.Has("uploadId"):
			q.op = "UploadPart"
			if err := s.authorizeUpload(q); err != nil {
				return err
			}
			return s.uploadPart(q)
		case q.r.Header.Get("x-amz-copy-source") != "":
			q.op = "CopyObject"
			if err := s.authorizeCopySource(q); err != nil {
				return err
			}
			if err := s.authorize(q, "s3:PutObject", q.bucket, q.key, nil); err != nil {
				return err
			}
			return s.copyObject(q)
		case unsupportedSubresource(q.q):
			return errNotImplemented
		}
		q.op = "PutObject"
		if err := s.authorize(q, "s3:PutObject", q.bucket, q.key, nil); err != nil {
			return err
		}
		return s.putObject(q)
	case http.MethodGet, http.MethodHead:
		if q.q.Has("uploadId") && m == http.MethodGet {
			if err := s.authorize(q, "s3:ListMultipartUploadParts", q.bucket, q.key, nil); err != nil {
				return err
			}
			return s.listParts(q)
		}
		if q.q.Has("attributes") && m == http.MethodGet {
			q.op = "GetObjectAttributes"
			if err := s.authorizeAttributes(q); err != nil {
				return err
			}
			return s.getObjectAttributes(q)
		}
		if unsupportedSubresource(q.q) {
			return errNotImplemented
		}
		q.op = "GetObject"
		if m == http.MethodHead {
			q.op = "HeadObject"
		}
		if err := s.authorize(q, "s3:GetObject", q.bucket, q.key, nil); err != nil {
			return err
		}
		return s.getObject(q, m == http.MethodHead)
	case http.MethodDelete:
		if q.q.Has("uploadId") {
			if err := s.authorize(q, "s3:AbortMultipartUpload", q.bucket, q.key, nil); err != nil {
				return err
			}
			return s.abortUpload(q)
		}
		if err := s.authorize(q, "s3:DeleteObject", q.bucket, q.key, nil); err != nil {
			return err
		}
		return s.deleteObject(q)
	case http.MethodPost:
		switch {
		case q.q.Has("uploads"):
			q.op = "CreateMultipartUpload"
			if err := s.authorize(q, "s3:PutObject", q.bucket, q.key, nil); err != nil {
				return err
			}
			return s.createUpload(q)
		case q.q.Has("uploadId"):
			q.op = "CompleteMultipartUpload"
			if err := s.authorizeUpload(q); err != nil {
				return err
			}
			return s.completeUpload(q)
		}
	}
	return errMethodNotAllowed
}

func (s *Server) routeBucket(q *request) error {
	if err := s.authorizeBucket(q); err != nil {
		return err
	}
	m := q.r.Method
	switch {
	case q.q.Has("policyStatus") && m == http.MethodGet:
		q.op = "GetBucketPolicyStatus"
		return s.getBucketPolicyStatus(q)
	case q.q.Has("policy"):
		switch m {
		case http.MethodPut:
			q.op = "PutBucketPolicy"
			return s.putBucketPolicy(q)
		case http.MethodGet:
			q.op = "GetBucketPolicy"
			return s.getBucketPolicy(q)
		case http.MethodDelete:
			q.op = "DeleteBucketPolicy"
			return s.deleteBucketPolicy(q)
		}
	case q.q.Has("encryption"):
		switch m {
		case http.MethodPut:
			return s.putBucketEncryption(q)
		case http.MethodGet:
			return s.getBucketEncryption(q)
		case http.MethodDelete:
			return s.deleteBucketEncryption(q)
		}
	case q.q.Has("versioning"):
		switch m {
		case http.MethodPut:
			return s.putBucketVersioning(q)
		case http.MethodGet:
			return s.getBucketVersioning(q)
		}
	case q.q.Has("location") && m == http.MethodGet:
		return s.getBucketLocation(q)
	case q.q.Has("versions") && m == http.MethodGet:
		return s.listVersions(q)
	case q.q.Has("uploads") && m == http.MethodGet:
		return s.listUploads(q)
	case q.q.Has("delete") && m == http.MethodPost:
		return s.deleteObjects(q)
	case unsupportedSubresource(q.q):
		return errNotImplemented
	default:
		switch m {
		case http.MethodPut:
			return s.createBucket(q)
		case http.MethodHead:
			return s.headBucket(q)
		case http.MethodDelete:
			return s.deleteBucket(q)
		case http.MethodGet:
			return s.listObjects(q)
		}
	}
	return errMethodNotAllowed
}

// unsupportedSubresource reports a sub-resource this sandbox does not
// implement (acl, policy, tagging, …), so it answers NotImplemented rather
// than misreading the request as a plain object operation.
func unsupportedSubresource(v url.Values) bool {
	for _, k := range []string{"acl", "policy", "tagging", "cors", "lifecycle", "website", "logging",
		"notification", "replication", "requestPayment", "object-lock", "legal-hold", "retention",
		"accelerate", "analytics", "inventory", "metrics", "ownershipControls", "publicAccessBlock",
		"intelligent-tiering", "restore", "select", "torrent", "attributes", "policyStatus"} {
		if v.Has(k) {
			return true
		}
	}
	return false
}

// hostID is the x-amz-id-2 value for a request.
func hostID(requestID string) string { return "s3crypt-sandbox/" + requestID }

// NewRequestID returns a fresh request id in AWS's style (16 upper-case hex).
func NewRequestID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return strings.ToUpper(hex.EncodeToString(b[:]))
}

func (s *Server) bucketARN(bucket string) string { return "arn:aws:s3:::" + bucket }

func (s *Server) objectARN(bucket, key string) string { return "arn:aws:s3:::" + bucket + "/" + key }

func (s *Server) kmsCall(q *request) kms.Call {
	return kms.Call{Caller: "S3", RequestID: q.id, Request: q.op, Job: q.r.Header.Get(keyflow.JobHeader)}
}

// publish sends an S3-side trace event tagged with the request.
func (s *Server) publish(q *request, e keyflow.Event) {
	if e.Actor == "" {
		e.Actor = keyflow.S3
	}
	e.RequestID = q.id
	e.Request = q.op
	e.Job = q.r.Header.Get(keyflow.JobHeader)
	if e.Bucket == "" {
		e.Bucket = q.bucket
	}
	if e.Key == "" {
		e.Key = q.key
	}
	s.opt.Trace.Publish(e)
}
