package presence

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/switchboard-xmpp/switchboard/sdk"
)

// itemChange is the part of roster's items and changed payloads that
// presence reads: an item after a change, or its removal.
type itemChange struct {
	JID          string `json:"jid"`
	Subscription string `json:"subscription"`
	Removed      bool   `json:"removed"`
}

// rosterItems is the part of roster's items answer that presence reads.
type rosterItems struct {
	Items []itemChange `json:"items"`
	// Requests are the unanswered subscription requests, read with the
	// items; nil from a roster that does not send them.
	Requests []string `json:"requests"`
}

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

	b, err := host.Call(ctx, "roster", "items", []byte(bare))
	var items rosterItems
	if err == nil {
		err = json.Unmarshal(b, &items)
	}
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
		apply(subs, it)
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
	var c itemChange
	if err := json.Unmarshal(ev.Payload, &c); err != nil {
		return fmt.Errorf("decoding a change of %s's roster: %w", ev.JID, err)
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
		if gained {
			out = append(out, outgoing{res.last.Copy(), contact})
		} else {
			out = append(out, outgoing{unavailableFrom(full), contact})
		}
	}
	return out
}
