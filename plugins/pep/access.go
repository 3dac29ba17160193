package pep

import (
	"context"
	"slices"
)

// rosterFunc reads an owner's roster once, when first needed.
type rosterFunc func() (map[string]contact, error)

func (p *PEP) lazyRoster(ctx context.Context, owner string) rosterFunc {
	var (
		r    map[string]contact
		err  error
		done bool
	)
	return func() (map[string]contact, error) {
		if !done {
			r, err = p.rosterOf(ctx, owner)
			done = true
		}
		return r, err
	}
}

// checkAccess decides whether viewer (a bare JID) may retrieve the items
// of, or subscribe to, a node of owner (XEP-0060 §6.1.3, §6.5.9). It
// returns nil, the stanza error that refuses, or an error reading the
// roster.
func checkAccess(owner, viewer string, cfg nodeConfig, roster rosterFunc) error {
	if viewer == owner {
		return nil // XEP-0060 §6.5.1: the owner always may
	}
	switch cfg.Access {
	case accessOpen:
		return nil
	case accessPresence, accessRoster:
		r, err := roster()
		if err != nil {
			return err
		}
		c := r[viewer]
		if c.sub&subFrom == 0 {
			if cfg.Access == accessRoster {
				return errNotInRosterGroup()
			}
			return errPresenceRequired()
		}
		if cfg.Access == accessRoster && !slices.ContainsFunc(c.groups, func(g string) bool { return slices.Contains(cfg.Groups, g) }) {
			return errNotInRosterGroup()
		}
		return nil
	}
	return errClosedNode() // whitelist: the owner only
}

// reaches reports whether the node's notifications go to a contact with
// item c in the owner's roster: one who receives the owner's presence
// (XEP-0163 §4: auto-subscribe) and whom the access model lets in.
func reaches(cfg nodeConfig, c contact) bool {
	if c.sub&subFrom == 0 {
		return false
	}
	switch cfg.Access {
	case accessOpen, accessPresence:
		return true
	case accessRoster:
		return slices.ContainsFunc(c.groups, func(g string) bool { return slices.Contains(cfg.Groups, g) })
	}
	return false
}
