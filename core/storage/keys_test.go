package storage

import "testing"

func TestPrefixEnd(t *testing.T) {
	tests := []struct {
		prefix string
		end    string
		ok     bool
	}{
		{"", "", false},
		{"a", "b", true},
		{"msg/", "msg0", true},
		{"a\xff", "b", true},
		{"\xff\xff", "", false},
		{"é", "\xc3\xaa", true},
	}
	for _, tt := range tests {
		end, ok := PrefixEnd(tt.prefix)
		if end != tt.end || ok != tt.ok {
			t.Errorf("PrefixEnd(%q) = %q, %v; want %q, %v", tt.prefix, end, ok, tt.end, tt.ok)
		}
	}
}

func TestOwner(t *testing.T) {
	if got := Owner("localhost", "alice"); got != "alice@localhost" {
		t.Errorf("Owner = %q, want alice@localhost", got)
	}
}
