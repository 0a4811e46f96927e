// Package awsclient builds the aws-sdk-go-v2 clients s3crypt talks through,
// for one of three backends, in this order of precedence:
//
//  1. an endpoint for S3 (--endpoint-url, --s3-endpoint-url,
//     AWS_ENDPOINT_URL or AWS_ENDPOINT_URL_S3): the standard credential
//     chain, AWS_CA_BUNDLE, path-style addressing;
//  2. real AWS (--aws or --profile): the standard chain (AWS_PROFILE,
//     AWS_REGION, SSO, config files);
//     (unless that endpoint is the sandbox serving DataDir: then 3);
//  3. otherwise the embedded sandbox, in-process on its data directory (or
//     in a child process, Options.SandboxChild; or attached to the
//     `s3crypt serve` that holds it), trusting the sandbox's CA explicitly
//     whatever AWS_CA_BUNDLE says.
//
// In 1 and 2 the S3 client and the KMS client each take the endpoint the
// SDK resolves for its own service (AWS_ENDPOINT_URL_S3,
// AWS_ENDPOINT_URL_KMS, the profile's services section, then the global
// settings; --endpoint-url is the SDK's global override, as the aws CLI's
// is), then --s3-endpoint-url / --kms-endpoint-url over it: s3crypt does
// not resolve these itself. A service whose endpoint is the `s3crypt serve`
// of DataDir (KMS beside another engine's S3, say) signs with that
// sandbox's credentials and trusts its CA, since AWS_CA_BUNDLE and the
// environment's credentials can serve only one of the two.
//
// Every client records what it sends and receives (Recorder): which API,
// the encryption headers (secrets masked) and a KMS call counter.
package awsclient

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go/logging"

	"github.com/s3crypt/s3crypt/keyflow"
	"github.com/s3crypt/s3crypt/sandbox"
)

// Kind is which backend a Backend talks to.
type Kind int

// The backends.
const (
	KindSandbox Kind = iota
	KindAWS
	KindEndpoint
)

