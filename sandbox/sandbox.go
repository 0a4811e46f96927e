// Package sandbox is s3crypt's local region: an S3 and a KMS on one
// loopback HTTPS endpoint that speak the real wire protocols, so the AWS
// CLI and SDKs work against it unmodified, and that show what AWS never
// shows: a trace of every key operation and what lies on disk.
//
// Start runs the sandbox in-process on a data directory. When another
// process already serves that directory, Start attaches to it instead:
// the caller gets the same endpoint, credentials and CA, and a trace
// streamed over HTTP. With Options.Child, Start runs the sandbox in a
// child process at a lower priority and attaches to that (the terminal
// UI does, so the server's work never holds up the screen).
package sandbox

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/s3crypt/s3crypt/sandbox/kms"
	"github.com/s3crypt/s3crypt/sandbox/s3"
	"github.com/s3crypt/s3crypt/sandbox/sigv4"
	"github.com/s3crypt/s3crypt/sandbox/store"
	"github.com/s3crypt/s3crypt/sandbox/trace"
)

// DefaultRegion is the sandbox's region unless told otherwise.
const DefaultRegion = "us-east-1"

// AccountID is the sandbox account's id, used in every ARN.
const AccountID = "000000000000"

// Options configure Start.
type Options struct {
	// Dir is the data directory (DefaultDir() when empty).
	Dir string
	// Addr is the HTTPS listen address, loopback only (127.0.0.1:0 when
	// empty: a free port).
	Addr string
	// HTTPAddr, when set, also serves plain HTTP on loopback; SSE-C is
	// refused there, as on AWS.
	HTTPAddr string
	// Region is the sandbox's region (DefaultRegion when empty).
	Region string
	// NoSync skips fsync (tests only).
	NoSync bool
	// ErrorLog receives the HTTP servers' errors (TLS handshakes that
	// fail, …); nil discards them.
	ErrorLog *log.Logger
	// NoAttach makes Start fail with store.ErrLocked instead of attaching
	// to another process that serves Dir.
	NoAttach bool
	// Mirror, when this process attaches to a server another process
	// runs, follows that server's trace stream onto this process's bus
	// (as the starter of a child sandbox does), so that the steps the
	// server took for a request are on the bus when its response is
	// (SyncTransport). The UI's transfer helper needs it: without it a
	// step observed late is drawn after steps that came later.
	Mirror bool
	// IdleBodyTimeout is how long a request body may stall before the
	// request fails with 400 RequestTimeout (sigv4.DefaultIdleBodyTimeout,
	// AWS's 20 s, when zero).
	IdleBodyTimeout time.Duration
	// Child, when set (and not NoAttach), makes Start serve Dir from a
	// child process it starts, unless another process serves Dir already
	// (then Start attaches to that one). Addr, HTTPAddr, NoSync and
	// ErrorLog are then the child command's business. If the child
	// cannot start, Start serves in-process and Fallback says why.
	Child *ChildOptions
}

// Sandbox is a running (or attached) sandbox region.
type Sandbox struct {
	dir          string
	region       string
	endpoint     string
	httpEndpoint string
	creds        Credentials
	caPool       *x509.CertPool
	caFile       string
	attached     bool
	child        *child // the process that serves, when this one started it
	feed         *feed  // the child's trace, mirrored on bus
	fallback     error  // why not a child, when Options.Child asked for one
	idleBody     time.Duration

	bus        *trace.Bus
	journal    *trace.Journal // the trace kept on disk, when this process serves
	store      *store.Store
	kms        *kms.KMS
	s3         *s3.Server
	servers    []*http.Server
	wg         sync.WaitGroup
	serveMu    sync.Mutex
	errs       []error
	done       chan struct{} // closed by Close: ends trace streams
	closed     sync.Once
	closeErr   error
	clientOnce sync.Once
	client     *http.Client // for reserved endpoints (HTTPClient)
	connMu     sync.Mutex
	fresh      map[net.Conn]struct{} // connections that have not sent a request yet
}

// DefaultDir is the XDG data directory for the sandbox:
// $XDG_DATA_HOME/s3crypt/sandbox, or ~/.local/share/s3crypt/sandbox.
func DefaultDir() (string, error) {
	if d := os.Getenv("XDG_DATA_HOME"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "s3crypt", "sandbox"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("find the sandbox data directory: %w (set --data)", err)
	}
	return filepath.Join(home, ".local", "share", "s3crypt", "sandbox"), nil
}

// checkLoopback refuses any listen address that is not on loopback.
func checkLoopback(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("listen address %q: %w", addr, err)
	}
	if _, err := strconv.Atoi(port); err != nil {
		return fmt.Errorf("listen address %q: port must be a number", addr)
	}
	if host == "localhost" {
		return nil
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("listen address %q is not on loopback: the sandbox serves 127.0.0.1 or [::1] only", addr)
	}
	return nil
}

