//go:build darwin || freebsd || netbsd || openbsd || dragonfly

package sandbox

import "syscall"

// childProcAttr puts the child in a process group of its own (the
// terminal's Ctrl+C and Ctrl+Z are the caller's to handle). There is no
// parent-death signal here: the child stops when its standard input ends.
func childProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}

// lowerPriority raises the nice value of process pid by n (to at most 19).
func lowerPriority(pid, n int) error {
	cur, err := syscall.Getpriority(syscall.PRIO_PROCESS, 0)
	if err != nil {
		return err
	}
	return syscall.Setpriority(syscall.PRIO_PROCESS, pid, min(cur+n, 19))
}
