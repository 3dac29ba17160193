package config

import (
	"slices"
	"testing"
)

func TestChanged(t *testing.T) {
	old := Default()
	old.Plugins = map[string]Plugin{"motd": {Config: map[string]any{"text": "hi", "n": 1}}}
	next := Default()
	off := false
	next.Plugins = map[string]Plugin{"motd": {Config: map[string]any{"text": "hello", "n": 1}, Enabled: &off}, "vcard": {}}
	want := []string{"limits.idle_timeout", "log.level", "plugins.motd.config", "plugins.motd.enabled", "plugins.vcard"}
	next.Limits.IdleTimeout = old.Limits.IdleTimeout * 2
	next.Log.Level = "debug"
	got := Changed(old, next)
	if !slices.Equal(got, want) {
		t.Errorf("Changed = %q, want %q", got, want)
	}
	var live []string
	for _, k := range got {
		if LiveKey(k) {
			live = append(live, k)
		}
	}
	if !slices.Equal(live, want[1:]) {
		t.Errorf("live keys %q, want %q", live, want[1:])
	}
	if c := Changed(old, old); len(c) != 0 {
		t.Errorf("a config compared with itself changed %q", c)
	}
}