func (k Kind) String() string {
	switch k {
	case KindSandbox:
		return "sandbox"
	case KindAWS:
		return "aws"
	case KindEndpoint:
		return "endpoint"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Options choose and configure a backend.
type Options struct {
	// EndpointURL (--endpoint-url) is every service's endpoint, as the aws
	// CLI's --endpoint-url: it beats AWS_ENDPOINT_URL_S3/_KMS and the
	// shared config's services sections.
	EndpointURL string
	// S3EndpointURL and KMSEndpointURL (--s3-endpoint-url,
	// --kms-endpoint-url) point one service's client, beating EndpointURL.
	// Without any of these the SDK resolves each service's endpoint itself:
	// AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL_KMS, AWS_ENDPOINT_URL, the
	// profile's services section, its endpoint_url.
	S3EndpointURL  string
	KMSEndpointURL string
	AWS            bool   // --aws
	Profile        string // --profile (implies AWS)
	Region         string // --region
	DataDir        string // --data, for the sandbox
	// SandboxChild, when set, serves the sandbox from a child process
	// unless another process serves it already (see sandbox.Options.Child).
	SandboxChild *sandbox.ChildOptions
	// SandboxMirror, when the sandbox is served by another process,
	// mirrors its trace on this process's bus (sandbox.Options.Mirror).
	SandboxMirror bool
	// Getenv reads the environment (os.Getenv when nil) to choose the
	// backend: an AWS_ENDPOINT_URL or AWS_ENDPOINT_URL_S3 it returns
	// selects an endpoint. The SDK itself resolves the endpoints from the
	// process's environment.
	Getenv func(string) string
}

// Service is where one service's client is pointed.
type Service struct {
	Endpoint string // "" for AWS's own endpoint
	// CAFile is the CA bundle an aws CLI command needs for Endpoint ("" if
	// the system's will do).
	CAFile string
	Region string
	// SandboxDir, when an `s3crypt serve` from this data directory answers
	// at Endpoint (and the backend is not that sandbox): the client signs
	// with that sandbox's credentials and trusts its CA, whatever the
	// environment's credentials and AWS_CA_BUNDLE say.
	SandboxDir string
}

// Backend is a set of clients for one backend.
type Backend struct {
	Kind     Kind
	Region   string
	Endpoint string // S3's endpoint; "" for real AWS
	// Label says where s3crypt is pointed, for headers and messages:
	// which endpoint serves S3 and which KMS when they differ.
	Label string
	// CAFile is the CA bundle an aws CLI command needs for Endpoint ("" if
	// the system's will do).
	CAFile string
	// S3At and KMSAt are where each client is pointed (S3At repeats
	// Endpoint, CAFile and Region).
	S3At, KMSAt Service
	// Profile is the --profile s3crypt was given ("" when none): the aws
	// commands it shows pass it too.
	Profile string
	S3      *s3.Client
	KMS     *kms.Client
	Sandbox *sandbox.Sandbox // the sandbox, when Kind is KindSandbox
	// Local is the local region that can show its key flow and what it
	// keeps at rest (the sandbox); nil for AWS and other endpoints.
	Local    keyflow.Region
	Recorder *Recorder
	Config   aws.Config
	// attached are the sandboxes one service is pointed at (Service.SandboxDir).
	attached []*sandbox.Sandbox
}

// SplitKMS reports whether KMS is answered elsewhere than S3.
func (b *Backend) SplitKMS() bool {
	return b.KMSAt.Endpoint != b.S3At.Endpoint || b.KMSAt.SandboxDir != b.S3At.SandboxDir
}

// Open builds the backend opt selects.
func Open(ctx context.Context, opt Options) (*Backend, error) {
	getenv := opt.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	flags := opt.EndpointURL != "" || opt.S3EndpointURL != "" || opt.KMSEndpointURL != ""
	s3Env := getenv("AWS_ENDPOINT_URL_S3")
	if s3Env == "" {
		s3Env = getenv("AWS_ENDPOINT_URL")
	}
	rec := NewRecorder()
	switch {
	case opt.AWS || opt.Profile != "" || opt.EndpointURL != "" || opt.S3EndpointURL != "":
		return openConfigured(ctx, opt, rec)
	case opt.KMSEndpointURL != "" && s3Env == "":
		return nil, fmt.Errorf("--kms-endpoint-url points KMS at %s, but S3 is the sandbox, whose S3 uses its own KMS: name S3's endpoint too (--s3-endpoint-url, --endpoint-url or AWS_ENDPOINT_URL_S3), or use --aws", opt.KMSEndpointURL)
	case s3Env == "":
		return openSandbox(ctx, opt, rec)
	}
	kmsEnv := getenv("AWS_ENDPOINT_URL_KMS")
	if !flags && opt.DataDir != "" && sandbox.Serves(opt.DataDir, s3Env) && (kmsEnv == "" || sandbox.Serves(opt.DataDir, kmsEnv)) {
		// The exported endpoint is the sandbox serving --data (as in a
		// shell set up by `s3crypt learn serve`): attach to it, and see
		// its trace and at-rest view too.
		return openSandbox(ctx, opt, rec)
	}
	return openConfigured(ctx, opt, rec)
}

// openConfigured builds clients from the standard configuration (the
// credential chain, profiles, AWS_CA_BUNDLE), each service's endpoint as
// the SDK resolves it, then the flags: an endpoint for S3 makes it
// KindEndpoint, none KindAWS.
func openConfigured(ctx context.Context, opt Options, rec *Recorder) (*Backend, error) {
	loads := []func(*config.LoadOptions) error{config.WithLogger(logging.Nop{})}
	if opt.EndpointURL != "" {
		// The SDK's global override: it beats the service-specific settings,
		// as the aws CLI's --endpoint-url does.
		loads = append(loads, config.WithBaseEndpoint(opt.EndpointURL))
	}
	if opt.Region != "" {
		loads = append(loads, config.WithRegion(opt.Region))
	}
	if opt.Profile != "" {
		loads = append(loads, config.WithSharedConfigProfile(opt.Profile))
	}
	cfg, err := config.LoadDefaultConfig(ctx, loads...)
	if err != nil {
		if ep := firstNonEmpty(opt.S3EndpointURL, opt.EndpointURL); ep != "" {
			return nil, fmt.Errorf("configure endpoint %s: %w", ep, err)
		}
		return nil, fmt.Errorf("configure AWS: %w", err)
	}
	s3Opt := func(o *s3.Options) {
		if opt.S3EndpointURL != "" {
			o.BaseEndpoint = aws.String(opt.S3EndpointURL)
		}
	}
	kmsOpt := func(o *kms.Options) {
		if opt.KMSEndpointURL != "" {
			o.BaseEndpoint = aws.String(opt.KMSEndpointURL)
		}
	}
	// What the SDK resolves for each service (its own precedence), then
	// the flags over it.
	s3Endpoint := aws.ToString(s3.NewFromConfig(cfg, s3Opt).Options().BaseEndpoint)
	kmsEndpoint := aws.ToString(kms.NewFromConfig(cfg, kmsOpt).Options().BaseEndpoint)
	kind := KindAWS
	if s3Endpoint != "" {
		kind = KindEndpoint
		if cfg.Region == "" {
			cfg.Region = "us-east-1"
		}
	}
	if cfg.Region == "" {
		return nil, fmt.Errorf("no AWS region: set --region, AWS_REGION or a region in your profile")
	}
	cfg.APIOptions = append(cfg.APIOptions, rec.middleware, answerMiddleware)
	b := &Backend{Kind: kind, Region: cfg.Region, Config: cfg, Recorder: rec, Profile: opt.Profile}
	caFile := os.Getenv("AWS_CA_BUNDLE")
	b.S3At = Service{Endpoint: s3Endpoint, Region: cfg.Region}
	b.KMSAt = Service{Endpoint: kmsEndpoint, Region: cfg.Region}
	if s3Endpoint != "" {
		b.S3At.CAFile = caFile
	}
	if kmsEndpoint != "" {
		b.KMSAt.CAFile = caFile
	}
	dataDir := opt.DataDir
	if dataDir == "" {
		dataDir, _ = sandbox.DefaultDir()
	}
	s3Own, err := b.ownSandbox(ctx, dataDir, &b.S3At, nil)
	if err == nil {
		var kmsOwn *sandbox.Sandbox
		if kmsOwn, err = b.ownSandbox(ctx, dataDir, &b.KMSAt, s3Own); err == nil {
			b.S3 = s3.NewFromConfig(cfg, s3Opt, func(o *s3.Options) {
				o.UsePathStyle = kind == KindEndpoint
				if s3Own != nil {
					o.Credentials, o.HTTPClient, o.Region = sandboxClient(s3Own)
				}
			})
			b.KMS = kms.NewFromConfig(cfg, kmsOpt, func(o *kms.Options) {
				if kmsOwn != nil {
					o.Credentials, o.HTTPClient, o.Region = sandboxClient(kmsOwn)
				}
			})
		}
	}
	if err != nil {
		b.Close()
		return nil, err
	}
	b.Endpoint, b.CAFile = b.S3At.Endpoint, b.S3At.CAFile
	b.Label = b.label()
	return b, nil
}

// ownSandbox checks whether the sandbox serving dataDir answers at at's
// endpoint (same, if not nil, was found for the other service). If it
// does, at's client must sign with that sandbox's credentials and trust
// its CA (AWS_CA_BUNDLE may name another endpoint's CA): it returns that
// sandbox, attached, and notes it in at.
func (b *Backend) ownSandbox(ctx context.Context, dataDir string, at *Service, same *sandbox.Sandbox) (*sandbox.Sandbox, error) {
	if dataDir == "" || at.Endpoint == "" {
		return nil, nil
	}
	sb := same
	if sb == nil || !sandbox.Serves(sb.Dir(), at.Endpoint) && strings.TrimSuffix(sb.HTTPEndpoint(), "/") != strings.TrimSuffix(at.Endpoint, "/") {
		var err error
		if sb, err = sandbox.AttachServing(ctx, dataDir, at.Endpoint); err != nil {
			return nil, fmt.Errorf("%s is the sandbox served from %s, which does not answer: %w", at.Endpoint, dataDir, err)
		}
		if sb == nil {
			return nil, nil
		}
		b.attached = append(b.attached, sb)
	}
	at.SandboxDir, at.CAFile, at.Region = sb.Dir(), sb.CAFile(), sb.Region()
	if strings.HasPrefix(at.Endpoint, "http://") {
		at.CAFile = ""
	}
	return sb, nil
}

// sandboxClient is what a client pointed at sb needs: its credentials, a
// transport that trusts its CA and nothing else, its region.
func sandboxClient(sb *sandbox.Sandbox) (aws.CredentialsProvider, *http.Client, string) {
	c := sb.Credentials()
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: sb.CAPool(), MinVersion: tls.VersionTLS12}
	return aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider(c.AccessKeyID, c.SecretAccessKey, "")), &http.Client{Transport: tr}, sb.Region()
}

