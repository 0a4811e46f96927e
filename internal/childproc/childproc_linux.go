package childproc

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"syscall"
)

func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// lowerPriority renices every thread of process pid. On Linux the nice
// value belongs to each thread and a new thread inherits its creator's,
// so once every thread is reniced the whole process stays so; threads
// that appear while this runs are caught by a later pass.
func lowerPriority(pid, n int) error {
	raw, err := syscall.Getpriority(syscall.PRIO_PROCESS, 0)
	if err != nil {
		return err
	}
	target := min(20-raw+n, 19) // the raw syscall answers 20 - nice
	done := map[int]bool{}
	for range 10 {
		tasks, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
		if err != nil {
			return err
		}
		fresh := 0
		for _, t := range tasks {
			tid, err := strconv.Atoi(t.Name())
			if err != nil || done[tid] {
				continue
			}
			fresh++
			if err := syscall.Setpriority(syscall.PRIO_PROCESS, tid, target); err != nil && !errors.Is(err, syscall.ESRCH) {
				return fmt.Errorf("setpriority %d: %w", tid, err)
			}
			done[tid] = true
		}
		if fresh == 0 {
			return nil
		}
	}
	return nil
}
