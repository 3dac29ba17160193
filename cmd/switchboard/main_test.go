package main

import (
	"context"
	"os"
	"testing"
)

// TestMain lets the test binary be the switchboard binary when it is
// re-executed as `plugin NAME`: config check launches the built-in
// plugins from os.Executable, as serve does.
func TestMain(m *testing.M) {
	if len(os.Args) == 3 && os.Args[1] == "plugin" {
		os.Exit(run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}
