package storage

import (
	"slices"
	"testing"
)

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

// Each side of a scan has one bound, the tighter: a planner given two may
// range over the looser and filter every row in between.
func TestScanBoundsOnePerSide(t *testing.T) {
	for _, tt := range []struct {
		prefix, after string
		reverse       bool
		want          []KeyBound
	}{
		{"w/", "", false, []KeyBound{{">=", "w/"}, {"<", "w0"}}},
		{"w/", "w/5", false, []KeyBound{{">", "w/5"}, {"<", "w0"}}},
		{"w/", "a", false, []KeyBound{{">=", "w/"}, {"<", "w0"}}},
		{"w/", "w/5", true, []KeyBound{{">=", "w/"}, {"<", "w/5"}}},
		{"w/", "x", true, []KeyBound{{">=", "w/"}, {"<", "w0"}}},
		{"", "k", false, []KeyBound{{">", "k"}}},
		{"", "k", true, []KeyBound{{"<", "k"}}},
		{"", "", false, nil},
	} {
		if got := ScanBounds(tt.prefix, tt.after, tt.reverse); !slices.Equal(got, tt.want) {
			t.Errorf("ScanBounds(%q, %q, %v) = %v, want %v", tt.prefix, tt.after, tt.reverse, got, tt.want)
		}
	}
}
