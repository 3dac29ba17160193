package presence

import (
	"context"
	"errors"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/sdk"
)

// handleBroadcast takes presence without a 'to' (RFC 6121 §4.2, §4.4,
// §4.5). The stanza goes on as the client sent it — show, status,
// priority, entity capabilities (XEP-0115) and any other extension —
// with only 'to' set for each recipient.
func (p *Presence) handleBroadcast(ctx context.Context, req *sdk.Request) (*etree.Element, error) {
	requests, err := p.ensureSubs(ctx, bareOf(req.From))
	if err != nil {
		return nil, err
	}
	if req.Stanza.SelectAttrValue("type", "") == "unavailable" {
		return nil, p.broadcastUnavailable(ctx, req.From, req.SessionID, req.Stanza)
	}
	return nil, p.broadcastAvailable(ctx, req, requests)
}

// broadcastAvailable sends the presence to the account's own sessions
// (the sender included: one is subscribed to oneself, §4.2.2) and to every
// subscribed contact that is online. Initial presence also answers, at
// once, the probes it implies (§4.2.2, §4.3): the new session gets the
// presence of each contact it is subscribed to, or unavailable with the
// time it was last seen, and — the account being subscribed to itself —
// that of the account's other available sessions, so that a client can
// show the user's other devices. The first session of an account to come online
// also gets the subscription requests still unanswered (§3.1.3): those
// that came with the subscriptions when this request loaded them, or else
// asked of roster.
func (p *Presence) broadcastAvailable(ctx context.Context, req *sdk.Request, requests []string) error {
	full, bare, el := req.From, bareOf(req.From), req.Stanza
	el.RemoveAttr("to")

	p.mu.Lock()
	acc, res := p.touch(full, req.SessionID)
	initial := !res.available
	first := initial && !p.online(bare)
	res.available, res.last = true, el.Copy()
	out := []outgoing{{el, bare}}
	for contact, s := range acc.subs {
		if s&subFrom != 0 && contact != bare && p.reachable(contact) {
			out = append(out, outgoing{el, contact})
		}
	}
	var offline []string
	if initial {
		for other, r := range p.availableOf(bare) {
			if other != full {
				out = append(out, outgoing{r.last.Copy(), full})
			}
		}
		for contact, s := range acc.subs {
			if s&subTo == 0 || contact == bare {
				continue
			}
			if p.remote(contact) {
				// Its server answers (§4.3.1), to the account's sessions.
				out = append(out, outgoing{probeFrom(bare), contact})
				continue
			}
			answers := p.answers(contact)
			if len(answers) == 0 {
				offline = append(offline, contact)
			}
			for _, a := range answers {
				out = append(out, outgoing{a, full})
			}
		}
	}
	p.mu.Unlock()

	for _, contact := range offline {
		out = append(out, outgoing{p.lastSeenPresence(ctx, contact), full})
	}
	var errs []error
	if first {
		var pending []outgoing
		var err error
		if requests != nil {
			pending, err = parseAll(requests)
		} else {
			pending, err = p.pendingRequests(ctx, bare)
		}
		out = append(out, pending...)
		errs = append(errs, err)
	}
	return errors.Join(append(errs, p.sendAll(ctx, out))...)
}

// broadcastUnavailable ends a session's availability (§4.5).
func (p *Presence) broadcastUnavailable(ctx context.Context, full, sessionID string, el *etree.Element) error {
	el.RemoveAttr("to")
	p.mu.Lock()
	acc, res := p.touch(full, sessionID)
	out, lastOff := p.goneUnavailable(full, acc, res, el)
	lastOff = lastOff && !acc.deleted
	p.mu.Unlock()
	var err error
	if lastOff {
		err = p.recordLastSeen(ctx, bareOf(full), el)
	}
	return errors.Join(err, p.sendAll(ctx, out))
}

// goneUnavailable marks a session unavailable and returns the stanzas
// that tell everyone who knew of it: if it was available, the account's
// other sessions and its online subscribers; in any case the addresses it
// sent directed presence to and that the broadcast does not reach
// (§4.6.3). lastOff reports that the account has no available session
// left. Called with p.mu held.
func (p *Presence) goneUnavailable(full string, acc *account, res *resource, el *etree.Element) (out []outgoing, lastOff bool) {
	bare := bareOf(full)
	told := map[string]bool{}
	if res.available {
		res.available, res.last = false, nil
		out = append(out, outgoing{el, bare})
		told[bare] = true
		for contact, s := range acc.subs {
			if s&subFrom != 0 && p.reachable(contact) {
				out = append(out, outgoing{el, contact})
				told[contact] = true
			}
		}
		lastOff = !p.online(bare)
	}
	for to := range res.directed {
		if !told[bareOf(to)] {
			out = append(out, outgoing{el, to})
		}
	}
	res.directed = nil
	return out, lastOff
}

// answers are the current presences of a contact's available sessions,
// copies to address. Called with p.mu held.
func (p *Presence) answers(contact string) []*etree.Element {
	var out []*etree.Element
	for _, res := range p.availableOf(contact) {
		out = append(out, res.last.Copy())
	}
	return out
}
