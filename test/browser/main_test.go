// Package browser runs a real browser client against the built server:
// Converse.js (from the npm registry, see package.json) in Debian's Chromium,
// driven by playwright-core from drive.mjs, logs in over WebSocket (RFC 7395),
// and again over BOSH (XEP-0206), and chats with a client on TCP.
//
// It needs, once per machine (.ci/run does this):
//
//	apt-get install -y chromium
//	npm ci --prefix test/browser
//
// Without them the test fails and says so; it is never skipped.
//
// `go test -v` prints every WebSocket frame or BOSH body the browser sent
// (C:) and got (S:). drive.mjs also reads, from the environment: SCREENSHOT=/path.png
// for a picture of the page as the run ended, CONVERSE_LOGLEVEL=debug for
// Converse's own log, STEP_TIMEOUT_MS (default 20000) for each wait.
package browser

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
	os.Exit(buildAndRun(m))
}

func buildAndRun(m *testing.M) int {
	dir, err := os.MkdirTemp("", "switchboard-browser-")
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
