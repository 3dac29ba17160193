package pgtest

import (
	"os/exec"
	"syscall"
)

// stopWithParent has the kernel send cmd SIGTERM if this process dies
// first (go test killing it at its -timeout): pg_virtualenv then still
// drops its cluster, which it does on SIGTERM.
func stopWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
}
