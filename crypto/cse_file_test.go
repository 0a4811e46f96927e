package crypto

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

func TestDecryptToFile(t *testing.T) {
	e, pt, body := encryptA4(t, FormatV3)
	dir := t.TempDir()
	path := filepath.Join(dir, "out.txt")

	n, err := DecryptToFile(path, bytes.NewReader(body), a4PDK(), e)
	if err != nil || n != int64(len(pt)) {
		t.Fatalf("DecryptToFile = %d, %v", n, err)
	}
	if got, err := os.ReadFile(path); err != nil || !bytes.Equal(got, pt) {
		t.Fatalf("file content wrong: %v", err)
	}

	// A forged body leaves the existing file as it was and no temporary file.
	forged := append([]byte(nil), body...)
	forged[3] ^= 1
	if err := os.WriteFile(path, []byte("previous"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := DecryptToFile(path, bytes.NewReader(forged), a4PDK(), e); !errors.Is(err, ErrAuthentication) {
		t.Fatalf("forged: err = %v", err)
	}
	if got, _ := os.ReadFile(path); string(got) != "previous" {
		t.Fatalf("existing file changed to %q", got)
	}
	other := filepath.Join(dir, "never.txt")
	if _, err := DecryptToFile(other, bytes.NewReader(forged), a4PDK(), e); !errors.Is(err, ErrAuthentication) {
		t.Fatalf("forged: err = %v", err)
	}
	if _, err := os.Stat(other); !errors.Is(err, fs.ErrNotExist) {
		t.Fatal("a forged body produced a file")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("temporary files left: %v", entries)
	}
	if _, err := DecryptToFile(filepath.Join(dir, "missing", "x"), bytes.NewReader(body), a4PDK(), e); err == nil {
		t.Fatal("missing directory accepted")
	}
}
