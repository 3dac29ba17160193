package presence

import (
	"context"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/sdk"
)

// handleDirected delivers presence sent to one address (RFC 6121 §4.6),
// subscribed or not, and remembers where available presence went so that
// the address hears when the session goes unavailable or ends.
func (p *Presence) handleDirected(ctx context.Context, req *sdk.Request) (*etree.Element, error) {
	to := req.To
	p.mu.Lock()
	_, res := p.touch(req.From, req.SessionID)
	limit, log := p.cfg.MaxDirected, p.log
	_, known := res.directed[to]
	switch {
	case req.Stanza.SelectAttrValue("type", "") == "unavailable":
		delete(res.directed, to)
	case !known && len(res.directed) >= limit:
		p.mu.Unlock()
		log.Debug("directed presence dropped: too many recipients", "jid", req.From, "to", to, "max_directed", limit)
		return nil, nil
	case !known:
		if res.directed == nil {
			res.directed = map[string]struct{}{}
		}
		res.directed[to] = struct{}{}
	}
	p.mu.Unlock()
	return nil, p.sendAll(ctx, []outgoing{{req.Stanza, to}})
}
