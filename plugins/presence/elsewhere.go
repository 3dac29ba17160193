package presence

import (
	"context"

	"github.com/switchboard-xmpp/switchboard/sdk"
)

// sessionElsewhere keeps what presence knows of the sessions another node
// of a cluster holds: their presence answers probes and initial presence
// here, and contacts online there are reachable by broadcasts from here.
// The node holding the session has broadcast the change itself, so
// nothing is sent. When that node dies, one survivor's core reports the
// session closed (sessionClosed), and its presence plugin announces the
// end as for a session of its own.
func (p *Presence) sessionElsewhere(_ context.Context, ev sdk.Event) error {
	full, bare := ev.JID, bareOf(ev.JID)
	p.mu.Lock()
	defer p.mu.Unlock()
	if ev.Stanza != nil {
		acc := p.account(bare)
		res := acc.sessions[full]
		if res == nil || res.id != ev.SessionID {
			res = &resource{id: ev.SessionID, elsewhere: true}
			acc.sessions[full] = res
		}
		last := ev.Stanza.Copy()
		last.RemoveAttr("to")
		res.available, res.last = true, last
		return nil
	}
	acc := p.users[bare]
	if acc == nil {
		return nil
	}
	// Gone or unavailable: what it was is of no more use here. A session
	// of this node on the same resource is the newer and stays.
	if res := acc.sessions[full]; res != nil && (res.id == ev.SessionID || res.elsewhere) {
		delete(acc.sessions, full)
	}
	if len(acc.sessions) == 0 && !acc.loading {
		delete(p.users, bare)
	}
	return nil
}
