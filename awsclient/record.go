package awsclient

import (
	"context"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Call is one request that went over the wire and what came back.
type Call struct {
	Time      time.Time
	Service   string // "S3", "KMS"
	Operation string // "PutObject", "GenerateDataKey", …
	Method    string
	Path      string
	Status    int
	RequestID string
	Job       string            // the X-S3crypt-Job header, if set
	Sent      map[string]string // encryption and checksum headers sent (secrets masked)
	Received  map[string]string // encryption and checksum headers received
	Duration  time.Duration
}

// Masked is what a secret header value is replaced with.
const Masked = "****"

// secretHeaders are never recorded in clear.
var secretHeaders = map[string]bool{
	"x-amz-server-side-encryption-customer-key":             true,
	"x-amz-copy-source-server-side-encryption-customer-key": true,
	"authorization":        true,
	"x-amz-security-token": true,
}

// interesting reports whether a header belongs in the record.
func interesting(name string) bool {
	n := strings.ToLower(name)
	return strings.HasPrefix(n, "x-amz-server-side-encryption") ||
		strings.HasPrefix(n, "x-amz-copy-source-server-side-encryption") ||
		strings.HasPrefix(n, "x-amz-checksum") || n == "x-amz-version-id" || n == "x-amz-target" ||
		n == "x-amz-content-sha256" || n == "content-md5" || n == "x-amz-sdk-checksum-algorithm"
}

// headerMap copies the interesting headers of h, masking secrets.
func headerMap(h http.Header) map[string]string {
	out := map[string]string{}
	for k, v := range h {
		if !interesting(k) || len(v) == 0 {
			continue
		}
		n := strings.ToLower(k)
		if secretHeaders[n] {
			out[n] = Masked
			continue
		}
		out[n] = strings.Join(v, ",")
	}
	return out
}

// Recorder keeps the calls a backend's clients make and counts KMS calls.
// It is safe for concurrent use.
type Recorder struct {
	mu    sync.Mutex
	calls []Call // ring of the last maxCalls
	next  int
	total int
	kms   map[string]int
	// kmsJobs counts KMS requests by the job header they carried.
	kmsJobs map[string]int
	subs    map[chan Call]struct{}
}

const maxCalls = 500

// NewRecorder returns an empty recorder.
func NewRecorder() *Recorder {
	return &Recorder{kms: map[string]int{}, kmsJobs: map[string]int{}, subs: map[chan Call]struct{}{}}
}

// middleware installs the recording step on a client's stack.
func (r *Recorder) middleware(stack *middleware.Stack) error {
	return stack.Deserialize.Add(middleware.DeserializeMiddlewareFunc("s3crypt.record",
		func(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (middleware.DeserializeOutput, middleware.Metadata, error) {
			start := time.Now()
			out, md, err := next.HandleDeserialize(ctx, in)
			c := Call{Time: start, Service: awsmiddleware.GetServiceID(ctx), Operation: awsmiddleware.GetOperationName(ctx), Duration: time.Since(start)}
			if req, ok := in.Request.(*smithyhttp.Request); ok {
				c.Method, c.Path, c.Sent = req.Method, req.URL.Path, headerMap(req.Header)
				c.Job = req.Header.Get("X-S3crypt-Job")
			}
			if resp, ok := out.RawResponse.(*smithyhttp.Response); ok {
				c.Status, c.Received = resp.StatusCode, headerMap(resp.Header)
				c.RequestID = resp.Header.Get("x-amz-request-id")
				if c.RequestID == "" {
					c.RequestID = resp.Header.Get("x-amzn-RequestId")
				}
			}
			r.add(c)
			return out, md, err
		}), middleware.After)
}

func (r *Recorder) add(c Call) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.calls) < maxCalls {
		r.calls = append(r.calls, c)
	} else {
		r.calls[r.next] = c
	}
	r.next = (r.next + 1) % maxCalls
	r.total++
	// A KMS request counts once it reached KMS: an answer came back (an
	// error answer too, which KMS counts as a request as well).
	if c.Service == "KMS" && c.Status != 0 {
		r.kms[c.Operation]++
		if c.Job != "" {
			r.kmsJobs[c.Job]++
		}
	}
	for ch := range r.subs {
		select {
		case ch <- c:
		default:
		}
	}
}

// Calls returns the recorded calls, oldest first.
func (r *Recorder) Calls() []Call {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.calls) < maxCalls {
		return append([]Call(nil), r.calls...)
	}
	return append(append([]Call(nil), r.calls[r.next:]...), r.calls[:r.next]...)
}

// KMSCalls returns how many KMS requests these clients made, by operation.
func (r *Recorder) KMSCalls() map[string]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[string]int, len(r.kms))
	for k, v := range r.kms {
		out[k] = v
	}
	return out
}

// KMSForJob is how many KMS requests these clients made for the job whose
// X-S3crypt-Job header was job.
func (r *Recorder) KMSForJob(job string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.kmsJobs[job]
}

// ForgetJob drops job's KMS count once nobody will ask for it again.
func (r *Recorder) ForgetJob(job string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.kmsJobs, job)
}

// KMSTotal is the number of KMS requests these clients made.
func (r *Recorder) KMSTotal() int {
	n := 0
	for _, v := range r.KMSCalls() {
		n += v
	}
	return n
}

// Subscribe delivers calls as they complete (lossy when the reader lags)
// until cancel is called.
func (r *Recorder) Subscribe() (<-chan Call, func()) {
	ch := make(chan Call, 256)
	r.mu.Lock()
	r.subs[ch] = struct{}{}
	r.mu.Unlock()
	return ch, func() {
		r.mu.Lock()
		defer r.mu.Unlock()
		if _, ok := r.subs[ch]; ok {
			delete(r.subs, ch)
			close(ch)
		}
	}
}

// SortedHeaders renders a header map as "name: value" lines in name order.
func SortedHeaders(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k, v := range m {
		out = append(out, k+": "+v)
	}
	sort.Strings(out)
	return out
}
