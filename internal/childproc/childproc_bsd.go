//go:build darwin || freebsd || netbsd || openbsd || dragonfly

package childproc

import "syscall"

// procAttr has no parent-death signal here: s3crypt's children also stop
// when their standard input ends.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}

func lowerPriority(pid, n int) error {
	cur, err := syscall.Getpriority(syscall.PRIO_PROCESS, 0)
	if err != nil {
		return err
	}
	return syscall.Setpriority(syscall.PRIO_PROCESS, pid, min(cur+n, 19))
}
