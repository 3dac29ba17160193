package presence

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/sdk"
)

// handleProbe answers a probe a client sends to a contact's bare JID
// (RFC 6121 §4.3) as the contact's server would: with the contact's
// current presence, or unavailable and when it was last seen — if the
// sender is subscribed to the contact. Otherwise the probe is ignored and
// nothing about the contact is revealed (§4.3.2). Everyone is subscribed
// to themselves.
func (p *Presence) handleProbe(ctx context.Context, req *sdk.Request) (*etree.Element, error) {
	bare, contact := bareOf(req.From), bareOf(req.To)
	p.mu.Lock()
	remote := p.remote(bare)
	p.mu.Unlock()
	subscribed, err := p.subscribedTo(ctx, req, remote, bare, contact)
	if err != nil || !subscribed {
		return nil, err
	}
	p.mu.Lock()
	answers := p.answers(contact)
	p.mu.Unlock()
	out := make([]outgoing, 0, len(answers)+1)
	for _, a := range answers {
		out = append(out, outgoing{a, req.From})
	}
	if len(answers) == 0 {
		out = append(out, outgoing{p.lastSeenPresence(ctx, contact), req.From})
	}
	return nil, p.sendAll(ctx, out)
}

// subscribedTo reports whether the prober bare may see contact's
// presence. A local prober's own subscriptions say; a user of another
// server has none here, so the contact's say (its subscription 'from'
// the prober), read as the contact's roster holds it.
func (p *Presence) subscribedTo(ctx context.Context, req *sdk.Request, remote bool, bare, contact string) (bool, error) {
	if remote {
		if _, err := p.ensureSubs(ctx, contact); err != nil {
			return false, err
		}
		p.mu.Lock()
		defer p.mu.Unlock()
		return p.account(contact).subs[bare]&subFrom != 0, nil
	}
	if _, err := p.ensureSubs(ctx, bare); err != nil {
		return false, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	acc, _ := p.touch(req.From, req.SessionID)
	return contact == bare || acc.subs[contact]&subTo != 0, nil
}

// lastSeenPresence is the answer for a contact with no available session:
// unavailable, with the status it left with and, stamped as a delay
// (XEP-0203), when — if presence ever saw it leave.
func (p *Presence) lastSeenPresence(ctx context.Context, contact string) *etree.Element {
	el := unavailableFrom(contact)
	ls, err := p.lastSeenOf(ctx, contact)
	if err != nil {
		_, log := p.env()
		log.Debug("last seen unknown", "jid", contact, "error", err)
		return el
	}
	if ls.Status != "" {
		el.CreateElement("status").SetText(ls.Status)
	}
	if !ls.At.IsZero() {
		host, _ := p.env()
		d := el.CreateElement("delay")
		d.CreateAttr("xmlns", NSDelay)
		d.CreateAttr("from", host.Domain())
		d.CreateAttr("stamp", ls.At.UTC().Format(time.RFC3339))
	}
	return el
}

// lastSeenOf reads a contact's record through the cache.
func (p *Presence) lastSeenOf(ctx context.Context, bare string) (lastSeen, error) {
	p.mu.Lock()
	ls, host := p.lastSeen[bare], p.host
	p.mu.Unlock()
	if ls.known {
		return ls, nil
	}
	b, err := host.Store(bare).Get(ctx, lastSeenKey)
	switch {
	case errors.Is(err, sdk.ErrNotFound):
	case err != nil:
		return lastSeen{}, err
	default:
		if err := json.Unmarshal(b, &ls); err != nil {
			return lastSeen{}, fmt.Errorf("decoding the last-seen record of %s: %w", bare, err)
		}
	}
	ls.known = true
	p.mu.Lock()
	p.lastSeen[bare] = ls
	p.mu.Unlock()
	return ls, nil
}

// recordLastSeen keeps when an account's last session went offline, with
// the status of the presence it left with.
func (p *Presence) recordLastSeen(ctx context.Context, bare string, el *etree.Element) error {
	ls := lastSeen{At: time.Now().UTC().Truncate(time.Second), known: true}
	if s := el.SelectElement("status"); s != nil {
		ls.Status = s.Text()
	}
	p.mu.Lock()
	p.lastSeen[bare] = ls
	host := p.host
	p.mu.Unlock()
	b, err := json.Marshal(ls)
	if err != nil {
		return fmt.Errorf("encoding the last-seen record of %s: %w", bare, err)
	}
	if err := host.Store(bare).Put(ctx, lastSeenKey, b); err != nil {
		return fmt.Errorf("writing the last-seen record of %s: %w", bare, err)
	}
	return nil
}
