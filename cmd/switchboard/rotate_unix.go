//go:build unix

package main

import (
	"os"
	"syscall"
)

// rotateSignals reopen the log file, as logrotate's postrotate sends.
func rotateSignals() []os.Signal { return []os.Signal{syscall.SIGUSR1} }
