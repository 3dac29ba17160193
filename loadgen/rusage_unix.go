//go:build unix

package loadgen

import (
	"syscall"
	"time"
)

// toolCPU returns the CPU time (user + system) this process has used, so
// that a report shows whether the load tool was itself near its limit.
func toolCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
