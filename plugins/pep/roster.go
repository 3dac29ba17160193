package pep

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/switchboard-xmpp/switchboard/plugins/roster/rosterapi"
	"github.com/switchboard-xmpp/switchboard/sdk"
)

// Subscription bits of a roster item (RFC 6121 §2.1.2.5).
const (
	subTo   uint8 = 1 // the account receives the contact's presence
	subFrom uint8 = 2 // the contact receives the account's presence
)

// contact is what PEP needs of a roster item.
type contact struct {
	sub    uint8
	groups []string
}

// rosterChange is a roster item after a change, or its removal: the
// payload of roster's changed topic, and each item of its items answer.
type rosterChange = rosterapi.Change

func subOf(s string) uint8 {
	switch s {
	case "to":
		return subTo
	case "from":
		return subFrom
	case "both":
		return subTo | subFrom
	}
	return 0
}

func applyChange(r map[string]contact, c rosterChange) {
	if s := subOf(c.Subscription); !c.Removed && s != 0 {
		r[c.JID] = contact{sub: s, groups: c.Groups}
		return
	}
	delete(r, c.JID)
}

// rosterOf returns a copy of an account's roster: from memory when the
// account is online and its roster was read, else through roster.items
// (kept in memory if the account is online).
func (p *PEP) rosterOf(ctx context.Context, bare string) (map[string]contact, error) {
	p.mu.Lock()
	acc := p.accounts[bare]
	if acc != nil && acc.roster != nil {
		defer p.mu.Unlock()
		return maps.Clone(acc.roster), nil
	}
	keep := acc != nil && !acc.loading
	if keep {
		acc.loading = true
	}
	host := p.host
	p.mu.Unlock()

	r, err := fetchRoster(ctx, host, bare)
	if !keep {
		return r, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.accounts[bare] != acc { // the account went offline meanwhile
		return r, err
	}
	acc.loading = false
	if err == nil {
		// Changes published while roster was answering may or may not be
		// in its answer; applying them again is harmless.
		for _, c := range acc.buffered {
			applyChange(r, c)
		}
		acc.roster = maps.Clone(r)
	}
	acc.buffered = nil
	return r, err
}

func fetchRoster(ctx context.Context, host sdk.Host, bare string) (map[string]contact, error) {
	items, err := rosterapi.ReadItems(ctx, host, bare)
	if err != nil {
		return nil, err
	}
	r := make(map[string]contact, len(items.Items))
	for _, it := range items.Items {
		applyChange(r, rosterChange{Item: it})
	}
	return r, nil
}

// rosterChanged keeps an online account's roster current. When the
// account starts receiving a contact's presence, its sessions get the
// last items of that contact's nodes they are interested in, as they
// would have at login (XEP-0163 §4.3.2).
func (p *PEP) rosterChanged(ctx context.Context, ev sdk.Event) error {
	c, err := rosterapi.DecodeChange(ev.Payload)
	if err != nil {
		return fmt.Errorf("a change of %s's roster: %w", ev.JID, err)
	}
	p.mu.Lock()
	acc := p.accounts[ev.JID]
	switch {
	case acc == nil: // offline: nothing kept, nobody to tell
		p.mu.Unlock()
		return nil
	case acc.roster == nil:
		if acc.loading {
			acc.buffered = append(acc.buffered, c)
		}
		p.mu.Unlock()
		return nil
	}
	before := acc.roster[c.JID].sub
	applyChange(acc.roster, c)
	gained := before&subTo == 0 && acc.roster[c.JID].sub&subTo != 0
	var viewers []viewer
	if gained {
		viewers = p.viewersOf(acc)
	}
	local := p.host.Hosts(domainOf(c.JID))
	p.mu.Unlock()
	if len(viewers) == 0 || !local {
		return nil
	}
	return p.sendLastOf(ctx, c.JID, ev.JID, viewers)
}

// viewersOf lists an account's sessions whose interests are known. Called
// with p.mu held.
func (p *PEP) viewersOf(acc *account) []viewer {
	var out []viewer
	for full, s := range acc.sessions {
		if s.notify != nil && s.priority >= 0 {
			out = append(out, viewer{full: full, notify: s.notify})
		}
	}
	slices.SortFunc(out, func(a, b viewer) int { return strings.Compare(a.full, b.full) })
	return out
}
