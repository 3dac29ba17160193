package presence

import (
	"context"
	"fmt"

	"github.com/switchboard-xmpp/switchboard/plugins/roster/rosterapi"
	"github.com/switchboard-xmpp/switchboard/sdk"
)

// itemChange is a roster item after a change, or its removal: the
// payload of roster's changed topic, and each item of its items answer.
type itemChange = rosterapi.Change

// ensureSubs loads an account's subscriptions from roster unless they are
// in memory already: once per account while it has sessions, and never
// per broadcast. When it loads them it also returns the account's
// unanswered subscription requests, which roster sends with the items
// (nil when it does not, or when nothing was loaded).
func (p *Presence) ensureSubs(ctx context.Context, bare string) ([]string, error) {
	p.mu.Lock()
	acc := p.account(bare)
	if acc.subs != nil {
		p.mu.Unlock()
		return nil, nil
	}
	acc.loading = true
	host := p.host
	p.mu.Unlock()

	items, err := rosterapi.ReadItems(ctx, host, bare)
	p.mu.Lock()
	defer p.mu.Unlock()
	acc = p.account(bare)
	if acc.subs != nil { // another request loaded them meanwhile
		return nil, nil
	}
	if err != nil {
		acc.loading, acc.buffered = false, nil
		return nil, fmt.Errorf("reading the roster of %s: %w", bare, err)
	}
	subs := make(map[string]sub, len(items.Items))
	for _, it := range items.Items {
		apply(subs, itemChange{Item: it})
	}
	// Changes published while roster was answering may or may not be in
	// its answer; applying them again is harmless.
	for _, c := range acc.buffered {
		apply(subs, c)
	}
	acc.subs, acc.loading, acc.buffered = subs, false, nil
	return items.Requests, nil
}

func apply(subs map[string]sub, c itemChange) {
	if s := subOf(c.Subscription); s != 0 && !c.Removed {
		subs[c.JID] = s
	} else {
		delete(subs, c.JID)
	}
}

// rosterChanged keeps an online account's subscriptions current. A
// contact that starts receiving the account's presence gets the current
// presence of each of its available sessions (RFC 6121 §3.1.5); one that
// stops gets unavailable from each (§3.2.2, §3.3.3). Because these follow
// from the change itself, they happen however the change came about: a
// subscription stanza, a roster item removed, an account deleted.
func (p *Presence) rosterChanged(ctx context.Context, ev sdk.Event) error {
	c, err := rosterapi.DecodeChange(ev.Payload)
	if err != nil {
		return fmt.Errorf("a change of %s's roster: %w", ev.JID, err)
	}
	p.mu.Lock()
	var out []outgoing
	switch acc := p.users[ev.JID]; {
	case acc == nil: // offline: nothing is cached, nobody to tell
	case acc.subs == nil && acc.loading:
		acc.buffered = append(acc.buffered, c)
	case acc.subs != nil:
		before := acc.subs[c.JID]
		apply(acc.subs, c)
		out = p.shareChanged(ev.JID, c.JID, before, acc.subs[c.JID])
	}
	p.mu.Unlock()
	return p.sendAll(ctx, out)
}

// shareChanged is what a change of the contact's subscription to the
// owner's presence sends. Called with p.mu held.
func (p *Presence) shareChanged(owner, contact string, before, after sub) []outgoing {
	gained := before&subFrom == 0 && after&subFrom != 0
	lost := before&subFrom != 0 && after&subFrom == 0
	if !gained && !lost {
		return nil
	}
	var out []outgoing
	for full, res := range p.availableOf(owner) {
		if res.elsewhere {
			continue // its node's presence plugin tells, having had the change too
		}
		if gained {
			out = append(out, outgoing{res.last.Copy(), contact})
		} else {
			out = append(out, outgoing{unavailableFrom(full), contact})
		}
	}
	return out
}
