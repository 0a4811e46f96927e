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

// openAnonymous opens an unnamed 0600 file in dir with O_TMPFILE.
func openAnonymous(dir string) (*os.File, error) {
	fd, err := unix.Open(dir, unix.O_TMPFILE|unix.O_RDWR|unix.O_CLOEXEC, 0o600)
	switch {
	case err == nil:
		return os.NewFile(uintptr(fd), filepath.Join(dir, "(anonymous)")), nil
	case errors.Is(err, unix.EOPNOTSUPP), errors.Is(err, unix.EISDIR), errors.Is(err, unix.EINVAL):
		// An old kernel (EISDIR) or a file system without O_TMPFILE.
		return nil, errNoAnonymous
	default:
		return nil, &os.PathError{Op: "open", Path: dir, Err: err}
	}
}

// linkAnonymous gives the anonymous file f the name path. linkat refuses
// an existing name, so the file is linked under a hidden name first and
// renamed over path: it is authenticated by then.
func linkAnonymous(f *os.File, path string) error {
	proc := "/proc/self/fd/" + strconv.Itoa(int(f.Fd()))
	var r [6]byte
	_, _ = rand.Read(r[:])
	hidden := filepath.Join(filepath.Dir(path), fmt.Sprintf(".%s.s3crypt-%x", filepath.Base(path), r))
	if err := unix.Linkat(unix.AT_FDCWD, proc, unix.AT_FDCWD, hidden, unix.AT_SYMLINK_FOLLOW); err != nil {
		return &os.LinkError{Op: "link", Old: proc, New: hidden, Err: err}
	}
	if err := os.Rename(hidden, path); err != nil {
		_ = os.Remove(hidden)
		return err
	}
	return nil
}
