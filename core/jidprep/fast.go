package jidprep

import "strings"

// fastParse handles addresses whose parts are already in canonical form and
// made only of ASCII, where RFC 7622 preparation changes nothing. It reports
// false whenever the full preparation must decide, including for every
// malformed input, so it never accepts what the slow path would reject.
func fastParse(s string) (JID, bool) {
	var j JID
	rest := s
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		j.Resource = rest[i+1:]
		rest = rest[:i]
		if j.Resource == "" {
			return JID{}, false
		}
	}
	if i := strings.IndexByte(rest, '@'); i >= 0 {
		j.Local = rest[:i]
		rest = rest[i+1:]
		if j.Local == "" {
			return JID{}, false
		}
	}
	j.Domain = rest
	return j, fastOK(j)
}

func fastOK(j JID) bool {
	return fastDomain(j.Domain) && fastLocal(j.Local) && fastResource(j.Resource)
}

// fastLocal accepts lower-case printable ASCII without the characters RFC
// 7622 §3.3.1 forbids in a localpart.
func fastLocal(s string) bool {
	if len(s) > maxPart {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || (c >= 'A' && c <= 'Z') {
			return false
		}
		switch c {
		case '"', '&', '\'', '/', ':', '<', '>', '@':
			return false
		}
	}
	return true
}

// fastDomain accepts lower-case LDH labels separated by single dots.
func fastDomain(s string) bool {
	if s == "" || len(s) > maxPart || s[0] == '.' || s[0] == '-' {
		return false
	}
	// Double hyphens (A-labels among them, which the full preparation turns
	// into U-labels) and trailing dots need the full rules.
	if strings.Contains(s, "--") || s[len(s)-1] == '.' || s[len(s)-1] == '-' {
		return false
	}
	prev := byte('.')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case c == '-':
			if prev == '.' {
				return false
			}
		case c == '.':
			if prev == '.' || prev == '-' {
				return false
			}
		default:
			return false
		}
		prev = c
	}
	return true
}

// fastResource accepts printable ASCII and space, which the OpaqueString
// profile leaves untouched.
func fastResource(s string) bool {
	if len(s) > maxPart {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' || c >= 0x7f {
			return false
		}
	}
	return true
}
