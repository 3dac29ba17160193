package config

import "testing"

func TestDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"abc", "", 3},
		{"domain", "domain", 0},
		{"domian", "domain", 1}, // transposition
		{"max_stanza_byte", "max_stanza_bytes", 1},
		{"kitten", "sitting", 3},
	}
	for _, tt := range tests {
		if got := distance(tt.a, tt.b); got != tt.want {
			t.Errorf("distance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestSuggestKey(t *testing.T) {
	candidates := schema().paths(nil, "vcard", nil)
	tests := []struct{ key, want string }{
		{"limits.max_stanza_byte", "limits.max_stanza_bytes"},
		{"Domain", "domain"},
		{"datadir", "data_dir"},
		{"listen.c2stls", "listen.c2s_tls"},
		{"plugins.vcard.enable", "plugins.vcard.enabled"},
		{"write_timeout", "limits.write_timeout"}, // right name, wrong section
		{"level", "log.level"},
		{"colour", ""},
		{"limits.zzz", ""},
	}
	for _, tt := range tests {
		if got := suggestKey(tt.key, candidates); got != tt.want {
			t.Errorf("suggestKey(%q) = %q, want %q", tt.key, got, tt.want)
		}
	}
}
