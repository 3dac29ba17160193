package server

import (
	"os"
	"testing"

	"github.com/switchboard-xmpp/switchboard/sdk"
)

// TestMain doubles as the plugin executable: the host re-executes the test
// binary as `<binary> plugin NAME`, exactly as it re-executes switchboard
// for built-ins, and the test plugins below answer.
func TestMain(m *testing.M) {
	if len(os.Args) == 3 && os.Args[1] == "plugin" {
		newPlugin, ok := testPlugins()[os.Args[2]]
		if !ok {
			os.Exit(2)
		}
		sdk.Serve(newPlugin())
		os.Exit(0)
	}
	os.Exit(m.Run())
}
