package muc

import (
	"context"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/sdk"
	"github.com/switchboard-xmpp/switchboard/sdk/stanza"
)

// handleAdmin serves muc#admin: role and affiliation lists (get) and
// changes (set): kick, voice, moderator, ban, membership, admin, owner
// (XEP-0045 §8, §9, §10).
func (m *MUC) handleAdmin(ctx context.Context, req *sdk.Request) (*etree.Element, error) {
	local, nick := address(req.To)
	if local == "" || nick != "" {
		return nil, stanza.Errorf(stanza.BadRequest, "muc#admin goes to a room's bare JID")
	}
	r := m.lockRoom(local)
	if r == nil {
		return nil, stanza.Errorf(stanza.ItemNotFound, "no such room")
	}
	defer r.mu.Unlock()
	items := req.Stanza.ChildElements()[0].SelectElements("item")
	if len(items) == 0 {
		return nil, stanza.Errorf(stanza.BadRequest, "expected an item")
	}
	actorAff := r.affiliationOf(bareOf(req.From))
	actor := r.sessions[req.From]
	if req.Stanza.SelectAttrValue("type", "") == "get" {
		return r.list(items[0], actorAff, actor)
	}
	for _, it := range items {
		var err error
		switch {
		case it.SelectAttrValue("affiliation", "") != "":
			err = m.setAffiliation(ctx, r, it, actorAff, actor)
		case it.SelectAttrValue("role", "") != "":
			err = m.setRole(ctx, r, it, actorAff, actor)
		default:
			err = stanza.Errorf(stanza.BadRequest, "an item sets a role or an affiliation")
		}
		if err != nil {
			return nil, err
		}
	}
	return nil, nil
}

// list answers a request for the occupants of a role or the accounts of an
// affiliation (§9.5, §9.8, §8.5, §10.5, §10.8).
func (r *room) list(it *etree.Element, actorAff affiliation, actor *occupant) (*etree.Element, error) {
	q := sdk.NewElement(NSAdmin, "query")
	if a := it.SelectAttrValue("affiliation", ""); a != "" {
		if !validAffiliation(a) || a == string(noAff) {
			return nil, stanza.Errorf(stanza.BadRequest, "no such affiliation list")
		}
		if actorAff.rank() < admin.rank() && !(a == string(member) && r.Config.MembersOnly && actorAff == member) {
			return nil, stanza.Errorf(stanza.Forbidden, "only admins see affiliation lists")
		}
		for bare, aff := range r.Affiliations {
			if string(aff) == a {
				item := q.CreateElement("item")
				item.CreateAttr("affiliation", a)
				item.CreateAttr("jid", bare)
				for _, o := range r.occupants {
					if o.bare == bare {
						item.CreateAttr("nick", o.nick)
						break
					}
				}
			}
		}
		return q, nil
	}
	ro := role(it.SelectAttrValue("role", ""))
	if ro != moderator && ro != participant && ro != visitor {
		return nil, stanza.Errorf(stanza.BadRequest, "no such role list")
	}
	if actor == nil || actor.role != moderator {
		return nil, stanza.Errorf(stanza.Forbidden, "only moderators see role lists")
	}
	for _, o := range r.occupants {
		if o.role == ro {
			item := q.CreateElement("item")
			item.CreateAttr("role", string(ro))
			item.CreateAttr("nick", o.nick)
			item.CreateAttr("affiliation", string(r.affiliationOf(o.bare)))
			item.CreateAttr("jid", o.latest)
		}
	}
	return q, nil
}

// actorAndReason decorates an item in the presence that tells of a change.
func actorAndReason(it *etree.Element, actor *occupant) func(*etree.Element) {
	return func(item *etree.Element) {
		if actor != nil {
			item.CreateElement("actor").CreateAttr("nick", actor.nick)
		}
		if reason := it.SelectElement("reason"); reason != nil {
			item.CreateElement("reason").SetText(reason.Text())
		}
	}
}

