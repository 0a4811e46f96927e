package engines

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/s3crypt/s3crypt/internal/testtool"
)

// startTimeout is how long `weed mini` may take to answer S3 requests: it
// starts a master, a volume server, a filer and the S3 gateway, and the
// CI machine is shared.
const startTimeout = 3 * time.Minute

// seaweed is a running `weed mini` on loopback.
type seaweed struct {
	// HTTPS and HTTP are the S3 endpoints (the same gateway on two ports).
	HTTPS, HTTP string
	// CAFile is the CA that signed the HTTPS certificate.
	CAFile string
	// AccessKey and SecretKey are the admin identity's credentials.
	AccessKey, SecretKey string
	// Dir is weed's data directory (volumes: what lies at rest).
	Dir string

	cmd     *exec.Cmd
	root    string // the directory of all the above
	logFile string
	exited  chan struct{}
}

// kmsConfig is the "kms" section of SeaweedFS's S3 configuration: which
// KMS serves its SSE-KMS (weed/kms/config_loader.go).
type kmsConfig map[string]any

// localKMS is SeaweedFS's own KMS, making a key on first use of its id.
func localKMS() kmsConfig {
	return kmsConfig{"default_provider": "local", "providers": map[string]any{
		"local": map[string]any{"type": "local", "enableOnDemandCreate": true}}}
}

// awsKMS points SeaweedFS's AWS KMS provider (aws-sdk-go v1, region,
// static credentials, endpoint) at an AWS-KMS-compatible endpoint.
func awsKMS(endpoint, region, accessKey, secretKey string) kmsConfig {
	return kmsConfig{"default_provider": "aws", "providers": map[string]any{
		"aws": map[string]any{"type": "aws", "region": region, "endpoint": endpoint,
			"access_key": accessKey, "secret_key": secretKey}}}
}

// startSeaweed runs `weed mini` in a fresh directory with TLS, one admin
// identity and kms, waits until its S3 gateway answers a signed request,
// and stops it when the test ends.
func startSeaweed(t *testing.T, kms kmsConfig) *seaweed {
	t.Helper()
	weed := testtool.RequireWeed(t)
	sw, err := launchSeaweed(weed, kms)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("weed log (tail):\n%s", sw.logTail())
		}
		sw.halt()
	})
	return sw
}

// shared is the one SeaweedFS with its local KMS that most tests use
// (each in buckets of its own): weed takes many seconds to start.
var shared struct {
	once sync.Once
	sw   *seaweed
	err  error
}

// sharedSeaweed is the shared SeaweedFS, started on first use; TestMain
// stops it.
func sharedSeaweed(t *testing.T) *seaweed {
	t.Helper()
	weed := testtool.RequireWeed(t)
	shared.once.Do(func() { shared.sw, shared.err = launchSeaweed(weed, localKMS()) })
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("weed log (tail):\n%s", shared.sw.logTail())
		}
	})
	return shared.sw
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared.sw != nil {
		shared.sw.halt()
	}
	os.Exit(code)
}

// launchSeaweed starts weed mini in a new temporary directory and waits
// until it serves S3; halt stops it and removes the directory.
func launchSeaweed(weed string, kms kmsConfig) (*seaweed, error) {
	dir, err := os.MkdirTemp("", "s3crypt-weed-")
	if err != nil {
		return nil, err
	}
	sw := &seaweed{Dir: filepath.Join(dir, "data"), AccessKey: "AKIASEAWEEDTEST00001", SecretKey: hex.EncodeToString(randomBytes(20)),
		logFile: filepath.Join(dir, "weed.log"), exited: make(chan struct{}), root: dir}
	if err := sw.start(weed, kms); err != nil {
		sw.halt()
		return nil, err
	}
	return sw, nil
}

