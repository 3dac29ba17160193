package stream

import (
	"testing"
	"unicode/utf8"
)

// TestCharClass derives the byte classes from the XML 1.0 productions and
// compares them with the charClass table.
func TestCharClass(t *testing.T) {
	if len(charClass) != 256 {
		t.Fatalf("charClass has %d entries", len(charClass))
	}
	for c := range 256 {
		var want uint8
		legal := c < utf8.RuneSelf && (c >= 0x20 || c == '\t' || c == '\n' || c == '\r')
		if legal && c != '<' && c != '&' && c != ']' {
			want |= cText
		}
		if legal && c != '<' && c != '&' && c != '\'' && c != '"' {
			want |= cAttr
		}
		if legal && c != ']' {
			want |= cCDATA
		}
		letter := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		if letter || c == '_' {
			want |= cNameStart | cName
		}
		if c >= '0' && c <= '9' || c == '-' || c == '.' || c == ':' {
			want |= cName
		}
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' {
			want |= cSpace
		}
		if got := charClass[c]; got != want {
			t.Errorf("charClass[%#02x] = %#02x, want %#02x", c, got, want)
		}
	}
}
