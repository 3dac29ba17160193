package e2e

import (
	"strings"
	"testing"
)

// TestQuietServerReturnsItsFreeHeap: once nothing has happened for
// memory.release_after, the core and its plugin processes hand the heap
// their start-up left free back to the operating system, each saying so
// under its own name.
func TestQuietServerReturnsItsFreeHeap(t *testing.T) {
	srv := startServer(t, t.TempDir(), []string{"SWITCHBOARD_MEMORY_RELEASE_AFTER=200ms"})
	released := func(line map[string]any) bool {
		return line["@message"] == "returned the free heap to the operating system"
	}
	srv.waitLogWhere("the core returning its free heap", func(line map[string]any) bool {
		return released(line) && line["@module"] == "switchboard.heaptrim"
	})
	srv.waitLogWhere("a plugin returning its free heap", func(line map[string]any) bool {
		module, _ := line["@module"].(string)
		return released(line) && strings.HasPrefix(module, "switchboard.plugin.") && line["module"] == "heaptrim"
	})
}
