package server

import (
	"slices"
	"testing"

	"github.com/switchboard-xmpp/switchboard/core/config"
)

// An opt-in built-in runs only when the config enables it; the others run
// unless it disables them.
func TestPluginSpecsOptIn(t *testing.T) {
	yes, no := true, false
	for _, tt := range []struct {
		name    string
		plugins map[string]config.Plugin
		want    []string
	}{
		{"unlisted", nil, []string{"roster"}},
		{"listed without enabled", map[string]config.Plugin{"upload": {Config: map[string]any{"listen": ":5443"}}}, []string{"roster"}},
		{"enabled", map[string]config.Plugin{"upload": {Enabled: &yes}}, []string{"roster", "upload"}},
		{"both disabled", map[string]config.Plugin{"upload": {Enabled: &no}, "roster": {Enabled: &no}}, nil},
	} {
		cfg := config.Default()
		cfg.Plugins = tt.plugins
		specs, err := PluginSpecs(cfg, []string{"roster", "upload"}, []string{"upload"})
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		var got []string
		for _, s := range specs {
			got = append(got, s.Name)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: runs %v, want %v", tt.name, got, tt.want)
		}
	}
}
