//go:build unix

package crypto

import "syscall"

// cpuSeconds is the process's user + system CPU time: under load a
// benchmark's wall time counts the time it waited for a core, its CPU time
// does not (openssl speed reports CPU time too).
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
}
