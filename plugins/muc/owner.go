package muc

import (
	"context"
	"strconv"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/sdk"
	"github.com/switchboard-xmpp/switchboard/sdk/stanza"
)

// handleOwner serves muc#owner: the configuration form (get, submit,
// cancel) and destruction (XEP-0045 §10.1, §10.2, §10.9).
func (m *MUC) handleOwner(ctx context.Context, req *sdk.Request) (*etree.Element, error) {
	local, nick := address(req.To)
	if local == "" || nick != "" {
		return nil, stanza.Errorf(stanza.BadRequest, "muc#owner goes to a room's bare JID")
	}
	r := m.lockRoom(local)
	if r == nil {
		return nil, stanza.Errorf(stanza.ItemNotFound, "no such room")
	}
	defer r.mu.Unlock()
	if r.affiliationOf(bareOf(req.From)) != owner {
		return nil, stanza.Errorf(stanza.Forbidden, "only owners configure a room")
	}
	_, cfg, _ := m.state()
	q := req.Stanza.ChildElements()[0]
	if req.Stanza.SelectAttrValue("type", "") == "get" {
		out := sdk.NewElement(NSOwner, "query")
		out.AddChild(r.configForm(cfg.MaxOccupants, cfg.HistorySize))
		return out, nil
	}
	if d := q.SelectElement("destroy"); d != nil {
		m.destroy(ctx, r, d)
		return nil, nil
	}
	x := child(q, nsData, "x")
	if x == nil {
		return nil, stanza.Errorf(stanza.BadRequest, "expected a form or destroy")
	}
	switch x.SelectAttrValue("type", "") {
	case "cancel":
		if r.Locked {
			m.destroy(ctx, r, nil)
		}
		return nil, nil
	case "submit":
	default:
		return nil, stanza.Errorf(stanza.BadRequest, "a configuration form is submitted or cancelled")
	}
	next, err := applyForm(r.Config, fieldValues(x), cfg)
	if err != nil {
		return nil, err
	}
	prev, wasLocked := r.Config, r.Locked
	r.Config, r.Locked = next, false
	if err := m.saveRoom(ctx, r); err != nil {
		r.Config, r.Locked = prev, wasLocked
		return nil, err
	}
	if !wasLocked {
		m.send(ctx, r.configChanged(prev))
	}
	if next.MembersOnly && !prev.MembersOnly {
		// §9.3: non-members leave a room that became members-only (322).
		for _, o := range r.occupants {
			if r.affiliationOf(o.bare).rank() < member.rank() {
				m.send(ctx, m.removeSessions(ctx, r, o, sessionsOf(o), nil, codeMembersOnly))
			}
		}
	}
	if !next.Persistent {
		m.dropIfEmpty(ctx, r)
	}
	return nil, nil
}

// applyForm returns c changed by a submitted form; an empty submission (an
// instant room, §10.1.2) changes nothing.
func applyForm(c roomConfig, f map[string]string, cfg Config) (roomConfig, error) {
	bad := func(field string) error {
		return stanza.Errorf(stanza.NotAcceptable, "invalid value for "+field)
	}
	bools := map[string]*bool{
		"muc#roomconfig_persistentroom": &c.Persistent,
		"muc#roomconfig_publicroom":     &c.Public,
		"muc#roomconfig_membersonly":    &c.MembersOnly,
		"muc#roomconfig_moderatedroom":  &c.Moderated,
		"muc#roomconfig_changesubject":  &c.ChangeSubject,
		"muc#roomconfig_allowinvites":   &c.AllowInvites,
	}
	for name, dst := range bools {
		if v, ok := f[name]; ok {
			b, valid := parseBool(v)
			if !valid {
				return c, bad(name)
			}
			*dst = b
		}
	}
	if v, ok := f["muc#roomconfig_roomname"]; ok {
		c.Name = v
	}
	if v, ok := f["muc#roomconfig_roomdesc"]; ok {
		c.Description = v
	}
	if v, ok := f["muc#roomconfig_roomsecret"]; ok {
		c.Password = v
	}
	if v, ok := f["muc#roomconfig_passwordprotectedroom"]; ok {
		if on, valid := parseBool(v); !valid {
			return c, bad("muc#roomconfig_passwordprotectedroom")
		} else if !on {
			c.Password = ""
		}
	}
	if v, ok := f["muc#roomconfig_maxusers"]; ok && v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > cfg.MaxOccupants {
			return c, bad("muc#roomconfig_maxusers")
		}
		c.MaxUsers = n
	}
	if v, ok := f["muc#roomconfig_historylength"]; ok && v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > cfg.HistorySize {
			return c, bad("muc#roomconfig_historylength")
		}
		c.HistoryLength = n
	}
	if v, ok := f["muc#roomconfig_whois"]; ok {
		switch v {
		case "anyone":
			c.WhoisAnyone = true
		case "moderators", "":
			c.WhoisAnyone = false
		default:
			return c, bad("muc#roomconfig_whois")
		}
	}
	return c, nil
}

// configChanged tells the occupants that the configuration changed
// (§10.2.1): 172 or 173 when the room turned non-anonymous or
// semi-anonymous, 104 otherwise.
func (r *room) configChanged(prev roomConfig) []*etree.Element {
	codes := []string{codeConfigChanged}
	switch {
	case r.Config.WhoisAnyone && !prev.WhoisAnyone:
		codes = append(codes, codeNowNonAnon)
	case !r.Config.WhoisAnyone && prev.WhoisAnyone:
		codes = append(codes, codeNowSemiAnon)
	}
	var out []*etree.Element
	for full := range r.sessions {
		msg := sdk.NewMessage(r.jid, full, "groupchat")
		msg.AddChild(userX(nil, codes...))
		out = append(out, msg)
	}
	return out
}

// destroy ends a room, telling each occupant, with the alternate venue
// and reason from d if given (§10.9).
func (m *MUC) destroy(ctx context.Context, r *room, d *etree.Element) {
	var out []*etree.Element
	for full, o := range r.sessions {
		item := etree.NewElement("item")
		item.CreateAttr("affiliation", string(noAff))
		item.CreateAttr("role", string(noRole))
		x := userX(item)
		if d != nil {
			venue := x.CreateElement("destroy")
			if j := d.SelectAttrValue("jid", ""); j != "" {
				venue.CreateAttr("jid", j)
			}
			if reason := d.SelectElement("reason"); reason != nil {
				venue.CreateElement("reason").SetText(reason.Text())
			}
		}
		p := sdk.NewElement("", "presence")
		p.CreateAttr("from", r.nickJID(o.nick))
		p.CreateAttr("to", full)
		p.CreateAttr("type", "unavailable")
		p.AddChild(x)
		out = append(out, p)
	}
	for full, o := range r.sessions {
		m.forget(r, o, full)
	}
	m.send(ctx, out)
	m.dropRoom(r)
	if err := m.deleteRoomData(ctx, r.local); err != nil {
		m.logger().Warn("deleting a destroyed room", "room", r.jid, "error", err)
	}
}