// label says where b is pointed: the S3 endpoint (or AWS and the
// profile), then KMS's when it is elsewhere, and the region.
func (b *Backend) label() string {
	var l string
	if b.Kind == KindAWS {
		profile := b.Profile
		if profile == "" {
			profile = os.Getenv("AWS_PROFILE")
		}
		if profile == "" {
			profile = "default"
		}
		l = "aws · profile " + profile
	} else {
		l = "endpoint " + b.S3At.Endpoint + serveNote(b.S3At)
	}
	if b.SplitKMS() {
		if b.Kind == KindEndpoint {
			l = "S3 " + l
		}
		kmsAt := "AWS's"
		if b.KMSAt.Endpoint != "" {
			kmsAt = b.KMSAt.Endpoint + serveNote(b.KMSAt)
		}
		l += " · KMS " + kmsAt
	}
	return l + " · " + b.Region
}

// serveNote names the sandbox that answers at at, if one does.
func serveNote(at Service) string {
	if at.SandboxDir == "" {
		return ""
	}
	return " (s3crypt serve, data " + tildePath(at.SandboxDir) + ")"
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

func openSandbox(ctx context.Context, opt Options, rec *Recorder) (*Backend, error) {
	sopt := sandbox.Options{Dir: opt.DataDir, Region: opt.Region, Child: opt.SandboxChild, Mirror: opt.SandboxMirror}
	sb, err := sandbox.Start(ctx, sopt)
	if err != nil {
		return nil, err
	}
	cfg, err := SandboxConfig(ctx, sb)
	if err != nil {
		sb.Close()
		return nil, err
	}
	b := newBackend(KindSandbox, cfg, rec, true)
	b.Sandbox, b.Local = sb, sb
	b.Endpoint = sb.Endpoint()
	b.CAFile = sb.CAFile()
	b.S3At = Service{Endpoint: b.Endpoint, CAFile: b.CAFile, Region: b.Region}
	b.KMSAt = b.S3At
	b.Label = "sandbox · " + sb.Region() + " · data " + tildePath(sb.Dir())
	switch {
	case sb.ChildPID() != 0: // s3crypt's own child: the embedded sandbox, as far as the person knows
	case sb.Attached():
		b.Label += " (attached to s3crypt serve)"
	case sb.Fallback() != nil:
		b.Label += " (in-process: see " + tildePath(filepath.Join(sb.Dir(), sandbox.ChildLogFile)) + ")"
	}
	return b, nil
}

// SandboxConfig is an SDK config for sb: its endpoint, its credentials and
// a transport that trusts its CA and nothing else. It is built by hand, not
// loaded: nothing from the user's environment or profiles (AWS_PROFILE,
// AWS_REGION, AWS_CA_BUNDLE) may leak into the sandbox.
func SandboxConfig(ctx context.Context, sb *sandbox.Sandbox) (aws.Config, error) {
	c := sb.Credentials()
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: sb.CAPool(), MinVersion: tls.VersionTLS12}
	tr.MaxIdleConnsPerHost = 64
	// A plain *http.Client (rather than the SDK's buildable one) so Close
	// can drop idle connections before the sandbox shuts down. Served by a
	// child process, a job's response ends once its trace steps are here.
	hc := &http.Client{Transport: sb.SyncTransport(tr)}
	return aws.Config{
		Region:                     sb.Region(),
		Credentials:                aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider(c.AccessKeyID, c.SecretAccessKey, "")),
		HTTPClient:                 hc,
		BaseEndpoint:               aws.String(sb.Endpoint()),
		Logger:                     logging.Nop{},
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenSupported,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenSupported,
	}, nil
}

