// Package awsclient builds the aws-sdk-go-v2 clients s3crypt talks through,
// for one of three backends, in this order of precedence:
//
//  1. an endpoint (--endpoint-url, or AWS_ENDPOINT_URL): the standard
//     credential chain, AWS_CA_BUNDLE, path-style addressing;
//  2. real AWS (--aws or --profile): the standard chain (AWS_PROFILE,
//     AWS_REGION, SSO, config files);
//     (unless that endpoint is the sandbox serving DataDir: then 3);
//  3. otherwise the embedded sandbox, in-process on its data directory (or
//     in a child process, Options.SandboxChild; or attached to the
//     `s3crypt serve` that holds it), trusting the sandbox's CA explicitly
//     whatever AWS_CA_BUNDLE says.
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
	EndpointURL string // --endpoint-url; AWS_ENDPOINT_URL when empty
	AWS         bool   // --aws
	Profile     string // --profile (implies AWS)
	Region      string // --region
	DataDir     string // --data, for the sandbox
	// SandboxChild, when set, serves the sandbox from a child process
	// unless another process serves it already (see sandbox.Options.Child).
	SandboxChild *sandbox.ChildOptions
	// SandboxMirror, when the sandbox is served by another process,
	// mirrors its trace on this process's bus (sandbox.Options.Mirror).
	SandboxMirror bool
	// Getenv reads the environment (os.Getenv when nil).
	Getenv func(string) string
}

// Backend is a set of clients for one backend.
type Backend struct {
	Kind     Kind
	Region   string
	Endpoint string // "" for real AWS
	// Label says where s3crypt is pointed, for headers and messages.
	Label string
	// CAFile is the CA bundle an aws CLI command needs for Endpoint ("" if
	// the system's will do).
	CAFile string
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
}

// Open builds the backend opt selects.
func Open(ctx context.Context, opt Options) (*Backend, error) {
	getenv := opt.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	endpoint := opt.EndpointURL
	if endpoint == "" && !opt.AWS && opt.Profile == "" {
		endpoint = getenv("AWS_ENDPOINT_URL")
		if endpoint != "" && opt.DataDir != "" && sandbox.Serves(opt.DataDir, endpoint) {
			// The exported endpoint is the sandbox serving --data (as in
			// a shell set up by `s3crypt learn serve`): attach to it, and
			// see its trace and at-rest view too.
			endpoint = ""
		}
	}
	rec := NewRecorder()
	switch {
	case endpoint != "":
		return openEndpoint(ctx, opt, endpoint, rec)
	case opt.AWS || opt.Profile != "":
		return openAWS(ctx, opt, rec)
	}
	return openSandbox(ctx, opt, rec)
}

func openEndpoint(ctx context.Context, opt Options, endpoint string, rec *Recorder) (*Backend, error) {
	loads := []func(*config.LoadOptions) error{config.WithBaseEndpoint(endpoint), config.WithLogger(logging.Nop{})}
	if opt.Region != "" {
		loads = append(loads, config.WithRegion(opt.Region))
	}
	if opt.Profile != "" {
		loads = append(loads, config.WithSharedConfigProfile(opt.Profile))
	}
	cfg, err := config.LoadDefaultConfig(ctx, loads...)
	if err != nil {
		return nil, fmt.Errorf("configure endpoint %s: %w", endpoint, err)
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	b := newBackend(KindEndpoint, cfg, rec, true)
	b.Endpoint, b.Profile = endpoint, opt.Profile
	b.Label = "endpoint " + endpoint + " · " + cfg.Region
	b.CAFile = os.Getenv("AWS_CA_BUNDLE")
	return b, nil
}

func openAWS(ctx context.Context, opt Options, rec *Recorder) (*Backend, error) {
	loads := []func(*config.LoadOptions) error{config.WithLogger(logging.Nop{})}
	if opt.Region != "" {
		loads = append(loads, config.WithRegion(opt.Region))
	}
	if opt.Profile != "" {
		loads = append(loads, config.WithSharedConfigProfile(opt.Profile))
	}
	cfg, err := config.LoadDefaultConfig(ctx, loads...)
	if err != nil {
		return nil, fmt.Errorf("configure AWS: %w", err)
	}
	if cfg.Region == "" {
		return nil, fmt.Errorf("no AWS region: set --region, AWS_REGION or a region in your profile")
	}
	b := newBackend(KindAWS, cfg, rec, false)
	b.Profile = opt.Profile
	profile := opt.Profile
	if profile == "" {
		profile = os.Getenv("AWS_PROFILE")
	}
	if profile == "" {
		profile = "default"
	}
	b.Label = "aws · profile " + profile + " · " + cfg.Region
	return b, nil
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
	cfg.APIOptions = append(cfg.APIOptions, rec.middleware)
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
	if b.Sandbox != nil {
		return b.Sandbox.Close()
	}
	return nil
}

// tildePath shortens a path under the home directory to ~/….
func tildePath(p string) string {
	if home, err := os.UserHomeDir(); err == nil && home != "" && strings.HasPrefix(p, home+"/") {
		return "~" + p[len(home):]
	}
	return p
}
