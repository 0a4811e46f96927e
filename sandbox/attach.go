package sandbox

import (
	"bufio"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/s3crypt/s3crypt/keyflow"
)

// attach connects to the sandbox another process serves from dir.
func attach(ctx context.Context, dir string) (*Sandbox, error) {
	inUse := fmt.Errorf("the sandbox data directory %s is in use by another process, and that process does not answer; stop it or use another --data directory", dir)
	data, err := os.ReadFile(filepath.Join(dir, serverInfoFile))
	if err != nil {
		return nil, inUse
	}
	var info serverInfo
	if err := json.Unmarshal(data, &info); err != nil || info.Endpoint == "" {
		return nil, inUse
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
	resp, err := sb.signedGet(ctx, "trace") //nolint:bodyclose // closed below, or by the goroutine that reads the stream
	if err != nil {
		return nil, fmt.Errorf("follow the sandbox trace: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, fmt.Errorf("follow the sandbox trace: %s", resp.Status)
	}
	go func() {
		defer close(out)
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			var e keyflow.Event
			if json.Unmarshal(sc.Bytes(), &e) != nil {
				continue
			}
			select {
			case out <- e:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, nil
}

// Inspect returns the at-rest view of an object version.
func (sb *Sandbox) Inspect(ctx context.Context, bucket, key, version string) (keyflow.AtRest, error) {
	if sb.s3 != nil {
		return sb.s3.Inspect(bucket, key, version)
	}
	resp, err := sb.signedGet(ctx, "inspect", "bucket", bucket, "key", key, "versionId", version)
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
