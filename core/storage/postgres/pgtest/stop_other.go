//go:build !linux

package pgtest

import "os/exec"

// stopWithParent does nothing where the kernel cannot tie a child's life
// to its parent's; a killed test run may leave pg_virtualenv's cluster
// running there.
func stopWithParent(*exec.Cmd) {}
