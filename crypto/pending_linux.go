package crypto

import (
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"golang.org/x/sys/unix"
)

// errNoAnonymous: the file system cannot hold anonymous files.
var errNoAnonymous = errors.New("anonymous files not supported here")

// procSelfFD is where the kernel shows this process's descriptors as
// links; a variable so that tests can play a system without /proc.
var procSelfFD = "/proc/self/fd/"

// canLinkEmptyPath reports whether linkat(fd, "", AT_EMPTY_PATH) is
// allowed: it needs CAP_DAC_READ_SEARCH. A variable for tests.
var canLinkEmptyPath = func() bool {
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capget(&hdr, &data[0]); err != nil {
		return false
	}
	return data[unix.CAP_DAC_READ_SEARCH/32].Effective&(1<<(unix.CAP_DAC_READ_SEARCH%32)) != 0
}

// openAnonymous opens an unnamed 0600 file in dir with O_TMPFILE, but only
// where it can later be given a name: through /proc/self/fd, or failing
// that (no /proc mounted) through AT_EMPTY_PATH with CAP_DAC_READ_SEARCH.
// Where neither works it returns errNoAnonymous, so the caller uses a
// hidden file instead of decrypting into a file it could never name.
func openAnonymous(dir string) (*os.File, error) {
	fd, err := unix.Open(dir, unix.O_TMPFILE|unix.O_RDWR|unix.O_CLOEXEC, 0o600)
	switch {
	case err == nil:
	case errors.Is(err, unix.EOPNOTSUPP), errors.Is(err, unix.EISDIR), errors.Is(err, unix.EINVAL):
		// An old kernel (EISDIR) or a file system without O_TMPFILE.
		return nil, errNoAnonymous
	default:
		return nil, &os.PathError{Op: "open", Path: dir, Err: err}
	}
	f := os.NewFile(uintptr(fd), filepath.Join(dir, "(anonymous)"))
	if _, err := os.Stat(procSelfFD + strconv.Itoa(fd)); err != nil && !canLinkEmptyPath() {
		_ = f.Close()
		return nil, errNoAnonymous
	}
	return f, nil
}

// linkAnonymous gives the anonymous file f the name path. linkat refuses
// an existing name, so the file is linked under a hidden name first and
// renamed over path: it is authenticated by then. The hidden name has a
// short fixed length (".s3crypt-" and 12 hex digits), so a target whose
// own name is near the 255-byte limit still works.
func linkAnonymous(f *os.File, path string) error {
	var r [6]byte
	_, _ = rand.Read(r[:])
	hidden := filepath.Join(filepath.Dir(path), fmt.Sprintf(".s3crypt-%x", r))
	fd := int(f.Fd())
	proc := procSelfFD + strconv.Itoa(fd)
	err := unix.Linkat(unix.AT_FDCWD, proc, unix.AT_FDCWD, hidden, unix.AT_SYMLINK_FOLLOW)
	if errors.Is(err, unix.ENOENT) {
		// No /proc: link the descriptor itself (needs CAP_DAC_READ_SEARCH).
		if err2 := unix.Linkat(fd, "", unix.AT_FDCWD, hidden, unix.AT_EMPTY_PATH); err2 == nil {
			err = nil
		} else {
			err = fmt.Errorf("%w (%s is missing: /proc is not mounted, and linking the descriptor needs CAP_DAC_READ_SEARCH: %w)", err, proc, err2)
		}
	}
	if err != nil {
		return &os.LinkError{Op: "link", Old: proc, New: hidden, Err: err}
	}
	if err := os.Rename(hidden, path); err != nil {
		_ = os.Remove(hidden)
		return err
	}
	return nil
}
