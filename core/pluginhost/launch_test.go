package pluginhost

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"
)

// TestPluginLinesKeepThePluginsName: a line a plugin logged through a
// named logger of its own still says, in JSON logs, which plugin it came
// from, and the plugin's logger name goes along beside it.
func TestPluginLinesKeepThePluginsName(t *testing.T) {
	var out bytes.Buffer
	core := hclog.New(&hclog.LoggerOptions{Name: "switchboard", Output: &out, JSONFormat: true, Level: hclog.Trace})
	// As go-plugin relays a plugin's stderr line: its own fields become
	// arguments, "@module" among them.
	l := fixedName{core.Named("plugin.roster")}.Named("roster")
	l.Debug("returned the free heap", "@module", "heaptrim", "bytes", 42)
	l.Log(hclog.Info, "a plain line", "bytes", 7)

	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("logged %d lines, want 2:\n%s", len(lines), out.String())
	}
	for i, want := range []map[string]any{
		{"@module": "switchboard.plugin.roster", "module": "heaptrim", "bytes": 42.0},
		{"@module": "switchboard.plugin.roster", "bytes": 7.0},
	} {
		var got map[string]any
		if err := json.Unmarshal([]byte(lines[i]), &got); err != nil {
			t.Fatal(err)
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("line %d: %s = %v, want %v\n%s", i, k, got[k], v, lines[i])
			}
		}
		if _, ok := want["module"]; !ok && got["module"] != nil {
			t.Errorf("line %d has a module it was not given: %s", i, lines[i])
		}
	}
}
