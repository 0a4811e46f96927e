//go:build unix

package crypto

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestWriteKeyFileFormatsAndMode(t *testing.T) {
	old := syscall.Umask(0) // a permissive umask must not widen the mode
	defer syscall.Umask(old)
	raw := secretBytes()
	k := NewKey(raw)
	dir := t.TempDir()
	tests := []struct {
		format KeyFileFormat
		want   []byte
	}{
		{KeyFileRaw, raw},
		{KeyFileBase64, []byte(base64.StdEncoding.EncodeToString(raw) + "\n")},
	}
	for _, tt := range tests {
		path := filepath.Join(dir, tt.format.String()+".key")
		if err := WriteKeyFile(path, k, tt.format, false); err != nil {
			t.Fatalf("%v: %v", tt.format, err)
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, tt.want) {
			t.Fatalf("%v: file holds %q", tt.format, got)
		}
		assertMode(t, path, 0o600)
		back, warn, err := ReadKeyFile(path)
		if err != nil || warn != nil || !bytes.Equal(back.Bytes(), raw) {
			t.Fatalf("%v: ReadKeyFile = %v, %v, %v", tt.format, back, warn, err)
		}
	}
	if err := WriteKeyFile(filepath.Join(dir, "x"), k, KeyFileFormat(9), false); err == nil {
		t.Fatal("unknown format accepted")
	}
	if _, err := os.Stat(filepath.Join(dir, "x")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatal("unknown format left a file behind")
	}
}

func TestWriteKeyFileRefusesOverwrite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "k")
	if err := os.WriteFile(path, []byte("precious"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := WriteKeyFile(path, NewKey(secretBytes()), KeyFileRaw, false)
	if !errors.Is(err, ErrKeyFileExists) || !errors.Is(err, fs.ErrExist) {
		t.Fatalf("err = %v, want ErrKeyFileExists", err)
	}
	want := "write key file " + path + ": a file already exists there; refusing to overwrite it without an explicit overwrite"
	if err.Error() != want {
		t.Fatalf("err = %q, want %q", err, want)
	}
	if got, _ := os.ReadFile(path); string(got) != "precious" {
		t.Fatalf("existing file changed: %q", got)
	}
	// A dangling symlink is "something there" too: O_EXCL does not follow it.
	link := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(filepath.Join(t.TempDir(), "target"), link); err != nil {
		t.Fatal(err)
	}
	if err := WriteKeyFile(link, NewKey(secretBytes()), KeyFileRaw, false); !errors.Is(err, ErrKeyFileExists) {
		t.Fatalf("symlink: err = %v", err)
	}
}

func TestWriteKeyFileOverwrite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "k")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	raw := secretBytes()
	if err := WriteKeyFile(path, NewKey(raw), KeyFileRaw, true); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil || !bytes.Equal(got, raw) {
		t.Fatalf("overwritten file holds %q, %v", got, err)
	}
	assertMode(t, path, 0o600)
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) != 1 {
		t.Fatalf("temporary files left behind: %v %v", entries, err)
	}
	// Overwrite into a missing directory fails cleanly.
	if err := WriteKeyFile(filepath.Join(dir, "no", "k"), NewKey(raw), KeyFileRaw, true); err == nil {
		t.Fatal("write into a missing directory succeeded")
	}
}

func TestWriteKeyFileWipedKey(t *testing.T) {
	k := NewKey(secretBytes())
	k.Wipe()
	path := filepath.Join(t.TempDir(), "k")
	if err := WriteKeyFile(path, k, KeyFileRaw, false); !errors.Is(err, ErrWipedKey) {
		t.Fatalf("err = %v, want ErrWipedKey", err)
	}
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Fatal("file created for a wiped key")
	}
}

func TestReadKeyFileWarnsOnLooseMode(t *testing.T) {
	raw := secretBytes()
	for _, mode := range []fs.FileMode{0o640, 0o604, 0o644} {
		path := filepath.Join(t.TempDir(), "k")
		if err := os.WriteFile(path, []byte(base64.StdEncoding.EncodeToString(raw)+"\n"), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
		k, warn, err := ReadKeyFile(path)
		if err != nil || !bytes.Equal(k.Bytes(), raw) {
			t.Fatalf("mode %o: %v", mode, err)
		}
		if warn == nil || warn.Mode.Perm() != mode {
			t.Fatalf("mode %o: no warning (%v)", mode, warn)
		}
		if got := warn.String(); !strings.HasPrefix(got, "key file "+path+" has mode 0"+octal(mode)+" and is readable by group or others; run: chmod 600 "+path) {
			t.Fatalf("warning = %q", got)
		}
	}
}

func TestReadKeyFileErrors(t *testing.T) {
	dir := t.TempDir()
	if _, _, err := ReadKeyFile(filepath.Join(dir, "missing")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("missing: %v", err)
	}
	if _, _, err := ReadKeyFile(dir); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Fatalf("directory: %v", err)
	}
	big := filepath.Join(dir, "big")
	if err := os.WriteFile(big, make([]byte, maxKeyFileSize+1), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := ReadKeyFile(big); err == nil || !strings.Contains(err.Error(), "not a key file") {
		t.Fatalf("big: %v", err)
	}
	bad := filepath.Join(dir, "bad")
	if err := os.WriteFile(bad, []byte("short"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := ReadKeyFile(bad); !errors.Is(err, ErrInvalidSSECKey) {
		t.Fatalf("bad: %v", err)
	}
}

func TestKeyFileFormatString(t *testing.T) {
	if KeyFileRaw.String() != "raw" || KeyFileBase64.String() != "base64" || KeyFileFormat(7).String() != "KeyFileFormat(7)" {
		t.Fatal("KeyFileFormat.String")
	}
}

func assertMode(t *testing.T, path string, want fs.FileMode) {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != want {
		t.Fatalf("%s has mode %o, want %o", path, st.Mode().Perm(), want)
	}
}

func octal(m fs.FileMode) string {
	const digits = "01234567"
	p := uint32(m.Perm())
	return string([]byte{digits[p>>6&7], digits[p>>3&7], digits[p&7]})
}

func TestReadKeyFileEncodingSaysHowTheFileHoldsTheKey(t *testing.T) {
	raw := bytes.Repeat([]byte{0xab}, 32)
	dir := t.TempDir()
	for enc, data := range map[KeyEncoding][]byte{
		EncodingRaw:    raw,
		EncodingBase64: []byte(base64.StdEncoding.EncodeToString(raw) + "\n"),
		EncodingHex:    []byte(hex.EncodeToString(raw)),
	} {
		p := filepath.Join(dir, enc.String())
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		k, got, _, err := ReadKeyFileEncoding(p)
		if err != nil || got != enc || !bytes.Equal(k.Bytes(), raw) {
			t.Errorf("%s: encoding %v, err %v", p, got, err)
		}
	}
}
