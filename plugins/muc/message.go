package muc

import (
	"context"
	"time"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/sdk"
	"github.com/switchboard-xmpp/switchboard/sdk/stanza"
)

// handleMessage takes group chat, the subject, private messages and
// invitations (XEP-0045 §7.4, §7.5, §7.8.2, §8.1).
func (m *MUC) handleMessage(ctx context.Context, req *sdk.Request) (*etree.Element, error) {
	local, nick := address(req.To)
	typ := req.Stanza.SelectAttrValue("type", "normal")
	if local == "" {
		if typ == "error" {
			return nil, nil
		}
		return nil, stanza.Errorf(stanza.ServiceUnavailable, "messages go to a room")
	}
	if typ == "error" {
		m.leave(ctx, local, req.From, true)
		return nil, nil
	}
	r := m.lockRoom(local)
	if r == nil {
		return nil, stanza.Errorf(stanza.ItemNotFound, "no such room")
	}
	defer r.mu.Unlock()
	switch {
	case nick != "":
		return nil, m.private(ctx, r, req, nick)
	case typ == "groupchat":
		return nil, m.groupchat(ctx, r, req)
	}
	if x := child(req.Stanza, NSUser, "x"); x != nil {
		return nil, m.invitation(ctx, r, req, x)
	}
	return nil, stanza.Errorf(stanza.BadRequest, "send group chat as type groupchat")
}

// speaker returns the sender's occupant, after the rate limit.
func (m *MUC) speaker(r *room, req *sdk.Request) (*occupant, error) {
	o := r.sessions[req.From]
	if o == nil {
		return nil, stanza.Errorf(stanza.NotAcceptable, "you are not in this room")
	}
	_, cfg, _ := m.state()
	now := time.Now()
	o.tokens = min(float64(cfg.MessageBurst), o.tokens+now.Sub(o.refilled).Seconds()*cfg.MessagesPerSecond)
	o.refilled = now
	if o.tokens < 1 {
		return nil, &stanza.Error{Type: stanza.Wait, Condition: stanza.ResourceConstraint, Text: "you are sending too fast"}
	}
	o.tokens--
	return o, nil
}

// groupchat sends a message to every occupant: one batch, in room order,
// with the stanza-id it is archived under and the sender's occupant id.
func (m *MUC) groupchat(ctx context.Context, r *room, req *sdk.Request) error {
	o, err := m.speaker(r, req)
	if err != nil {
		return err
	}
	body := req.Stanza.SelectElement("body")
	subject := req.Stanza.SelectElement("subject")
	if o.role.rank() < participant.rank() {
		return stanza.Errorf(stanza.Forbidden, "visitors have no voice in this room")
	}
	if subject != nil && body == nil {
		if o.role != moderator && !r.Config.ChangeSubject {
			return stanza.Errorf(stanza.Forbidden, "only moderators may change the subject")
		}
		r.Subject, r.SubjectNick = subject.Text(), o.nick
		if err := m.saveRoom(ctx, r); err != nil {
			return err
		}
	}
	msg := req.Stanza.Copy()
	msg.RemoveAttr("to")
	msg.CreateAttr("from", r.nickJID(o.nick))
	stripServiceElements(msg, r.jid)
	now := time.Now()
	var id string
	if body != nil {
		id, _ = m.ids.Next(now)
		sid := msg.CreateElement("stanza-id")
		sid.CreateAttr("xmlns", nsStanzaID)
		sid.CreateAttr("id", id)
		sid.CreateAttr("by", r.jid)
	}
	msg.AddChild(occupantIDElement(r.occupantID(o.bare)))
	if body != nil {
		if err := m.archive(ctx, r, id, msg, now); err != nil {
			return err
		}
	}
	out := make([]*etree.Element, 0, len(r.sessions))
	for full := range r.sessions {
		c := msg.Copy()
		c.CreateAttr("to", full)
		out = append(out, c)
	}
	// Counted before it goes out: a scrape after an occupant has the
	// message must see it.
	m.messages.Inc()
	host, _, _ := m.state()
	return host.SendBatch(ctx, out)
}

