//go:build !unix

package loadgen

import "time"

// toolCPU is not measured where getrusage does not exist.
func toolCPU() time.Duration { return 0 }
