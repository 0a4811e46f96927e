package crypto

import (
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
)

// keyFileMode is the only mode key files are written with.
const keyFileMode fs.FileMode = 0o600

// maxKeyFileSize bounds how much ReadKeyFile reads: key files are tiny.
const maxKeyFileSize = 4096

// ErrKeyFileExists is matched (errors.Is) when WriteKeyFile refuses to
// replace an existing file. Such an error also matches fs.ErrExist.
var ErrKeyFileExists error = keyFileExistsError{}

// keyFileExistsError is the type of ErrKeyFileExists.
type keyFileExistsError struct{}

// Error explains the refusal.
func (keyFileExistsError) Error() string {
	return "a file already exists there; refusing to overwrite it without an explicit overwrite"
}

// Is makes the error match fs.ErrExist.
func (keyFileExistsError) Is(target error) bool { return target == fs.ErrExist }

// KeyFileFormat is how WriteKeyFile spells a key.
type KeyFileFormat int

// Key file formats.
const (
	// KeyFileRaw writes the raw key bytes and nothing else: what the AWS
	// CLI's `--sse-customer-key fileb://FILE` expects.
	KeyFileRaw KeyFileFormat = iota
	// KeyFileBase64 writes standard base64 followed by a newline.
	KeyFileBase64
)

// String names the format.
func (f KeyFileFormat) String() string {
	switch f {
	case KeyFileRaw:
		return "raw"
	case KeyFileBase64:
		return "base64"
	default:
		return fmt.Sprintf("KeyFileFormat(%d)", int(f))
	}
}

// WriteKeyFile writes k to path with mode 0600. Without overwrite it creates
// the file exclusively and fails with ErrKeyFileExists if anything is there.
// With overwrite it writes a temporary file in the same directory, syncs it
// and renames it over path, so path holds either the old or the new key,
// never a partial one.
func WriteKeyFile(path string, k *Key, format KeyFileFormat, overwrite bool) error {
	if k.Wiped() {
		return fmt.Errorf("write key file %s: %w", path, ErrWipedKey)
	}
	data, err := encodeKeyFile(k, format)
	if err != nil {
		return fmt.Errorf("write key file %s: %w", path, err)
	}
	defer clear(data)
	if err := WritePrivateFile(path, data, overwrite); err != nil {
		return fmt.Errorf("write key file %s: %w", path, err)
	}
	return nil
}

// WritePrivateFile writes data to path with mode 0600 whatever the umask:
// created exclusively (ErrKeyFileExists if path exists) unless overwrite,
// else through a synced temporary file renamed over path, so path never
// holds a partial file. It is how s3crypt writes anything secret or
// encrypted: keys, ciphertexts, decrypted data.
func WritePrivateFile(path string, data []byte, overwrite bool) error {
	if overwrite {
		return replaceKeyFile(path, data)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, keyFileMode)
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return ErrKeyFileExists
		}
		return err
	}
	if err := finishKeyFile(f, data); err != nil {
		_ = os.Remove(path)
		return err
	}
	syncDir(filepath.Dir(path))
	return nil
}

// encodeKeyFile returns the bytes of a key file in format.
func encodeKeyFile(k *Key, format KeyFileFormat) ([]byte, error) {
	switch format {
	case KeyFileRaw:
		return append([]byte(nil), k.Bytes()...), nil
	case KeyFileBase64:
		out := make([]byte, base64.StdEncoding.EncodedLen(k.Len())+1)
		base64.StdEncoding.Encode(out, k.Bytes())
		out[len(out)-1] = '\n'
		return out, nil
	default:
		return nil, fmt.Errorf("unknown key file format %d", int(format))
	}
}

// finishKeyFile forces mode 0600 (whatever the umask), writes data, syncs
// and closes f.
func finishKeyFile(f *os.File, data []byte) error {
	err := f.Chmod(keyFileMode)
	if err == nil {
		_, err = f.Write(data)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// replaceKeyFile atomically replaces path with a new 0600 file holding data.
func replaceKeyFile(path string, data []byte) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write key file: %w", err)
	}
	tmp := f.Name()
	if err := finishKeyFile(f, data); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("write key file %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("write key file: %w", err)
	}
	syncDir(dir)
	return nil
}

// syncDir makes a create or rename in dir durable, best effort.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
}

// PermissionWarning says that a key file can be read by users other than
// its owner. The key was still read.
type PermissionWarning struct {
	Path string
	Mode fs.FileMode
}

// String explains the warning and how to fix it.
func (w *PermissionWarning) String() string {
	return fmt.Sprintf("key file %s has mode %04o and is readable by group or others; run: chmod 600 %s",
		w.Path, uint32(w.Mode.Perm()), w.Path)
}

// ReadKeyFile reads a 32-byte key from path in any form ParseSSECKeyFile
// accepts. If the file is readable by group or others it still returns the
// key, together with a non-nil *PermissionWarning (never on Windows, where
// mode bits do not describe access).
func ReadKeyFile(path string) (*Key, *PermissionWarning, error) {
	k, _, warn, err := ReadKeyFileEncoding(path)
	return k, warn, err
}

// ReadKeyFileEncoding is ReadKeyFile that also says how the file holds
// the key (raw bytes, base64 or hex text), from the same single read.
func ReadKeyFileEncoding(path string) (*Key, KeyEncoding, *PermissionWarning, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, EncodingUnknown, nil, fmt.Errorf("read key file: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, EncodingUnknown, nil, fmt.Errorf("read key file: %w", err)
	}
	if !st.Mode().IsRegular() {
		return nil, EncodingUnknown, nil, fmt.Errorf("read key file %s: not a regular file", path)
	}
	// One fixed buffer, so no copy of the key is left behind by regrowth.
	buf := make([]byte, maxKeyFileSize+1)
	defer clear(buf)
	n, err := io.ReadFull(f, buf)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return nil, EncodingUnknown, nil, fmt.Errorf("read key file %s: %w", path, err)
	}
	if n > maxKeyFileSize {
		return nil, EncodingUnknown, nil, fmt.Errorf("read key file %s: larger than %d bytes, not a key file", path, maxKeyFileSize)
	}
	k, enc, err := parseSSECKey(buf[:n])
	if err != nil {
		return nil, EncodingUnknown, nil, fmt.Errorf("read key file %s: %w", path, err)
	}
	var warn *PermissionWarning
	if runtime.GOOS != "windows" && st.Mode().Perm()&0o077 != 0 {
		warn = &PermissionWarning{Path: path, Mode: st.Mode()}
	}
	return k, enc, warn, nil
}