// stripServiceElements removes what only the room may say: a stanza-id in
// its name and occupant ids (XEP-0359 §5, XEP-0421 §4).
func stripServiceElements(msg *etree.Element, by string) {
	for _, c := range msg.ChildElements() {
		switch {
		case c.Tag == "stanza-id" && c.NamespaceURI() == nsStanzaID && c.SelectAttrValue("by", "") == by,
			c.Tag == "occupant-id" && c.NamespaceURI() == nsOccupantID:
			msg.RemoveChild(c)
		}
	}
}

// private relays a message to every session of the occupant nick (§7.5).
func (m *MUC) private(ctx context.Context, r *room, req *sdk.Request, nick string) error {
	o, err := m.speaker(r, req)
	if err != nil {
		return err
	}
	target := r.occupants[nick]
	if target == nil {
		return stanza.Errorf(stanza.ItemNotFound, "no occupant has that nickname")
	}
	if req.Stanza.SelectAttrValue("type", "") == "groupchat" {
		return stanza.Errorf(stanza.BadRequest, "a private message is not group chat")
	}
	msg := req.Stanza.Copy()
	msg.CreateAttr("from", r.nickJID(o.nick))
	stripServiceElements(msg, r.jid)
	if child(msg, NSUser, "x") == nil {
		msg.AddChild(sdk.NewElement(NSUser, "x"))
	}
	msg.AddChild(occupantIDElement(r.occupantID(o.bare)))
	var out []*etree.Element
	for full := range target.presence {
		c := msg.Copy()
		c.CreateAttr("to", full)
		out = append(out, c)
	}
	host, _, _ := m.state()
	return host.SendBatch(ctx, out)
}

// invitation relays a mediated invitation or its decline (§7.8.2, §7.8.3).
func (m *MUC) invitation(ctx context.Context, r *room, req *sdk.Request, x *etree.Element) error {
	host, _, _ := m.state()
	if inv := x.SelectElement("invite"); inv != nil {
		o := r.sessions[req.From]
		if o == nil {
			return stanza.Errorf(stanza.NotAcceptable, "you are not in this room")
		}
		if !r.Config.AllowInvites && o.role != moderator || r.Config.MembersOnly && r.affiliationOf(o.bare).rank() < admin.rank() && !r.Config.AllowInvites {
			return stanza.Errorf(stanza.Forbidden, "you may not invite to this room")
		}
		to := inv.SelectAttrValue("to", "")
		if to == "" {
			return stanza.Errorf(stanza.BadRequest, "an invitation names whom it is for")
		}
		msg := sdk.NewMessage(r.jid, to, "normal")
		out := userX(nil)
		fwd := out.CreateElement("invite")
		fwd.CreateAttr("from", bareOf(req.From))
		if reason := inv.SelectElement("reason"); reason != nil {
			fwd.CreateElement("reason").SetText(reason.Text())
		}
		if r.Config.Password != "" {
			out.CreateElement("password").SetText(r.Config.Password)
		}
		msg.AddChild(out)
		msg.CreateElement("body").SetText(bareOf(req.From) + " invites you to the room " + r.jid)
		return host.Send(ctx, msg)
	}
	if dec := x.SelectElement("decline"); dec != nil {
		to := dec.SelectAttrValue("to", "")
		if to == "" {
			return stanza.Errorf(stanza.BadRequest, "a decline names whom it is for")
		}
		msg := sdk.NewMessage(r.jid, to, "normal")
		out := userX(nil)
		fwd := out.CreateElement("decline")
		fwd.CreateAttr("from", bareOf(req.From))
		if reason := dec.SelectElement("reason"); reason != nil {
			fwd.CreateElement("reason").SetText(reason.Text())
		}
		msg.AddChild(out)
		return host.Send(ctx, msg)
	}
	return stanza.Errorf(stanza.BadRequest, "expected an invite or a decline")
}

// subjectMessage is the subject as a joining session gets it: always,
// empty when none is set (§7.2.15).
func (r *room) subjectMessage(to string) *etree.Element {
	from := r.jid
	if r.SubjectNick != "" {
		from = r.nickJID(r.SubjectNick)
	}
	msg := sdk.NewMessage(from, to, "groupchat")
	msg.CreateAttr("id", "subject")
	msg.CreateElement("subject").SetText(r.Subject)
	return msg
}
