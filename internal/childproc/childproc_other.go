//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package childproc

import "syscall"

func procAttr() *syscall.SysProcAttr { return nil }

func lowerPriority(int, int) error { return nil }