func newBackend(kind Kind, cfg aws.Config, rec *Recorder, pathStyle bool) *Backend {
	cfg.APIOptions = append(cfg.APIOptions, rec.middleware, answerMiddleware)
	return &Backend{
		Kind:     kind,
		Region:   cfg.Region,
		Config:   cfg,
		Recorder: rec,
		S3:       s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = pathStyle }),
		KMS:      kms.NewFromConfig(cfg),
	}
}

// Close releases the sandbox, if this backend started one.
func (b *Backend) Close() error {
	if c, ok := b.Config.HTTPClient.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
	for _, hc := range b.ownClients() {
		if c, ok := hc.(interface{ CloseIdleConnections() }); ok {
			c.CloseIdleConnections()
		}
	}
	for _, sb := range b.attached {
		_ = sb.Close()
	}
	if b.Sandbox != nil {
		return b.Sandbox.Close()
	}
	return nil
}

// ownClients are the S3 and KMS clients' HTTP clients.
func (b *Backend) ownClients() []aws.HTTPClient {
	var out []aws.HTTPClient
	if b.S3 != nil {
		out = append(out, b.S3.Options().HTTPClient)
	}
	if b.KMS != nil {
		out = append(out, b.KMS.Options().HTTPClient)
	}
	return out
}

// tildePath shortens a path under the home directory to ~/….
func tildePath(p string) string {
	if home, err := os.UserHomeDir(); err == nil && home != "" && strings.HasPrefix(p, home+"/") {
		return "~" + p[len(home):]
	}
	return p
}
