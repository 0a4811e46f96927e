//go:build unix

package sandbox

import (
	"fmt"
	"os"
	"syscall"
)

// checkDataDir refuses a data directory this user must not trust or that
// others could read: it holds credentials.json and root.key, so one that
// another local user created (with credentials and keys of their choosing)
// or one readable by group or others is refused, with what to do about it.
func checkDataDir(dir string) error {
	fi, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("data directory %s is not a directory", dir)
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) != os.Getuid() {
		return fmt.Errorf("data directory %s belongs to user id %d, not to you (user id %d): its credentials and keys could be another user's; "+
			"use a directory of your own (--data DIR), or remove this one if it should be yours", dir, st.Uid, os.Getuid())
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		// An empty directory of ours (a fresh temporary directory, say)
		// holds nothing yet: close it to others, then make sure nothing
		// arrived before that.
		if empty(dir) && os.Chmod(dir, 0o700) == nil && empty(dir) { //nolint:gosec // G302: a directory needs its x bit; 0700 is owner only
			return nil
		}
		return fmt.Errorf("data directory %s can be accessed by other users (mode %04o): it holds the sandbox's credentials and root keys; "+
			"run: chmod 700 %s", dir, perm, dir)
	}
	return nil
}

// empty reports whether dir has no entries.
func empty(dir string) bool {
	entries, err := os.ReadDir(dir)
	return err == nil && len(entries) == 0
}
