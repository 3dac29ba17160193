package sasl

import (
	"fmt"
	"strings"
)

// Mechanisms builds the configured mechanisms in the given order. Names are
// case-insensitive; an unknown or repeated name is an error. ANONYMOUS is
// left out unless anonymous is true, and appended if anonymous is true but
// the list does not name it.
//
// A plain SCRAM mechanism rejects the client's 'y' flag as a downgrade only
// when the list also holds its -PLUS variant: otherwise the client was right
// to think we cannot bind.
func Mechanisms(names []string, anonymous bool) ([]Mechanism, error) {
	var out []Mechanism
	seen := make(map[string]bool)
	for _, raw := range names {
		name := strings.ToUpper(strings.TrimSpace(raw))
		if seen[name] {
			return nil, fmt.Errorf("SASL mechanism %q is listed twice", raw)
		}
		seen[name] = true
		m, ok := byName(name)
		if !ok {
			return nil, fmt.Errorf("unknown SASL mechanism %q (supported: %s)", raw, strings.Join(supported(), ", "))
		}
		if name == "ANONYMOUS" && !anonymous {
			continue
		}
		out = append(out, m)
	}
	if anonymous && !seen["ANONYMOUS"] {
		out = append(out, Anonymous())
	}
	for _, m := range out {
		if s, ok := m.(*scramMechanism); ok && !s.plus {
			s.plusOffered = seen[s.name+"-PLUS"]
		}
	}
	return out, nil
}

func supported() []string {
	return []string{
		"SCRAM-SHA-256-PLUS", "SCRAM-SHA-256", "SCRAM-SHA-1-PLUS", "SCRAM-SHA-1", "PLAIN", "ANONYMOUS",
	}
}

func byName(name string) (Mechanism, bool) {
	switch name {
	case "SCRAM-SHA-1":
		return SCRAM("SHA-1", false), true
	case "SCRAM-SHA-1-PLUS":
		return SCRAM("SHA-1", true), true
	case "SCRAM-SHA-256":
		return SCRAM("SHA-256", false), true
	case "SCRAM-SHA-256-PLUS":
		return SCRAM("SHA-256", true), true
	case "PLAIN":
		return Plain(), true
	case "ANONYMOUS":
		return Anonymous(), true
	default:
		return nil, false
	}
}
