package muc

import (
	"context"
	"errors"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/sdk"
	"github.com/switchboard-xmpp/switchboard/sdk/stanza"
)

// handlePing answers a ping to the room itself, and a session's ping to
// its own occupant JID (XEP-0410): a result while the session is joined
// under that nick, not-acceptable once it is not. A ping to another
// occupant goes to that occupant.
func (m *MUC) handlePing(ctx context.Context, req *sdk.Request) (*etree.Element, error) {
	local, nick := address(req.To)
	if local == "" {
		return nil, nil
	}
	r := m.lockRoom(local)
	if r == nil {
		return nil, stanza.Errorf(stanza.ItemNotFound, "no such room")
	}
	o := r.sessions[req.From]
	r.mu.Unlock()
	if nick == "" {
		return nil, nil
	}
	if o == nil {
		return nil, stanza.Errorf(stanza.NotAcceptable, "you are not in this room")
	}
	if o.nick == nick {
		return nil, nil
	}
	return m.forwardIQ(ctx, req)
}

// forwardIQ relays an IQ from one occupant to another (XEP-0045 §7.5 for
// IQs: vCards, versions, times, disco), from the sender's occupant JID to
// one session of the addressee, and returns the answer.
func (m *MUC) forwardIQ(ctx context.Context, req *sdk.Request) (*etree.Element, error) {
	local, nick := address(req.To)
	if local == "" || nick == "" {
		return nil, sdk.ErrNotMine
	}
	r := m.lockRoom(local)
	if r == nil {
		return nil, stanza.Errorf(stanza.ItemNotFound, "no such room")
	}
	from, target := r.sessions[req.From], r.occupants[nick]
	var fromJID, to string
	if from != nil && target != nil {
		fromJID, to = r.nickJID(from.nick), target.latest
	}
	r.mu.Unlock()
	switch {
	case from == nil:
		return nil, stanza.Errorf(stanza.NotAcceptable, "you are not in this room")
	case target == nil:
		return nil, stanza.Errorf(stanza.ItemNotFound, "no occupant has that nickname")
	}
	host, _, _ := m.state()
	iq := sdk.NewIQ(req.Stanza.SelectAttrValue("type", ""), fromJID, to, "")
	iq.AddChild(sdk.Standalone(req.Stanza.ChildElements()[0]))
	answer, err := host.SendIQ(ctx, iq)
	var serr *stanza.Error
	if errors.As(err, &serr) {
		return nil, serr
	}
	if err != nil {
		return nil, err
	}
	if kids := answer.ChildElements(); len(kids) > 0 {
		return sdk.Standalone(kids[0]), nil
	}
	return nil, nil
}
