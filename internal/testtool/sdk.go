package testtool

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// CAPool reads the sandbox CA into a pool that trusts it and nothing else.
func (s *Serve) CAPool() (*x509.CertPool, error) {
	pem, err := os.ReadFile(s.CAFile)
	if err != nil {
		return nil, fmt.Errorf("read sandbox CA: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("sandbox CA %s holds no certificate", s.CAFile)
	}
	return pool, nil
}

// Config is an SDK configuration for the sandbox built without reading
// the environment or shared config files (AWS_CA_BUNDLE may point at the
// system bundle here): static credentials, the sandbox region and
// endpoint, an HTTP client that trusts only the sandbox CA, one attempt.
func (s *Serve) Config() (aws.Config, error) {
	pool, err := s.CAPool()
	if err != nil {
		return aws.Config{}, err
	}
	hc := awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) {
		tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
		tr.MaxIdleConnsPerHost = 64
	})
	return aws.Config{
		Region:           s.Region,
		Credentials:      credentials.NewStaticCredentialsProvider(s.AccessKeyID, s.Secret, ""),
		HTTPClient:       hc,
		BaseEndpoint:     aws.String(s.Endpoint),
		RetryMaxAttempts: 1,
	}, nil
}

// Clients returns path-style S3 and KMS clients for the sandbox.
func (s *Serve) Clients() (*s3.Client, *kms.Client, error) {
	cfg, err := s.Config()
	if err != nil {
		return nil, nil, err
	}
	return s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true }), kms.NewFromConfig(cfg), nil
}

// emptySHA256 is the payload hash of an empty body.
var emptySHA256 = func() string { h := sha256.Sum256(nil); return hex.EncodeToString(h[:]) }()

// Reserved GETs one of the sandbox's own endpoints (path is e.g.
// "kms-calls", query alternates names and values), signed with SigV4 like
// any request, and returns the body of a 200 answer.
func (s *Serve) Reserved(ctx context.Context, path string, query ...string) ([]byte, error) {
	u, err := url.Parse(s.Endpoint + "/_s3crypt/" + path)
	if err != nil {
		return nil, fmt.Errorf("reserved path %q: %w", path, err)
	}
	v := url.Values{}
	for i := 0; i+1 < len(query); i += 2 {
		v.Set(query[i], query[i+1])
	}
	u.RawQuery = v.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("reserved request: %w", err)
	}
	req.Header.Set("x-amz-content-sha256", emptySHA256)
	cred := aws.Credentials{AccessKeyID: s.AccessKeyID, SecretAccessKey: s.Secret}
	if err := v4.NewSigner().SignHTTP(ctx, cred, req, emptySHA256, "s3", s.Region, time.Now()); err != nil {
		return nil, fmt.Errorf("sign reserved request: %w", err)
	}
	cfg, err := s.Config()
	if err != nil {
		return nil, err
	}
	resp, err := cfg.HTTPClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("GET /_s3crypt/%s: %w", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("read /_s3crypt/%s: %w", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET /_s3crypt/%s: %s: %s", path, resp.Status, body)
	}
	return body, nil
}
