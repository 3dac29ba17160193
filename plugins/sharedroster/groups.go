package sharedroster

import (
	"fmt"
	"slices"

	"mellium.im/xmpp/jid"
)

// index is the configured groups, by member: computed once per
// Configure, read by every request and sync.
type index struct {
	groups   []Group             // as configured, members prepared
	byMember map[string][]string // member -> names of its groups, in config order
}

// newIndex prepares the members' JIDs (RFC 7622), so that they compare
// equal to the JIDs the core hands over, and checks that they are
// accounts of the served domain.
func newIndex(groups []Group, domain string) (*index, error) {
	idx := &index{byMember: map[string][]string{}}
	for i, g := range groups {
		pg := Group{Name: g.Name}
		for k, m := range g.Members {
			j := jid.MustParse(m) // Validate parsed it
			if j.Domainpart() != domain {
				return nil, fmt.Errorf("invalid config: groups[%d].members[%d]: %s is not an account of %s", i, k, m, domain)
			}
			pg.Members = append(pg.Members, j.String())
			idx.byMember[j.String()] = append(idx.byMember[j.String()], g.Name)
		}
		idx.groups = append(idx.groups, pg)
	}
	return idx, nil
}

// members lists every member of any group.
func (x *index) members() []string {
	out := make([]string, 0, len(x.byMember))
	for m := range x.byMember {
		out = append(out, m)
	}
	slices.Sort(out)
	return out
}

// peers lists the accounts that share a group with member, itself not
// included.
func (x *index) peers(member string) []string {
	var out []string
	for _, g := range x.groups {
		if slices.Contains(g.Members, member) {
			out = append(out, g.Members...)
		}
	}
	slices.Sort(out)
	out = slices.Compact(out)
	return slices.DeleteFunc(out, func(m string) bool { return m == member })
}

// shares reports whether a and b are in a group together: b is in a's
// shared roster.
func (x *index) shares(a, b string) bool {
	return a != b && slices.Contains(x.peers(a), b)
}

// desired is what owner's roster should hold from the shared groups: each
// member of its groups that exists, under the names of the groups they
// share, in JID order.
func (x *index) desired(owner string, exists map[string]bool) []ManagedItem {
	byJID := map[string]*ManagedItem{}
	var order []string
	for _, g := range x.groups {
		if !slices.Contains(g.Members, owner) {
			continue
		}
		for _, m := range g.Members {
			if m == owner || !exists[m] {
				continue
			}
			it := byJID[m]
			if it == nil {
				it = &ManagedItem{JID: m}
				byJID[m] = it
				order = append(order, m)
			}
			it.Groups = append(it.Groups, g.Name)
		}
	}
	slices.Sort(order)
	out := make([]ManagedItem, len(order))
	for i, m := range order {
		out[i] = *byJID[m]
	}
	return out
}
