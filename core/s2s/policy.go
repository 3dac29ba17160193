package s2s

import "strings"

// Policy says which remote domains this server federates with: none that
// Deny names, and, when Allow names any, only those. An entry is a domain
// ("example.org", that domain alone) or "*.example.org" (its subdomains,
// not itself), in canonical form, as the configuration checks.
type Policy struct {
	Allow, Deny []string
}

// Permits reports whether federation with domain is allowed.
func (p Policy) Permits(domain string) bool {
	if matchAny(p.Deny, domain) {
		return false
	}
	return len(p.Allow) == 0 || matchAny(p.Allow, domain)
}

func matchAny(entries []string, domain string) bool {
	for _, e := range entries {
		if sub, ok := strings.CutPrefix(e, "*."); ok {
			if strings.HasSuffix(domain, "."+sub) {
				return true
			}
		} else if domain == e {
			return true
		}
	}
	return false
}
