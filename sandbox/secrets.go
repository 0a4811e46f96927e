package sandbox

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/crypto/hkdf"
)

// Files the sandbox keeps in its data directory.
const (
	caCertFile      = "ca.pem"
	caKeyFile       = "ca-key.pem"
	serverCertFile  = "server.pem"
	serverKeyFile   = "server-key.pem"
	credentialsFile = "credentials.json"
	rootKeyFile     = "root.key"
	serverInfoFile  = "server.json"
)

// Credentials are the sandbox's access key pair, generated once per data
// directory. Only someone who can read the data directory can sign requests.
type Credentials struct {
	AccessKeyID     string `json:"accessKeyId"`
	SecretAccessKey string `json:"secretAccessKey"`
}

// String hides the secret so credentials can never be logged by accident.
func (c Credentials) String() string { return c.AccessKeyID + ":[secret redacted]" }

// GoString hides the secret from %#v.
func (c Credentials) GoString() string { return c.String() }

// loadOrCreateCredentials reads credentials.json, creating it on first use.
func loadOrCreateCredentials(dir string) (Credentials, error) {
	path := filepath.Join(dir, credentialsFile)
	var c Credentials
	data, err := os.ReadFile(path)
	if err == nil {
		if err := json.Unmarshal(data, &c); err != nil || c.AccessKeyID == "" || c.SecretAccessKey == "" {
			return c, fmt.Errorf("read %s: the file is damaged; remove it to generate new credentials", path)
		}
		return c, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return c, fmt.Errorf("read credentials: %w", err)
	}
	c = Credentials{
		AccessKeyID:     "AKIA" + randomString(16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"),
		SecretAccessKey: randomString(40, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"),
	}
	data, _ = json.MarshalIndent(c, "", "  ")
	if err := writeFileAtomic(path, append(data, '\n'), 0o600); err != nil {
		return c, fmt.Errorf("write credentials: %w", err)
	}
	return c, nil
}

// randomString returns n characters drawn uniformly from alphabet.
func randomString(n int, alphabet string) string {
	out := make([]byte, n)
	max := big.NewInt(int64(len(alphabet)))
	for i := range out {
		v, err := rand.Int(rand.Reader, max)
		if err != nil {
			panic(err) // crypto/rand never fails on supported platforms
		}
		out[i] = alphabet[v.Int64()]
	}
	return string(out)
}

// rootKeys are the sandbox's own secrets, derived from root.key: one seals
// KMS key material at rest, the other is the "AWS owned key" that wraps
// SSE-S3 data keys.
type rootKeys struct {
	kms   []byte
	owned []byte
}

// loadOrCreateRootKeys reads root.key (32 random bytes, mode 0600),
// creating it on first use, and derives the two working keys from it.
func loadOrCreateRootKeys(dir string) (rootKeys, error) {
	path := filepath.Join(dir, rootKeyFile)
	seed, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		seed = make([]byte, 32)
		if _, err := rand.Read(seed); err != nil {
			return rootKeys{}, err
		}
		if err := writeFileAtomic(path, seed, 0o600); err != nil {
			return rootKeys{}, fmt.Errorf("write root key: %w", err)
		}
	} else if err != nil {
		return rootKeys{}, fmt.Errorf("read root key: %w", err)
	}
	if len(seed) != 32 {
		return rootKeys{}, fmt.Errorf("%s holds %d bytes, not 32: the sandbox cannot read its own data", path, len(seed))
	}
	derive := func(label string) []byte {
		k := make([]byte, 32)
		if _, err := io.ReadFull(hkdf.New(sha256.New, seed, nil, []byte(label)), k); err != nil {
			panic(err) // HKDF-SHA256 can produce far more than 32 bytes
		}
		return k
	}
	rk := rootKeys{kms: derive("s3crypt sandbox kms material"), owned: derive("s3crypt sandbox aws owned key")}
	clear(seed)
	return rk, nil
}

// loadOrCreateTLS returns the server certificate and the CA pool that
// trusts it, generating a CA and a loopback certificate on first use.
func loadOrCreateTLS(dir string) (tls.Certificate, *x509.CertPool, error) {
	caPath := filepath.Join(dir, caCertFile)
	if _, err := os.Stat(caPath); errors.Is(err, os.ErrNotExist) {
		if err := generateTLS(dir); err != nil {
			return tls.Certificate{}, nil, fmt.Errorf("generate sandbox CA: %w", err)
		}
	}
	cert, err := tls.LoadX509KeyPair(filepath.Join(dir, serverCertFile), filepath.Join(dir, serverKeyFile))
	if err != nil {
		return tls.Certificate{}, nil, fmt.Errorf("load sandbox certificate: %w", err)
	}
	caPEM, err := os.ReadFile(caPath)
	if err != nil {
		return tls.Certificate{}, nil, fmt.Errorf("read sandbox CA: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return tls.Certificate{}, nil, fmt.Errorf("%s holds no certificate", caPath)
	}
	return cert, pool, nil
}

// generateTLS writes a CA (ca.pem, ca-key.pem) and a server certificate for
// 127.0.0.1, ::1 and localhost (with *.localhost for virtual-hosted
// buckets) signed by it. Private keys are written with mode 0600.
func generateTLS(dir string) error {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: "s3crypt sandbox CA", Organization: []string{"s3crypt"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.AddDate(10, 0, 0),
		IsCA:                  true,
		BasicConstraintsValid: true,
		MaxPathLenZero:        true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return err
	}
	caCert, _ := x509.ParseCertificate(caDER)
	srvKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	srvTmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: "s3crypt sandbox", Organization: []string{"s3crypt"}},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.AddDate(10, 0, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     []string{"localhost", "*.localhost", "s3.localhost", "*.s3.localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	srvDER, err := x509.CreateCertificate(rand.Reader, srvTmpl, caCert, &srvKey.PublicKey, caKey)
	if err != nil {
		return err
	}
	for _, f := range []struct {
		name  string
		block *pem.Block
		mode  os.FileMode
		key   any
	}{
		{caKeyFile, nil, 0o600, caKey},
		{serverKeyFile, nil, 0o600, srvKey},
		{serverCertFile, &pem.Block{Type: "CERTIFICATE", Bytes: srvDER}, 0o644, nil},
		{caCertFile, &pem.Block{Type: "CERTIFICATE", Bytes: caDER}, 0o644, nil},
	} {
		block := f.block
		if f.key != nil {
			der, err := x509.MarshalPKCS8PrivateKey(f.key)
			if err != nil {
				return err
			}
			block = &pem.Block{Type: "PRIVATE KEY", Bytes: der}
		}
		if err := writeFileAtomic(filepath.Join(dir, f.name), pem.EncodeToMemory(block), f.mode); err != nil {
			return err
		}
	}
	return nil
}

func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	if err != nil {
		panic(err)
	}
	return n
}

// writeFileAtomic writes data to a temporary file beside path, syncs it and
// renames it into place, so a crash never leaves a half-written file.
func writeFileAtomic(path string, data []byte, mode os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path)+"-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	if err := f.Chmod(mode); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