func (sw *seaweed) start(weed string, kms kmsConfig) error {
	if err := os.MkdirAll(sw.Dir, 0o700); err != nil {
		return err
	}
	certFile, keyFile := filepath.Join(sw.root, "s3.crt"), filepath.Join(sw.root, "s3.key")
	sw.CAFile = filepath.Join(sw.root, "ca.pem")
	if err := makeCerts(sw.CAFile, certFile, keyFile); err != nil {
		return err
	}
	cfg := map[string]any{"identities": []any{map[string]any{
		"name":        "s3crypt-test",
		"credentials": []any{map[string]any{"accessKey": sw.AccessKey, "secretKey": sw.SecretKey}},
		"actions":     []string{"Admin", "Read", "List", "Tagging", "Write"},
	}}}
	if kms != nil {
		cfg["kms"] = map[string]any(kms)
	}
	cfgFile := filepath.Join(sw.root, "s3.json")
	b, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(cfgFile, b, 0o600); err != nil {
		return err
	}
	ports, err := freePorts(11)
	if err != nil {
		return err
	}
	sw.HTTP = "http://127.0.0.1:" + strconv.Itoa(ports[0])
	sw.HTTPS = "https://127.0.0.1:" + strconv.Itoa(ports[1])
	args := []string{"mini", "-dir=" + sw.Dir, "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
		"-s3.port=" + strconv.Itoa(ports[0]), "-s3.port.https=" + strconv.Itoa(ports[1]), "-s3.port.grpc=" + strconv.Itoa(ports[2]),
		"-master.port=" + strconv.Itoa(ports[3]), "-master.port.grpc=" + strconv.Itoa(ports[4]),
		"-volume.port=" + strconv.Itoa(ports[5]), "-volume.port.grpc=" + strconv.Itoa(ports[6]),
		"-filer.port=" + strconv.Itoa(ports[7]), "-filer.port.grpc=" + strconv.Itoa(ports[8]),
		// The admin server runs even without its UI (plugin workers):
		// ports of its own, and not its legacy one, so two weeds can run.
		"-admin.port=" + strconv.Itoa(ports[9]), "-admin.port.grpc=" + strconv.Itoa(ports[10]), "-admin.port.legacy=0",
		"-s3.port.iceberg=0", "-s3.port.lance=0", "-webdav=false", "-admin.ui=false", "-master.telemetry=false",
		"-s3.config=" + cfgFile, "-s3.cert.file=" + certFile, "-s3.key.file=" + keyFile,
	}
	log, err := os.Create(sw.logFile)
	if err != nil {
		return err
	}
	defer log.Close()
	sw.cmd = exec.Command(weed, args...)
	sw.cmd.Dir = sw.root
	// SSE-S3 needs a key-encryption key (weed/s3api/s3_sse_s3.go): 32
	// bytes, hex; the local sockets go in the test's directory.
	sw.cmd.Env = append(withoutAWS(os.Environ()), "WEED_S3_SSE_KEK="+hex.EncodeToString(randomBytes(32)), "TMPDIR="+sw.root)
	sw.cmd.Stdout, sw.cmd.Stderr = log, log
	sw.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := sw.cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", weed, err)
	}
	go func() { _ = sw.cmd.Wait(); close(sw.exited) }()
	return sw.waitReady()
}

// waitReady polls ListBuckets over HTTPS until the gateway answers it.
func (sw *seaweed) waitReady() error {
	c, err := sw.sdkClient()
	if err != nil {
		return err
	}
	deadline := time.Now().Add(startTimeout)
	var last error
	for time.Now().Before(deadline) {
		select {
		case <-sw.exited:
			return fmt.Errorf("weed mini exited before it served S3:\n%s", sw.logTail())
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_, err := c.ListBuckets(ctx, &s3.ListBucketsInput{})
		cancel()
		if err == nil {
			return nil
		}
		last = err
		time.Sleep(500 * time.Millisecond)
	}
	return fmt.Errorf("weed mini did not answer ListBuckets within %s: %w\n%s", startTimeout, last, sw.logTail())
}

// sdkClient is an SDK S3 client for the HTTPS endpoint, trusting the test CA.
func (sw *seaweed) sdkClient() (*s3.Client, error) {
	pool := x509.NewCertPool()
	pem, err := os.ReadFile(sw.CAFile)
	if err != nil || !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("read the test CA %s: %w", sw.CAFile, err)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	return s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(sw.HTTPS), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider(sw.AccessKey, sw.SecretKey, ""),
		HTTPClient:  &http.Client{Transport: tr}}), nil
}

// halt ends weed (SIGTERM to its process group, then SIGKILL) and removes
// its directory.
func (sw *seaweed) halt() {
	if sw.cmd != nil && sw.cmd.Process != nil {
		_ = syscall.Kill(-sw.cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-sw.exited:
		case <-time.After(20 * time.Second):
			_ = syscall.Kill(-sw.cmd.Process.Pid, syscall.SIGKILL)
			<-sw.exited
		}
	}
	_ = os.RemoveAll(sw.root)
}

// logTail is the last lines weed wrote.
func (sw *seaweed) logTail() string {
	b, _ := os.ReadFile(sw.logFile)
	lines := strings.Split(string(b), "\n")
	if len(lines) > 60 {
		lines = lines[len(lines)-60:]
	}
	return strings.Join(lines, "\n")
}

// atRestContains reports whether any file under weed's data directory
// holds needle: plaintext that should be ciphertext at rest.
func (sw *seaweed) atRestContains(t *testing.T, needle []byte) bool {
	t.Helper()
	found := false
	err := filepath.WalkDir(sw.Dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || found {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return nil //nolint:nilerr // a file weed is replacing: the others still count
		}
		found = bytes.Contains(b, needle)
		return nil
	})
	if err != nil {
		t.Fatalf("walk %s: %v", sw.Dir, err)
	}
	return found
}