// Start opens the sandbox on opt.Dir and serves it, or attaches to the
// process that already does.
func Start(ctx context.Context, opt Options) (*Sandbox, error) {
	if opt.Dir == "" {
		d, err := DefaultDir()
		if err != nil {
			return nil, err
		}
		opt.Dir = d
	}
	if opt.Addr == "" {
		opt.Addr = "127.0.0.1:0"
	}
	if opt.Region == "" {
		opt.Region = DefaultRegion
	}
	for _, a := range []string{opt.Addr, opt.HTTPAddr} {
		if a != "" {
			if err := checkLoopback(a); err != nil {
				return nil, err
			}
		}
	}
	if err := os.MkdirAll(opt.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	if err := checkDataDir(opt.Dir); err != nil {
		return nil, err
	}
	if opt.Child != nil && !opt.NoAttach {
		return startWithChild(ctx, opt)
	}
	st, err := store.Open(filepath.Join(opt.Dir, "data"), store.Options{NoSync: opt.NoSync})
	if errors.Is(err, store.ErrLocked) {
		if opt.NoAttach {
			return nil, fmt.Errorf("%s: %w", opt.Dir, err)
		}
		sb, err := attach(ctx, opt.Dir, 0)
		if err == nil && opt.Mirror {
			if err = sb.startFeed(); err != nil {
				sb.Close()
				return nil, err
			}
		}
		return sb, err
	}
	if err != nil {
		return nil, fmt.Errorf("open sandbox storage in %s: %w", opt.Dir, err)
	}
	sb, err := open(opt, st)
	if err != nil {
		st.Close()
		return nil, err
	}
	if err := sb.listen(opt); err != nil {
		sb.Close()
		return nil, err
	}
	return sb, nil
}

// open builds the services over an opened store.
func open(opt Options, st *store.Store) (*Sandbox, error) {
	creds, err := loadOrCreateCredentials(opt.Dir)
	if err != nil {
		return nil, err
	}
	rk, err := loadOrCreateRootKeys(opt.Dir)
	if err != nil {
		return nil, err
	}
	_, pool, err := loadOrCreateTLS(opt.Dir)
	if err != nil {
		return nil, err
	}
	bus := trace.NewBus()
	jrnl, err := trace.OpenJournal(opt.Dir, 0)
	if err != nil {
		return nil, err
	}
	bus.SetJournal(jrnl)
	k, err := kms.New(st.DB(), kms.Options{Region: opt.Region, AccountID: AccountID, RootKey: rk.kms, Trace: bus})
	if err != nil {
		jrnl.Close()
		return nil, fmt.Errorf("open sandbox KMS: %w", err)
	}
	srv := s3.New(s3.Options{Store: st, KMS: k, Trace: bus, Region: opt.Region, AccountID: AccountID, OwnedKey: rk.owned, Log: opt.ErrorLog})
	idle := opt.IdleBodyTimeout
	if idle <= 0 {
		idle = sigv4.DefaultIdleBodyTimeout
	}
	return &Sandbox{dir: opt.Dir, region: opt.Region, idleBody: idle, creds: creds, caPool: pool, caFile: filepath.Join(opt.Dir, caCertFile),
		bus: bus, journal: jrnl, store: st, kms: k, s3: srv, done: make(chan struct{}), fresh: map[net.Conn]struct{}{}}, nil
}

// listen starts the HTTPS (and optional HTTP) listeners and records them
// in server.json for other processes.
func (sb *Sandbox) listen(opt Options) error {
	cert, _, err := loadOrCreateTLS(opt.Dir)
	if err != nil {
		return err
	}
	h := sb.Handler()
	ln, err := net.Listen("tcp", opt.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", opt.Addr, err)
	}
	sb.endpoint = "https://" + ln.Addr().String()
	tlsLn := tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
	sb.serve(sb.newServer(h, opt), tlsLn)
	if opt.HTTPAddr != "" {
		hl, err := net.Listen("tcp", opt.HTTPAddr)
		if err != nil {
			return fmt.Errorf("listen on %s: %w", opt.HTTPAddr, err)
		}
		sb.httpEndpoint = "http://" + hl.Addr().String()
		sb.serve(sb.newServer(h, opt), hl)
	}
	info := serverInfo{Endpoint: sb.endpoint, HTTPEndpoint: sb.httpEndpoint, PID: os.Getpid(), Region: sb.region}
	data, _ := json.MarshalIndent(info, "", "  ")
	return writeFileAtomic(filepath.Join(sb.dir, serverInfoFile), data, 0o600)
}

// newServer makes an HTTP server that tracks its connections, so Close
// can drop the ones that never carried a request instead of waiting for
// them, and that logs where opt says (nowhere by default: a TUI owns the
// terminal).
func (sb *Sandbox) newServer(h http.Handler, opt Options) *http.Server {
	logger := opt.ErrorLog
	if logger == nil {
		logger = log.New(io.Discard, "", 0)
	}
	return &http.Server{Handler: h, ReadHeaderTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute, ErrorLog: logger,
		ConnState: func(c net.Conn, st http.ConnState) {
			sb.connMu.Lock()
			defer sb.connMu.Unlock()
			switch st {
			case http.StateNew:
				sb.fresh[c] = struct{}{}
			default:
				delete(sb.fresh, c)
			}
		}}
}

func (sb *Sandbox) serve(s *http.Server, ln net.Listener) {
	sb.servers = append(sb.servers, s)
	sb.wg.Add(1)
	go func() {
		defer sb.wg.Done()
		if err := s.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			sb.serveMu.Lock()
			sb.errs = append(sb.errs, err)
			sb.serveMu.Unlock()
		}
	}()
}

