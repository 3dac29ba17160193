// Package e2e runs the built switchboard binary as a user would: the CLI,
// the server on real loopback sockets with TLS, and clients that we did not
// write (mellium.im/xmpp, go-xmpp, and Debian's slixmpp driven from
// python) beside our raw-socket one.
package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// binary is the switchboard executable built once for the package.
var binary string

func TestMain(m *testing.M) {
	os.Exit(runSuite(func() int { return buildAndRun(m) }))
}

func buildAndRun(m *testing.M) int {
	dir, err := os.MkdirTemp("", "switchboard-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	binary = filepath.Join(dir, "switchboard")
	cmd := exec.Command("go", "build", "-o", binary, "github.com/switchboard-xmpp/switchboard/cmd/switchboard")
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building switchboard:", err)
		return 1
	}
	return m.Run()
}
