package crypto

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// PendingFile holds plaintext that is not yet authenticated. Where the
// system allows it (Linux O_TMPFILE) it is an anonymous file: it has no
// name, so no other process can open it, and it vanishes with the process
// however that ends (SIGKILL, a crash, a power cut). Commit gives it its
// name only once the caller has verified the tag. Elsewhere it is a hidden
// 0600 file beside the target, removed by Discard on every exit path the
// process lives through (the CLI traps SIGINT, SIGTERM and SIGHUP for
// this; SIGKILL and SIGQUIT leave it behind).
type PendingFile struct {
	*os.File
	dir  string
	temp string // the hidden file's name; "" for an anonymous file
}

// NewPendingFile creates a pending file in dir for a target named base.
func NewPendingFile(dir, base string) (*PendingFile, error) {
	if f, err := openAnonymous(dir); err == nil {
		return &PendingFile{File: f, dir: dir}, nil
	} else if !errors.Is(err, errNoAnonymous) {
		return nil, err
	}
	// A short fixed-length name: a target named near the 255-byte limit
	// must still work.
	f, err := os.CreateTemp(dir, ".s3crypt-partial-*")
	if err != nil {
		return nil, err
	}
	return &PendingFile{File: f, dir: dir, temp: f.Name()}, nil
}

// anonymous reports whether the file has no name (O_TMPFILE).
func (p *PendingFile) anonymous() bool { return p.temp == "" }

// Commit gives the file the name path, replacing any file there, then
// closes it. Call it only once the content is authenticated. It does not
// fsync, as s3crypt's other downloads do not (flushing 1 GiB halved their
// throughput): the name appears only after authentication whatever
// happens to the process, and the object is still in S3 after a power
// loss.
func (p *PendingFile) Commit(path string) error {
	var err error
	if p.anonymous() {
		err = linkAnonymous(p.File, path)
	} else {
		err = os.Rename(p.temp, path)
	}
	if err != nil {
		return err
	}
	p.temp = ""
	if err := p.Close(); err != nil {
		return &CommittedCloseError{Path: path, Err: err}
	}
	syncDir(p.dir)
	return nil
}

// CommittedCloseError is Commit's error when the authenticated file
// already has its name but closing it failed: the file exists, so callers
// must not say that nothing was written. On a network file system a close
// error can mean writes were lost, so it is reported, not ignored.
type CommittedCloseError struct {
	Path string
	Err  error
}

func (e *CommittedCloseError) Error() string {
	return fmt.Sprintf("%s is written and authenticated, but closing it failed (check its content): %v", e.Path, e.Err)
}

func (e *CommittedCloseError) Unwrap() error { return e.Err }

// Discard drops the content: the anonymous file is freed on close, the
// hidden one is removed. Safe to call after Commit (it does nothing then).
func (p *PendingFile) Discard() {
	_ = p.Close()
	if p.temp != "" {
		_ = os.Remove(p.temp)
		p.temp = ""
	}
}

// DecryptToFile decrypts like DecryptTo into a pending file in path's
// directory and gives it the name path only if the body authenticates; on
// any error nothing is left and path is untouched. An existing file at
// path is replaced. On Linux the pending file is anonymous (O_TMPFILE):
// unauthenticated plaintext never has a name on disk, and a process killed
// mid-download leaves nothing behind. Elsewhere it is a hidden 0600 file
// removed on every error.
func DecryptToFile(path string, src io.Reader, dataKey *Key, e Envelope) (int64, error) {
	p, err := NewPendingFile(filepath.Dir(path), filepath.Base(path))
	if err != nil {
		return 0, fmt.Errorf("decrypt to %s: %w", path, err)
	}
	defer p.Discard()
	n, err := DecryptTo(p, src, dataKey, e)
	if err == nil {
		err = p.Commit(path)
	}
	if err != nil {
		return 0, fmt.Errorf("decrypt to %s: %w", path, err)
	}
	return n, nil
}

// DecryptVerifiedTo decrypts like DecryptTo but writes to dst only once
// the whole body has authenticated: the plaintext waits in a pending file
// in tmpDir (os.TempDir() when ""), anonymous where the system allows it,
// and is then copied to dst. Use it for streams that cannot be taken back,
// such as standard output. A failure while copying leaves dst with a
// prefix of authenticated plaintext.
func DecryptVerifiedTo(dst io.Writer, tmpDir string, src io.Reader, dataKey *Key, e Envelope) (int64, error) {
	if tmpDir == "" {
		tmpDir = os.TempDir()
	}
	p, err := NewPendingFile(tmpDir, "s3crypt-plaintext")
	if err != nil {
		return 0, fmt.Errorf("decrypt: pending file in %s: %w", tmpDir, err)
	}
	defer p.Discard()
	n, err := DecryptTo(p, src, dataKey, e)
	if err != nil {
		return 0, err
	}
	if _, err := p.Seek(0, io.SeekStart); err != nil {
		return 0, fmt.Errorf("decrypt: %w", err)
	}
	if _, err := io.CopyBuffer(dst, io.LimitReader(p, n), make([]byte, 256<<10)); err != nil {
		return 0, fmt.Errorf("write plaintext: %w", err)
	}
	return n, nil
}