// freePorts returns n distinct loopback ports that were free a moment ago.
func freePorts(n int) ([]int, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			_ = l.Close()
		}
	}()
	var ports []int
	for len(ports) < n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		p := l.Addr().(*net.TCPAddr).Port
		// weed derives nothing from these ports, but keep them under
		// 55535 in case a gRPC port is left to its default (port+10000).
		if p < 55535 {
			ports = append(ports, p)
		}
	}
	return ports, nil
}

// freePort is one free loopback port, for a test.
func freePort(t *testing.T) int {
	t.Helper()
	p, err := freePorts(1)
	if err != nil {
		t.Fatal(err)
	}
	return p[0]
}

// makeCerts writes a CA and a server certificate for 127.0.0.1/localhost.
func makeCerts(caFile, certFile, keyFile string) error {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	now := time.Now()
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "s3crypt engine test CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return err
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		return err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour), DNSNames: []string{"localhost"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return err
	}
	for _, f := range []struct {
		path, typ string
		der       []byte
	}{{caFile, "CERTIFICATE", caDER}, {certFile, "CERTIFICATE", der}, {keyFile, "PRIVATE KEY", keyDER}} {
		if err := os.WriteFile(f.path, pem.EncodeToMemory(&pem.Block{Type: f.typ, Bytes: f.der}), 0o600); err != nil {
			return err
		}
	}
	return nil
}

// randomBytes is n bytes from crypto/rand (which never fails).
func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

// withoutAWS drops every AWS_* variable: each process gets only the AWS
// settings its test gives it.
func withoutAWS(env []string) []string {
	var out []string
	for _, e := range env {
		if !strings.HasPrefix(e, "AWS_") {
			out = append(out, e)
		}
	}
	return out
}

// s3crypt runs the built binary against one endpoint (--endpoint-url),
// with that endpoint's CA and credentials and nothing else of AWS's.
type s3cryptCLI struct {
	t    *testing.T
	bin  string
	home string
	env  []string
	args []string // global flags before the verb
}

// cliFor is the CLI pointed at the engine's HTTPS endpoint; extraEnv are
// more NAME=VALUE settings (AWS_ENDPOINT_URL_KMS, …).
func cliFor(t *testing.T, sw *seaweed, extraEnv ...string) *s3cryptCLI {
	t.Helper()
	home := t.TempDir()
	env := append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + home, "LANG=C.UTF-8", "TMPDIR=" + os.TempDir(),
		"AWS_CA_BUNDLE=" + sw.CAFile, "AWS_ACCESS_KEY_ID=" + sw.AccessKey, "AWS_SECRET_ACCESS_KEY=" + sw.SecretKey,
		"AWS_REGION=us-east-1", "AWS_EC2_METADATA_DISABLED=true",
		"AWS_CONFIG_FILE=" + filepath.Join(home, "none"), "AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, "none")}, extraEnv...)
	return &s3cryptCLI{t: t, bin: testtool.BuildBinary(t), home: home, env: env,
		args: []string{"--endpoint-url", sw.HTTPS, "--data", filepath.Join(home, "sandbox")}}
}

// run runs one verb and returns its output and exit code.
func (c *s3cryptCLI) run(args ...string) (stdout, stderr string, code int) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.bin, append(append([]string{}, c.args...), args...)...)
	cmd.Dir, cmd.Env = c.home, c.env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		code = ee.ExitCode()
	case err != nil:
		c.t.Fatalf("s3crypt %s: %v", strings.Join(args, " "), err)
	}
	return out.String(), errb.String(), code
}

// must runs one verb and fails the test unless it exits 0.
func (c *s3cryptCLI) must(args ...string) string {
	c.t.Helper()
	out, errs, code := c.run(args...)
	if code != 0 {
		c.t.Fatalf("s3crypt %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, out, errs)
	}
	return out
}

// fails runs one verb that must fail (exit 1) and returns its stderr.
func (c *s3cryptCLI) fails(args ...string) string {
	c.t.Helper()
	out, errs, code := c.run(args...)
	if code != 1 {
		c.t.Fatalf("s3crypt %s: exit %d, want 1\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, out, errs)
	}
	return errs
}

// file writes data to a new file in the CLI's home and returns its path.
func (c *s3cryptCLI) file(name string, data []byte) string {
	c.t.Helper()
	p := filepath.Join(c.home, name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		c.t.Fatal(err)
	}
	return p
}

// sameFile fails unless the file at path holds want, byte for byte.
func sameFile(t *testing.T, path string, want []byte) {
	t.Helper()
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s: %d bytes differ from the %d uploaded", path, len(got), len(want))
	}
}

// jsonField decodes s (a --json output) into v.
func jsonField(t *testing.T, s string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(s), v); err != nil {
		t.Fatalf("decode %q: %v", s, err)
	}
}
