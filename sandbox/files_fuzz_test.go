package sandbox

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzDataDirFiles reads credentials.json and server.json as the sandbox
// finds them in a --data directory. Reading never panics; damaged
// credentials are refused with a message that repeats none of the file;
// credentials read back are the file's.
func FuzzDataDirFiles(f *testing.F) {
	f.Add([]byte("{\n  \"AccessKeyID\": \"AKIAABCDEFGHIJKLMNOP\",\n  \"SecretAccessKey\": \"abcdefghijklmnopqrstuvwxyz0123456789+/AB\"\n}\n"),
		[]byte(`{"pid":4242,"endpoint":"https://127.0.0.1:9000","httpEndpoint":"http://127.0.0.1:9001","region":"us-east-1"}`))
	f.Add([]byte(`{"AccessKeyID":"","SecretAccessKey":"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}`), []byte(`{"endpoint":""}`))
	f.Add([]byte(`{"AccessKeyID":"AKIA","SecretAccessKey":"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"`), []byte(`[]`))
	f.Fuzz(func(t *testing.T, creds, server []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, credentialsFile), creds, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, serverInfoFile), server, 0o600); err != nil {
			t.Fatal(err)
		}
		c, err := loadOrCreateCredentials(dir)
		if err != nil {
			for _, line := range strings.Split(string(creds), "\"") {
				if len(line) >= 12 && strings.Contains(err.Error(), line) {
					t.Fatalf("error repeats the file (%q): %v", line, err)
				}
			}
		} else if c.AccessKeyID == "" || c.SecretAccessKey == "" {
			t.Fatalf("empty credentials read: %q", c.AccessKeyID)
		} else if s := c.String() + c.GoString(); len(c.SecretAccessKey) >= 8 && !strings.Contains(c.AccessKeyID, c.SecretAccessKey) && strings.Contains(s, c.SecretAccessKey) {
			t.Fatalf("String shows the secret: %s", s)
		}
		_ = Serves(dir, "https://127.0.0.1:9000")
	})
}
