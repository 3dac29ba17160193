package presence

import (
	"context"
	"errors"
	"fmt"

	"github.com/switchboard-xmpp/switchboard/sdk"
)

// sessionClosed is the end of a session, whatever ended it: logout, a
// dropped socket, a conflict, shutdown. If it was available, its
// subscribers and the account's other sessions get unavailable from it;
// the addresses it sent directed presence to get it in any case (RFC 6121
// §4.5.2, §4.6.3).
func (p *Presence) sessionClosed(ctx context.Context, ev sdk.Event) error {
	full, bare := ev.JID, bareOf(ev.JID)
	// A session recovered after a restart may close before its account
	// did anything that read its subscribers.
	p.mu.Lock()
	acc := p.users[bare]
	unread := acc != nil && acc.subs == nil && !acc.loading
	p.mu.Unlock()
	if unread {
		if _, err := p.ensureSubs(ctx, bare); err != nil {
			return fmt.Errorf("announcing the end of %s: %w", full, err)
		}
	}
	p.mu.Lock()
	acc = p.users[bare]
	if acc == nil {
		p.mu.Unlock()
		return nil
	}
	var out []outgoing
	lastOff := false
	if res := acc.sessions[full]; res != nil && res.id == ev.SessionID {
		out, lastOff = p.goneUnavailable(full, acc, res, unavailableFrom(full))
		lastOff = lastOff && !acc.deleted // a deleted account leaves no record
		delete(acc.sessions, full)
	}
	if len(acc.sessions) == 0 && !acc.loading {
		delete(p.users, bare)
	}
	p.mu.Unlock()
	var err error
	if lastOff {
		err = p.recordLastSeen(ctx, bare, unavailableFrom(full))
	}
	return errors.Join(err, p.sendAll(ctx, out))
}

// accountDeleted forgets an account's last-seen record. Its sessions are
// ended by the core right after, and still announce their end to the
// contacts that saw them.
func (p *Presence) accountDeleted(ctx context.Context, ev sdk.Event) error {
	p.mu.Lock()
	if acc := p.users[ev.JID]; acc != nil {
		acc.deleted = true
	}
	delete(p.lastSeen, ev.JID)
	host := p.host
	p.mu.Unlock()
	if err := host.Store(ev.JID).Delete(ctx, lastSeenKey); err != nil {
		return fmt.Errorf("deleting the last-seen record of %s: %w", ev.JID, err)
	}
	return nil
}
