//go:build !unix

package main

import "os"

// rotateSignals: no SIGUSR1 here; SIGHUP still reopens the log file.
func rotateSignals() []os.Signal { return nil }
