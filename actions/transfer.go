package actions

import (
	"context"
	"errors"
	"io"
	"strings"
	"sync/atomic"

	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Transfer defaults: parts of 16 MiB, 8 at a time, multipart from 64 MiB.
// Memory stays bounded: parts are read straight from the file by the SDK.
const (
	defaultPartSize    = 16 << 20
	defaultConcurrency = 8
	defaultThreshold   = 64 << 20
)

func partSize(env *Env) int64 {
	if env != nil && env.PartSize >= 5<<20 {
		return env.PartSize
	}
	return defaultPartSize
}

func concurrency(env *Env) int {
	if env != nil && env.Concurrency > 0 {
		return env.Concurrency
	}
	return defaultConcurrency
}

func threshold(env *Env) int64 {
	if env != nil && env.MultipartThreshold > 0 {
		return env.MultipartThreshold
	}
	return defaultThreshold
}

// progressReader counts bytes read through a seekable section and reports
// the total across all parts of a transfer. A retry that seeks back
// subtracts what it had counted.
type progressReader struct {
	r     *io.SectionReader
	total int64
	rep   *Reporter
	done  *atomic.Int64
	pos   int64
}

func newProgressReader(r *io.SectionReader, total int64, rep *Reporter, done *atomic.Int64) *progressReader {
	if done == nil {
		done = new(atomic.Int64)
	}
	return &progressReader{r: r, total: total, rep: rep, done: done}
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	if n > 0 {
		p.pos += int64(n)
		d := p.done.Add(int64(n))
		if p.rep != nil {
			p.rep.Progress(d, p.total)
		}
	}
	return n, err
}

func (p *progressReader) Seek(off int64, whence int) (int64, error) {
	n, err := p.r.Seek(off, whence)
	if err == nil {
		p.done.Add(n - p.pos)
		p.pos = n
	}
	return n, err
}

// Len is what the SDK asks to size the body.
func (p *progressReader) Len() int { return int(p.r.Size() - p.pos) }

// ErrSSECOverHTTP is in the chain of the error s3crypt returns instead of
// sending an SSE-C key to a plain http:// endpoint.
var ErrSSECOverHTTP = errors.New("an SSE-C key is never sent over plain HTTP")

// plainHTTP reports whether an endpoint URL is plain http://.
func plainHTTP(endpoint string) bool {
	return len(endpoint) >= 7 && strings.EqualFold(endpoint[:7], "http://")
}

// refuseSSECOverHTTP refuses, before anything is sent, an action that
// would send SSE-C key k to a plain http:// endpoint, whatever the endpoint
// would accept: the key would cross the network in clear text.
func refuseSSECOverHTTP(env *Env, op string, k *SSECKey) error {
	if k == nil || env == nil || env.Backend == nil || !plainHTTP(env.Backend.Endpoint) {
		return nil
	}
	return ssecOverHTTPError(op, env.Backend.Endpoint)
}

func ssecOverHTTPError(op, endpoint string) *Error {
	return &Error{Op: op, Err: ErrSSECOverHTTP,
		What: "s3crypt does not send an SSE-C key over http://, so it sent nothing",
		Why: "the endpoint " + endpoint + " is plain HTTP: the 32-byte key would cross the network in clear text " +
			"(x-amz-server-side-encryption-customer-key), readable by anyone on the way; AWS refuses SSE-C without TLS for this reason, whatever this endpoint accepts",
		Fix: "Use an https:// endpoint URL (AWS_CA_BUNDLE names a private CA), or an encryption that sends no key: --sse aws:kms or --sse AES256"}
}

// ssecHTTPGuard is the last check before a request leaves: a request that
// carries an SSE-C key to an http:// URL fails here, unsent, even if the
// action did not refuse it up front (refuseSSECOverHTTP).
type ssecHTTPGuard struct{}

func (ssecHTTPGuard) ID() string { return "s3crypt.RefuseSSECOverHTTP" }

func (ssecHTTPGuard) HandleFinalize(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (
	middleware.FinalizeOutput, middleware.Metadata, error) {
	if req, ok := in.Request.(*smithyhttp.Request); ok && strings.EqualFold(req.URL.Scheme, "http") &&
		(req.Header.Get("X-Amz-Server-Side-Encryption-Customer-Key") != "" ||
			req.Header.Get("X-Amz-Copy-Source-Server-Side-Encryption-Customer-Key") != "") {
		return middleware.FinalizeOutput{}, middleware.Metadata{},
			ssecOverHTTPError(middleware.GetOperationName(ctx), req.URL.Scheme+"://"+req.URL.Host)
	}
	return next.HandleFinalize(ctx, in)
}

// addSSECHTTPGuard puts ssecHTTPGuard at the end of a stack's finalize step.
func addSSECHTTPGuard(st *middleware.Stack) error {
	return st.Finalize.Add(ssecHTTPGuard{}, middleware.After)
}

// carrier says how requests reach the backend: "over TLS", or "over plain
// HTTP" for an http:// endpoint (where nothing is encrypted in transit).
func carrier(env *Env) string {
	if env != nil && env.Backend != nil && plainHTTP(env.Backend.Endpoint) {
		return "over plain HTTP (not encrypted in transit)"
	}
	return "over TLS"
}