// serverInfo is server.json: how another process reaches a running sandbox.
type serverInfo struct {
	Endpoint     string `json:"endpoint"`
	HTTPEndpoint string `json:"httpEndpoint,omitempty"`
	PID          int    `json:"pid"`
	Region       string `json:"region"`
}

// Close stops serving, waits for requests in flight (up to 10 s) and
// closes the storage; attached, it stops the child process this one
// started (and waits for it), or leaves the serving process alone.
func (sb *Sandbox) Close() error {
	if sb.client != nil {
		sb.client.CloseIdleConnections()
	}
	if sb.attached {
		if sb.child != nil {
			sb.closed.Do(func() {
				if sb.feed != nil {
					sb.feed.cancel()
				}
				sb.closeErr = sb.child.stop()
			})
			return sb.closeErr
		}
		if sb.feed != nil { // a mirror of another process's server (Options.Mirror)
			sb.closed.Do(sb.feed.cancel)
		}
		return nil
	}
	sb.closed.Do(func() { sb.closeErr = sb.close() })
	return sb.closeErr
}

func (sb *Sandbox) close() error {
	close(sb.done)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	for _, s := range sb.servers {
		wg.Add(1)
		go func() { defer wg.Done(); _ = s.Shutdown(ctx) }()
	}
	// Shutdown waits up to 5 s for connections that were opened but never
	// used; they carry no request, so close them now.
	sb.connMu.Lock()
	for c := range sb.fresh {
		c.Close()
	}
	sb.connMu.Unlock()
	wg.Wait()
	sb.wg.Wait()
	os.Remove(filepath.Join(sb.dir, serverInfoFile))
	sb.bus.SetJournal(nil)
	sb.journal.Close()
	if sb.store != nil {
		return sb.store.Close()
	}
	return nil
}

// Endpoint is the HTTPS endpoint URL (https://127.0.0.1:PORT).
func (sb *Sandbox) Endpoint() string { return sb.endpoint }

// HTTPEndpoint is the plain-HTTP endpoint, if one is served.
func (sb *Sandbox) HTTPEndpoint() string { return sb.httpEndpoint }

// Credentials are the access key pair that signs requests.
func (sb *Sandbox) Credentials() Credentials { return sb.creds }

// CAPool trusts the sandbox's certificate (and nothing else).
func (sb *Sandbox) CAPool() *x509.CertPool { return sb.caPool }

// CAFile is the path of the sandbox CA certificate (PEM).
func (sb *Sandbox) CAFile() string { return sb.caFile }

// Region is the sandbox's region.
func (sb *Sandbox) Region() string { return sb.region }

// Dir is the data directory.
func (sb *Sandbox) Dir() string { return sb.dir }

// Attached reports whether this Sandbox is a view of another process's.
func (sb *Sandbox) Attached() bool { return sb.attached }

// Trace is the in-process trace bus: the sandbox's own, or the mirror of
// the trace of the child process this one started; nil when attached to
// another process's server (use Subscribe).
func (sb *Sandbox) Trace() *trace.Bus { return sb.bus }

// Env returns the shell lines that point the AWS CLI at the sandbox. The
// last starts with readyPrefix: a child process that printed it serves.
func (sb *Sandbox) Env() []string {
	return []string{
		"export AWS_ENDPOINT_URL=" + sb.endpoint,
		"export AWS_CA_BUNDLE=" + sb.caFile,
		"export AWS_ACCESS_KEY_ID=" + sb.creds.AccessKeyID,
		"export AWS_SECRET_ACCESS_KEY=" + sb.creds.SecretAccessKey,
		"export AWS_REGION=" + sb.region,
		"export AWS_DEFAULT_REGION=" + sb.region,
	}
}

// verifier checks SigV4 signatures against the sandbox's credentials, for
// requests to service ("s3" or "kms").
func (sb *Sandbox) verifier(service string) *sigv4.Verifier {
	return &sigv4.Verifier{
		Lookup: func(id string) (string, bool) {
			if id == sb.creds.AccessKeyID {
				return sb.creds.SecretAccessKey, true
			}
			return "", false
		},
		Region:  sb.region,
		Service: service,
		Now:     time.Now,
	}
}