// setRole kicks (role none), grants or revokes voice, or makes or unmakes
// a moderator (§8.2–§8.6, §9.6, §9.7).
func (m *MUC) setRole(ctx context.Context, r *room, it *etree.Element, actorAff affiliation, actor *occupant) error {
	if actor == nil || actor.role != moderator {
		return stanza.Errorf(stanza.Forbidden, "only moderators change roles")
	}
	target := r.occupants[it.SelectAttrValue("nick", "")]
	if target == nil {
		return stanza.Errorf(stanza.ItemNotFound, "no occupant has that nickname")
	}
	ro := role(it.SelectAttrValue("role", ""))
	targetAff := r.affiliationOf(target.bare)
	switch ro {
	case noRole, visitor:
		if targetAff.rank() >= admin.rank() {
			return stanza.Errorf(stanza.NotAllowed, "an admin or owner cannot be kicked or silenced")
		}
	case participant:
		if target.role == moderator && actorAff.rank() < admin.rank() {
			return stanza.Errorf(stanza.NotAllowed, "only admins revoke moderator status")
		}
	case moderator:
		if actorAff.rank() < admin.rank() {
			return stanza.Errorf(stanza.NotAllowed, "only admins grant moderator status")
		}
	default:
		return stanza.Errorf(stanza.BadRequest, "no such role")
	}
	if ro == noRole {
		m.send(ctx, m.removeSessions(ctx, r, target, sessionsOf(target), actorAndReason(it, actor), codeKicked))
		m.dropIfEmpty(ctx, r)
		return nil
	}
	target.role = ro
	if err := m.saveSessions(ctx, r, target); err != nil {
		return err
	}
	m.send(ctx, m.occupantPresenceToAll(r, target))
	return nil
}

func sessionsOf(o *occupant) []string {
	out := make([]string, 0, len(o.presence))
	for full := range o.presence {
		out = append(out, full)
	}
	return out
}

// setAffiliation changes an account's affiliation (§9.1–§9.4, §10.3,
// §10.6): outcasts are removed with 301, non-members of a members-only
// room with 321; occupants otherwise get the role that follows.
func (m *MUC) setAffiliation(ctx context.Context, r *room, it *etree.Element, actorAff affiliation, actor *occupant) error {
	a := affiliation(it.SelectAttrValue("affiliation", ""))
	if !validAffiliation(string(a)) {
		return stanza.Errorf(stanza.BadRequest, "no such affiliation")
	}
	bare := bareOf(it.SelectAttrValue("jid", ""))
	if bare == "" {
		if o := r.occupants[it.SelectAttrValue("nick", "")]; o != nil {
			bare = o.bare
		}
	}
	if bare == "" {
		return stanza.Errorf(stanza.BadRequest, "an affiliation is given to a jid")
	}
	old := r.affiliationOf(bare)
	switch {
	case actorAff.rank() < admin.rank():
		return stanza.Errorf(stanza.Forbidden, "only admins change affiliations")
	case (a.rank() >= admin.rank() || old.rank() >= admin.rank()) && actorAff != owner:
		return stanza.Errorf(stanza.NotAllowed, "only owners change admins and owners")
	case old == owner && a != owner && r.owners() == 1:
		return stanza.Errorf(stanza.Conflict, "a room keeps at least one owner")
	}
	if a == noAff {
		delete(r.Affiliations, bare)
	} else {
		r.Affiliations[bare] = a
	}
	if err := m.saveRoom(ctx, r); err != nil {
		return err
	}
	for _, o := range r.occupants {
		if o.bare != bare {
			continue
		}
		switch {
		case a == outcast:
			m.send(ctx, m.removeSessions(ctx, r, o, sessionsOf(o), actorAndReason(it, actor), codeBanned))
		case r.Config.MembersOnly && a.rank() < member.rank():
			m.send(ctx, m.removeSessions(ctx, r, o, sessionsOf(o), actorAndReason(it, actor), codeAffChanged))
		default:
			o.role = r.defaultRole(a)
			if err := m.saveSessions(ctx, r, o); err != nil {
				return err
			}
			m.send(ctx, m.occupantPresenceToAll(r, o))
		}
	}
	m.dropIfEmpty(ctx, r)
	return nil
}
