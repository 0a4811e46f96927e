package sandbox

import (
	"bufio"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/s3crypt/s3crypt/keyflow"
	"github.com/s3crypt/s3crypt/sandbox/trace"
)

// attach connects to the sandbox another process serves from dir (process
// pid, when not 0).
func attach(ctx context.Context, dir string, pid int) (*Sandbox, error) {
	inUse := fmt.Errorf("the sandbox data directory %s is in use by another process, and that process does not answer; stop it or use another --data directory", dir)
	data, err := os.ReadFile(filepath.Join(dir, serverInfoFile))
	if err != nil {
		return nil, inUse
	}
	var info serverInfo
	if err := json.Unmarshal(data, &info); err != nil || info.Endpoint == "" {
		return nil, inUse
	}
	if pid != 0 && info.PID != pid {
		return nil, fmt.Errorf("%s names process %d, not %d", serverInfoFile, info.PID, pid)
	}
	creds, err := loadOrCreateCredentials(dir)
	if err != nil {
		return nil, err
	}
	caPEM, err := os.ReadFile(filepath.Join(dir, caCertFile))
	if err != nil {
		return nil, inUse
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	sb := &Sandbox{dir: dir, region: info.Region, endpoint: info.Endpoint, httpEndpoint: info.HTTPEndpoint,
		creds: creds, caPool: pool, caFile: filepath.Join(dir, caCertFile), attached: true}
	pingCtx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	resp, err := sb.signedGet(pingCtx, "kms-calls")
	if err != nil {
		return nil, fmt.Errorf("%w (%w)", inUse, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%w (it answered %s)", inUse, resp.Status)
	}
	return sb, nil
}

// Serves reports whether endpoint is the one the sandbox serving dir
// recorded (server.json): then opening dir attaches to that same server.
func Serves(dir, endpoint string) bool {
	data, err := os.ReadFile(filepath.Join(dir, serverInfoFile))
	if err != nil {
		return false
	}
	var info serverInfo
	if json.Unmarshal(data, &info) != nil || info.Endpoint == "" {
		return false
	}
	return strings.TrimSuffix(info.Endpoint, "/") == strings.TrimSuffix(endpoint, "/")
}

// AttachServing attaches to the `s3crypt serve` that serves dir, when
// endpoint is one of its endpoints (HTTPS or plain HTTP): then a client
// pointed at endpoint can sign with its credentials and trust its CA. It
// returns nil and no error when dir's server does not serve endpoint, and
// never starts a server itself.
func AttachServing(ctx context.Context, dir, endpoint string) (*Sandbox, error) {
	data, err := os.ReadFile(filepath.Join(dir, serverInfoFile))
	var info serverInfo
	if err != nil || json.Unmarshal(data, &info) != nil || info.Endpoint == "" {
		return nil, nil //nolint:nilerr // no server recorded: not this sandbox
	}
	ep := strings.TrimSuffix(endpoint, "/")
	if ep != strings.TrimSuffix(info.Endpoint, "/") && (info.HTTPEndpoint == "" || ep != strings.TrimSuffix(info.HTTPEndpoint, "/")) {
		return nil, nil
	}
	return attach(ctx, dir, 0)
}

// HTTPClient returns a client that trusts the sandbox CA and nothing else,
// whatever AWS_CA_BUNDLE or SSL_CERT_FILE say.
func (sb *Sandbox) HTTPClient() *http.Client {
	sb.clientOnce.Do(func() {
		sb.client = &http.Client{Transport: &http.Transport{
			TLSClientConfig:   &tls.Config{RootCAs: sb.caPool, MinVersion: tls.VersionTLS12},
			ForceAttemptHTTP2: true,
			IdleConnTimeout:   30 * time.Second,
		}}
	})
	return sb.client
}

// emptySHA256 is the payload hash of an empty body.
var emptySHA256 = func() string { s := sha256.Sum256(nil); return hex.EncodeToString(s[:]) }()

// signedGet sends a SigV4-signed GET for a reserved path.
func (sb *Sandbox) signedGet(ctx context.Context, path string, query ...string) (*http.Response, error) {
	u, err := url.Parse(sb.endpoint + ReservedPrefix + path)
	if err != nil {
		return nil, err
	}
	if len(query) > 0 {
		v := url.Values{}
		for i := 0; i+1 < len(query); i += 2 {
			v.Set(query[i], query[i+1])
		}
		u.RawQuery = v.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("x-amz-content-sha256", emptySHA256)
	cred := aws.Credentials{AccessKeyID: sb.creds.AccessKeyID, SecretAccessKey: sb.creds.SecretAccessKey}
	if err := v4.NewSigner().SignHTTP(ctx, cred, req, emptySHA256, "s3", sb.region, time.Now()); err != nil {
		return nil, err
	}
	return sb.HTTPClient().Do(req)
}

// Subscribe streams trace events until ctx ends. In-process it reads the
// bus directly; attached, it follows the serving process's trace stream.
func (sb *Sandbox) Subscribe(ctx context.Context) (<-chan keyflow.Event, error) {
	out := make(chan keyflow.Event, 1024)
	if sb.bus != nil {
		sub := sb.bus.Subscribe(4096)
		go func() {
			defer close(out)
			defer sub.Close()
			for {
				select {
				case <-ctx.Done():
					return
				case e, ok := <-sub.C:
					if !ok {
						return
					}
					select {
					case out <- e:
					case <-ctx.Done():
						return
					}
				}
			}
		}()
		return out, nil
	}
	err := sb.followTrace(ctx, func(e keyflow.Event) bool {
		if strings.HasPrefix(e.Job, traceMarkPrefix) {
			return true // another reader's barrier, not a step
		}
		select {
		case out <- e:
			return true
		case <-ctx.Done():
			return false
		}
	}, func() { close(out) })
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Inspect returns the at-rest view of an object version.
func (sb *Sandbox) Inspect(ctx context.Context, bucket, key, version string) (keyflow.AtRest, error) {
	if sb.s3 != nil {
		v, err := sb.s3.Inspect(bucket, key, version)
		if err == nil && keyflow.ShowsAtRest(ctx) {
			sb.publishInspected(v)
		}
		return v, err
	}
	show := ""
	if keyflow.ShowsAtRest(ctx) {
		show = "1"
	}
	resp, err := sb.signedGet(ctx, "inspect", "bucket", bucket, "key", key, "versionId", version, "show", show)
	if err != nil {
		return keyflow.AtRest{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return keyflow.AtRest{}, fmt.Errorf("inspect %s/%s: %s", bucket, key, resp.Status)
	}
	var v keyflow.AtRest
	err = json.NewDecoder(resp.Body).Decode(&v)
	return v, err
}

// publishInspected puts on the trace that the at-rest view v was shown
// to someone who asked (the learner looked: a lesson's check reads it).
func (sb *Sandbox) publishInspected(v keyflow.AtRest) {
	sb.bus.Publish(trace.Event{Actor: keyflow.S3, Op: keyflow.OpInspected, Bucket: v.Bucket, Key: v.Key, VersionID: v.VersionID,
		Mode: v.Mode, Detail: "the sandbox showed what it keeps at rest for this object"})
}

// traceMarkPrefix starts the Job of a marker event (GET
// /_s3crypt/trace-mark); no client's job token starts so.
const traceMarkPrefix = "s3crypt-mark-"

// markTimeout bounds a wait for a marker on the trace stream.
const markTimeout = 2 * time.Second

// feed mirrors the trace stream of the child process this one started
// onto a bus in this process, so that the child's trace is read as an
// in-process sandbox's is (Trace, Subscribe), with no per-job stream.
// Like in-process, the steps of a request must be on the bus when its
// response is: SyncTransport makes it so with a marker after each
// response (TraceBarrier).
type feed struct {
	bus     *trace.Bus
	cancel  context.CancelFunc
	ended   chan struct{} // closed when the stream ends
	n       atomic.Uint64
	mu      sync.Mutex
	waiters map[string]chan struct{}
}

// startFeed follows sb's trace stream until Close.
func (sb *Sandbox) startFeed() error {
	ctx, cancel := context.WithCancel(context.Background())
	f := &feed{bus: trace.NewBus(), cancel: cancel, ended: make(chan struct{}), waiters: map[string]chan struct{}{}}
	err := sb.followTrace(ctx, func(e keyflow.Event) bool {
		if strings.HasPrefix(e.Job, traceMarkPrefix) {
			f.mu.Lock()
			if ch, ok := f.waiters[e.Job]; ok {
				close(ch)
				delete(f.waiters, e.Job)
			}
			f.mu.Unlock()
			return true
		}
		f.bus.Publish(e)
		return true
	}, func() { close(f.ended) })
	if err != nil {
		cancel()
		return err
	}
	sb.feed, sb.bus = f, f.bus
	return nil
}

// followTrace reads the serving process's trace stream in a goroutine,
// handing each event to on until it returns false, ctx ends or the stream
// does; then it calls done.
func (sb *Sandbox) followTrace(ctx context.Context, on func(keyflow.Event) bool, done func()) error {
	resp, err := sb.signedGet(ctx, "trace") //nolint:bodyclose // closed below, or by the goroutine that reads the stream
	if err != nil {
		return fmt.Errorf("follow the sandbox trace: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return fmt.Errorf("follow the sandbox trace: %s", resp.Status)
	}
	go func() {
		defer done()
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			var e keyflow.Event
			if json.Unmarshal(sc.Bytes(), &e) == nil && !on(e) {
				return
			}
		}
	}()
	return nil
}

// TraceBarrier returns once every trace event the serving process
// published before the call is on this process's bus (Trace). It is a
// no-op unless this process mirrors the server's trace (it started the
// server, ChildPID, or attached with Options.Mirror).
func (sb *Sandbox) TraceBarrier(ctx context.Context) error {
	f := sb.feed
	if f == nil {
		return nil
	}
	mark := fmt.Sprintf("%s%d-%d", traceMarkPrefix, os.Getpid(), f.n.Add(1))
	seen := make(chan struct{})
	f.mu.Lock()
	f.waiters[mark] = seen
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		delete(f.waiters, mark)
		f.mu.Unlock()
	}()
	ctx, cancel := context.WithTimeout(ctx, markTimeout)
	defer cancel()
	resp, err := sb.signedGet(ctx, "trace-mark", "mark", mark)
	if err != nil {
		return fmt.Errorf("trace barrier: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		return fmt.Errorf("trace barrier: %s", resp.Status)
	}
	select {
	case <-seen:
		return nil
	case <-f.ended:
		return errors.New("trace barrier: the trace stream ended")
	case <-ctx.Done():
		return fmt.Errorf("trace barrier: %w", ctx.Err())
	}
}

// SyncTransport wraps base so that the response to a job's request (one
// with a keyflow.JobHeader) ends only once the steps the server took for it
// are on this process's bus: its body's end (or Close) waits for a
// TraceBarrier. An UploadPart's steps wait for the upload's Complete or
// Abort instead (isUploadPart). Without a feed (in-process, or attached to
// a server another process started) it returns base.
func (sb *Sandbox) SyncTransport(base http.RoundTripper) http.RoundTripper {
	if sb.feed == nil {
		return base
	}
	return syncTransport{base: base, sb: sb}
}

type syncTransport struct {
	base http.RoundTripper
	sb   *Sandbox
}

func (t syncTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if err != nil || req.Header.Get(keyflow.JobHeader) == "" || isUploadPart(req) {
		return resp, err
	}
	ctx := context.WithoutCancel(req.Context())
	resp.Body = &syncBody{ReadCloser: resp.Body, sync: func() { _ = t.sb.TraceBarrier(ctx) }}
	return resp, nil
}

// isUploadPart reports whether req is an UploadPart (or UploadPartCopy):
// its steps need no barrier of their own, as the upload's next request,
// CompleteMultipartUpload or AbortMultipartUpload, always has one, and
// the bus is in order, so they are on it before that one's response, and
// before any step the client takes after the parts. A barrier per part
// held the part's transfer slot for a round trip to the server: 64 of
// them in a 1 GiB upload (bench/tui.sh).
func isUploadPart(req *http.Request) bool {
	if req.Method != http.MethodPut {
		return false
	}
	q := req.URL.Query()
	return q.Has("uploadId") && q.Has("partNumber")
}

// syncBody runs sync once, at the body's end or Close, whichever first.
type syncBody struct {
	io.ReadCloser
	sync func()
	once sync.Once
}

func (b *syncBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF {
		b.once.Do(b.sync)
	}
	return n, err
}

func (b *syncBody) Close() error {
	err := b.ReadCloser.Close()
	b.once.Do(b.sync)
	return err
}

// CloseIdleConnections closes the idle connections of the wrapped
// transport (http.Client.CloseIdleConnections looks for it).
func (t syncTransport) CloseIdleConnections() {
	if c, ok := t.base.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}
