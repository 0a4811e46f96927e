//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package sandbox

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
)

// dirHeld reports whether another process holds the store in dir: the
// store's lock (bbolt's flock of meta.db) is taken and let go at once.
func dirHeld(dir string) (bool, error) {
	f, err := os.Open(filepath.Join(dir, "meta.db"))
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	defer f.Close()
	switch err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); {
	case err == nil:
		return false, syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	case errors.Is(err, syscall.EWOULDBLOCK):
		return true, nil
	default:
		return false, err
	}
}
