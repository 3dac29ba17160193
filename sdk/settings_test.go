package sdk

import (
	"strings"
	"testing"
)

// A reload's section is decoded over the defaults and replaces host and
// config together; a refused one leaves the last good pair in force.
func TestSettingsConfigure(t *testing.T) {
	var s Settings[limits]
	if host, cfg := s.Current(); host != nil || cfg.MaxItems != 0 {
		t.Fatalf("before Configure: %v, %+v", host, cfg)
	}
	first, second := &fakeHostForSettings{name: "first"}, &fakeHostForSettings{name: "second"}
	cfg, err := s.Configure(Config{Host: first, raw: []byte(`{"mode": "strict"}`)}, limits{MaxItems: 10})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.MaxItems != 10 || cfg.Mode != "strict" {
		t.Errorf("decoded %+v, want the default max_items and the section's mode", cfg)
	}
	if _, err := s.Configure(Config{Host: second, raw: []byte(`{"max_items": 0}`)}, limits{MaxItems: 10}); err == nil || !strings.Contains(err.Error(), "max_items") {
		t.Fatalf("an invalid section: %v, want Validate's error", err)
	}
	host, cfg := s.Current()
	if host != first || cfg.Mode != "strict" {
		t.Errorf("after a refused reload: %v, %+v; want the first pair", host, cfg)
	}
	if _, err := s.Configure(Config{Host: second, raw: []byte(`{"max_items": 3}`)}, limits{MaxItems: 10}); err != nil {
		t.Fatal(err)
	}
	if host, cfg := s.Current(); host != second || cfg.MaxItems != 3 || cfg.Mode != "" {
		t.Errorf("after a reload: %v, %+v; want the second pair, over the defaults", host, cfg)
	}
}

type fakeHostForSettings struct {
	Host
	name string
}
