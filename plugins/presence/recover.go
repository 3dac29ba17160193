package presence

import (
	"context"
	"fmt"
)

// recover fills the memory that a restart of the plugin emptied: every
// session the core reports available, with the presence it last
// broadcast, as if presence had seen it. Contacts' probes are answered
// and their broadcasts reach those sessions again at once, and their end
// is announced. Directed presence sent before the restart is not known:
// its recipients hear of the session's end only through a broadcast.
// At the server's start there are no sessions, and it costs one call.
func (p *Presence) recover(ctx context.Context) error {
	host, log := p.env()
	all, err := host.AllSessions(ctx)
	if err != nil {
		return fmt.Errorf("listing the sessions online before the plugin started: %w", err)
	}
	n := 0
	p.mu.Lock()
	for _, s := range all {
		if !s.Available || s.Presence == nil {
			continue
		}
		acc := p.account(bareOf(s.JID))
		if _, known := acc.sessions[s.JID]; known {
			continue // heard of since: what it said then is newer
		}
		last := s.Presence.Copy()
		last.RemoveAttr("to")
		acc.sessions[s.JID] = &resource{id: s.SessionID, available: true, last: last, elsewhere: s.Elsewhere}
		n++
	}
	p.mu.Unlock()
	if n > 0 {
		log.Info("recovered the sessions online before the plugin started", "sessions", n)
	}
	return nil
}
