package crypto

import (
	crand "crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestRSAPrivateKeyRedacted: no printed, JSON or slog form of a struct
// holding an RSAPrivateKey shows any of the key's numbers.
func TestRSAPrivateKeyRedacted(t *testing.T) {
	priv, err := rsa.GenerateKey(crand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	holder := struct{ Key *RSAPrivateKey }{NewRSAPrivateKey(priv)}
	secrets := []string{priv.D.String(), priv.Primes[0].String(), priv.D.Text(16), priv.N.String()}
	var sb strings.Builder
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x", "%d"} {
		fmt.Fprintf(&sb, verb+"\n", holder)
		fmt.Fprintf(&sb, verb+"\n", holder.Key)
	}
	js, _ := json.Marshal(holder)
	sb.Write(js)
	slog.New(slog.NewTextHandler(&sb, nil)).Info("x", "key", holder.Key)
	out := sb.String()
	for _, s := range secrets {
		if strings.Contains(out, s) {
			t.Fatalf("a key number leaked in %q", out)
		}
	}
	if !strings.Contains(out, "[RSA private key redacted: 2048 bits]") || holder.Key.Private() != priv {
		t.Fatalf("unexpected forms: %s", out)
	}
}

// TestReadRSAKeyFilePermissions: a private key file readable by group or
// others is read with a warning; 0600, or a public key, gives none.
func TestReadRSAKeyFilePermissions(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("mode bits do not describe access on Windows")
	}
	priv, err := rsa.GenerateKey(crand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	privPEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(priv)})
	pkix, _ := x509.MarshalPKIXPublicKey(&priv.PublicKey)
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pkix})
	for _, tc := range []struct {
		name string
		data []byte
		mode os.FileMode
		warn bool
	}{
		{"private 0600", privPEM, 0o600, false},
		{"private 0644", privPEM, 0o644, true},
		{"private 0640", privPEM, 0o640, true},
		{"public 0644", pubPEM, 0o644, false},
	} {
		path := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "-")+".pem")
		if err := os.WriteFile(path, tc.data, tc.mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(path, tc.mode); err != nil { // past the umask
			t.Fatal(err)
		}
		p, pub, warn, err := ReadRSAKeyFile(path)
		if err != nil || pub == nil || pub.N.Cmp(priv.N) != 0 {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if (p != nil) != (tc.data[11] == 'R') {
			t.Fatalf("%s: private key = %v", tc.name, p)
		}
		if (warn != nil) != tc.warn || (warn != nil && !strings.Contains(warn.String(), "chmod 600 "+path)) {
			t.Fatalf("%s: warning = %v", tc.name, warn)
		}
	}
}
