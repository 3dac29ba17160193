package muc

import (
	"context"
	"crypto/subtle"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/sdk"
	"github.com/switchboard-xmpp/switchboard/sdk/stanza"
)

// Status codes of muc#user (XEP-0045 §15.6.2) used here.
const (
	codeNonAnonymous  = "100"
	codeConfigChanged = "104"
	codeSelf          = "110"
	codeLogging       = "170"
	codeNowNonAnon    = "172"
	codeNowSemiAnon   = "173"
	codeCreated       = "201"
	codeBanned        = "301"
	codeNickChanged   = "303"
	codeKicked        = "307"
	codeAffChanged    = "321"
	codeMembersOnly   = "322"
	codeShutdown      = "332"
	codeError         = "333"
)

// handlePresence joins, updates, renames and leaves (XEP-0045 §7.2, §7.6,
// §7.7, §7.14).
func (m *MUC) handlePresence(ctx context.Context, req *sdk.Request) (*etree.Element, error) {
	local, nick := address(req.To)
	typ := req.Stanza.SelectAttrValue("type", "")
	switch typ {
	case "", "unavailable", "error":
	default:
		return nil, nil // subscriptions and probes mean nothing to a room
	}
	if local == "" {
		if typ == "" {
			return nil, stanza.Errorf(stanza.BadRequest, "presence goes to a room, not to the service")
		}
		return nil, nil
	}
	if typ != "" {
		m.leave(ctx, local, req.From, typ == "error")
		return nil, nil
	}
	if nick == "" {
		return nil, stanza.Errorf(stanza.JIDMalformed, "join a room as room@service/nick")
	}
	for {
		r := m.lockRoom(local)
		if r == nil {
			r = m.create(local, req.From)
			if r == nil {
				continue // someone else created it meanwhile
			}
		}
		err := m.presenceIn(ctx, r, req, nick)
		r.mu.Unlock()
		return nil, err
	}
}

// create makes a room, locked, with the sender as its owner, and returns
// it with its mutex held; nil when the room exists by now.
func (m *MUC) create(local, from string) *room {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.rooms[local]; ok {
		return nil
	}
	r := newRoom(local, local+"@"+m.domain, m.secret)
	r.Creator = bareOf(from)
	r.Locked = true
	r.Affiliations[r.Creator] = owner
	r.Config = roomConfig{MaxUsers: m.cfg.MaxOccupants, HistoryLength: m.cfg.HistorySize, AllowInvites: true}
	m.rooms[local] = r
	r.mu.Lock()
	return r
}

// owned counts the rooms bare created, for max_rooms_per_user.
func (m *MUC) owned(bare string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for _, r := range m.rooms {
		if r.Creator == bare {
			n++
		}
	}
	return n
}

// presenceIn handles available presence to room/nick with r locked.
func (m *MUC) presenceIn(ctx context.Context, r *room, req *sdk.Request, nick string) error {
	host, cfg, _ := m.state()
	if o := r.sessions[req.From]; o != nil {
		switch {
		case o.nick != nick:
			return m.changeNick(ctx, r, o, req, nick)
		case child(req.Stanza, NS, "x") != nil:
			// The client thinks it is not in the room (after a self-ping
			// failed, say): it gets what a joining session gets.
			o.presence[req.From] = clientPresence(req.Stanza)
			return host.SendBatch(ctx, m.welcome(r, o, req, false))
		}
		o.presence[req.From], o.latest = clientPresence(req.Stanza), req.From
		if err := m.saveOccupant(ctx, r, o, req.From); err != nil {
			return err
		}
		return host.SendBatch(ctx, m.occupantPresenceToAll(r, o))
	}
	created := r.Locked && len(r.occupants) == 0 && r.Creator == bareOf(req.From)
	if created && m.owned(r.Creator) > cfg.MaxRoomsPerUser {
		m.dropRoom(r)
		return stanza.Errorf(stanza.NotAllowed, "you own as many rooms as this service allows")
	}
	if err := m.admit(r, req, nick); err != nil {
		if created {
			m.dropRoom(r)
		}
		return err
	}
	bare := bareOf(req.From)
	o := r.occupants[nick]
	fresh := o == nil
	if fresh {
		o = &occupant{nick: nick, bare: bare, role: r.defaultRole(r.affiliationOf(bare)), presence: map[string]*etree.Element{}, tokens: float64(cfg.MessageBurst)}
		r.occupants[nick] = o
	}
	o.presence[req.From], o.latest = clientPresence(req.Stanza), req.From
	r.sessions[req.From] = o
	m.track(req.From, r.local, true)
	if err := m.saveJoin(ctx, r, o, req.From, created); err != nil {
		m.forget(r, o, req.From)
		return err
	}
	out := m.welcome(r, o, req, created)
	if fresh {
		out = append(out, m.occupantPresenceToOthers(r, o)...)
	}
	return host.SendBatch(ctx, out)
}

// admit applies the room's entry rules (XEP-0045 §7.2.4–§7.2.10).
func (m *MUC) admit(r *room, req *sdk.Request, nick string) error {
	bare := bareOf(req.From)
	aff := r.affiliationOf(bare)
	_, cfg, _ := m.state()
	switch {
	case r.Locked && aff != owner:
		return stanza.Errorf(stanza.ItemNotFound, "the room is being set up")
	case aff == outcast:
		return stanza.Errorf(stanza.Forbidden, "you are banned from this room")
	case r.Config.MembersOnly && aff.rank() < member.rank():
		return stanza.Errorf(stanza.RegistrationRequired, "the room is members-only")
	}
	if o := r.occupants[nick]; o != nil && o.bare != bare {
		return stanza.Errorf(stanza.Conflict, "that nickname is in use")
	}
	if r.Config.Password != "" && aff != owner {
		given := ""
		if x := child(req.Stanza, NS, "x"); x != nil {
			if p := x.SelectElement("password"); p != nil {
				given = p.Text()
			}
		}
		if subtle.ConstantTimeCompare([]byte(given), []byte(r.Config.Password)) != 1 {
			return stanza.Errorf(stanza.NotAuthorized, "a password is required")
		}
	}
	limit := min(r.Config.MaxUsers, cfg.MaxOccupants)
	if _, present := r.occupants[nick]; !present && len(r.occupants) >= limit && aff.rank() < admin.rank() {
		return stanza.Errorf(stanza.ServiceUnavailable, "the room is full")
	}
	return nil
}

// welcome is what a joining session gets: everyone's presence, its own
// with status 110, the history it asked for and the subject (§7.2.2,
// §7.2.14, §7.2.15).
func (m *MUC) welcome(r *room, o *occupant, req *sdk.Request, created bool) []*etree.Element {
	to := req.From
	var out []*etree.Element
	for _, other := range r.occupants {
		if other != o {
			out = append(out, r.presenceOf(other, to, r.seesJIDs(o)))
		}
	}
	codes := []string{codeSelf, codeLogging}
	if r.Config.WhoisAnyone {
		codes = append(codes, codeNonAnonymous)
	}
	if created {
		codes = append(codes, codeCreated)
	}
	out = append(out, r.presenceOf(o, to, true, codes...))
	if !created {
		out = append(out, r.historyFor(child(req.Stanza, NS, "x"), to)...)
	}
	// A new room has no subject yet, but clients wait for one to know the
	// join is complete (slixmpp's join_muc_wait does).
	return append(out, r.subjectMessage(to))
}

// seesJIDs reports whether o may see the real JIDs of the others.
func (r *room) seesJIDs(o *occupant) bool {
	return r.Config.WhoisAnyone || o.role == moderator
}

// presenceOf is the presence of occupant o as sent to the session to.
func (r *room) presenceOf(o *occupant, to string, withJID bool, codes ...string) *etree.Element {
	p := o.presence[o.latest].Copy()
	p.CreateAttr("from", r.nickJID(o.nick))
	p.CreateAttr("to", to)
	item := etree.NewElement("item")
	item.CreateAttr("affiliation", string(r.affiliationOf(o.bare)))
	item.CreateAttr("role", string(o.role))
	if withJID {
		item.CreateAttr("jid", o.latest)
	}
	p.AddChild(userX(item, codes...))
	p.AddChild(occupantIDElement(r.occupantID(o.bare)))
	return p
}

// userX is <x xmlns='muc#user'> with item and status codes.
func userX(item *etree.Element, codes ...string) *etree.Element {
	x := sdk.NewElement(NSUser, "x")
	if item != nil {
		x.AddChild(item)
	}
	for _, c := range codes {
		x.CreateElement("status").CreateAttr("code", c)
	}
	return x
}

// clientPresence keeps what an occupant's presence shows others (show,
// status, priority, capabilities), without its addressing and the join
// request.
func clientPresence(p *etree.Element) *etree.Element {
	out := etree.NewElement("presence")
	for _, c := range p.ChildElements() {
		switch c.NamespaceURI() {
		case NS, NSUser, nsOccupantID:
			continue
		}
		out.AddChild(sdk.Standalone(c))
	}
	return out
}

// occupantPresenceToAll sends o's presence to every session in the room,
// o's own with status 110.
func (m *MUC) occupantPresenceToAll(r *room, o *occupant) []*etree.Element {
	out := m.occupantPresenceToOthers(r, o)
	for full := range o.presence {
		out = append(out, r.presenceOf(o, full, true, codeSelf))
	}
	return out
}

// occupantPresenceToOthers sends o's presence to the sessions of every
// other occupant.
func (m *MUC) occupantPresenceToOthers(r *room, o *occupant) []*etree.Element {
	var out []*etree.Element
	for full, other := range r.sessions {
		if other != o {
			out = append(out, r.presenceOf(o, full, r.seesJIDs(other)))
		}
	}
	return out
}

// changeNick renames an occupant, all of its sessions (§7.6).
func (m *MUC) changeNick(ctx context.Context, r *room, o *occupant, req *sdk.Request, nick string) error {
	host, _, _ := m.state()
	if other := r.occupants[nick]; other != nil {
		return stanza.Errorf(stanza.Conflict, "that nickname is in use")
	}
	var out []*etree.Element
	for full, other := range r.sessions {
		item := etree.NewElement("item")
		item.CreateAttr("affiliation", string(r.affiliationOf(o.bare)))
		item.CreateAttr("role", string(o.role))
		item.CreateAttr("nick", nick)
		codes := []string{codeNickChanged}
		if other == o {
			codes = append(codes, codeSelf)
		}
		if other == o || r.seesJIDs(other) {
			item.CreateAttr("jid", o.latest)
		}
		p := sdk.NewElement("", "presence")
		p.CreateAttr("from", r.nickJID(o.nick))
		p.CreateAttr("to", full)
		p.CreateAttr("type", "unavailable")
		p.AddChild(userX(item, codes...))
		p.AddChild(occupantIDElement(r.occupantID(o.bare)))
		out = append(out, p)
	}
	delete(r.occupants, o.nick)
	o.nick = nick
	r.occupants[nick] = o
	o.presence[req.From], o.latest = clientPresence(req.Stanza), req.From
	if err := m.saveSessions(ctx, r, o); err != nil {
		return err
	}
	return host.SendBatch(ctx, append(out, m.occupantPresenceToAll(r, o)...))
}

// leave takes a session out of a room: it said unavailable, or its client
// bounced what the room sent it (quietly then, status 333).
func (m *MUC) leave(ctx context.Context, local, full string, failed bool) {
	r := m.lockRoom(local)
	if r == nil {
		return
	}
	defer r.mu.Unlock()
	o := r.sessions[full]
	if o == nil {
		return
	}
	var codes []string
	if failed {
		codes = []string{codeError}
	}
	m.send(ctx, m.removeSessions(ctx, r, o, []string{full}, nil, codes...))
	m.dropIfEmpty(ctx, r)
}

// removeSessions takes sessions of o out of r and returns what tells them,
// and the others once no session of o is left. item carries what the
// removal adds (actor, reason); codes say why.
func (m *MUC) removeSessions(ctx context.Context, r *room, o *occupant, fulls []string, extra func(item *etree.Element), codes ...string) []*etree.Element {
	unavailable := func(to string, self bool) *etree.Element {
		item := etree.NewElement("item")
		item.CreateAttr("affiliation", string(r.affiliationOf(o.bare)))
		item.CreateAttr("role", string(noRole))
		if extra != nil {
			extra(item)
		}
		cs := codes
		if self {
			cs = append([]string{codeSelf}, codes...)
		}
		p := sdk.NewElement("", "presence")
		p.CreateAttr("from", r.nickJID(o.nick))
		p.CreateAttr("to", to)
		p.CreateAttr("type", "unavailable")
		p.AddChild(userX(item, cs...))
		p.AddChild(occupantIDElement(r.occupantID(o.bare)))
		return p
	}
	var out []*etree.Element
	for _, full := range fulls {
		out = append(out, unavailable(full, true))
		m.forget(r, o, full)
		if err := m.deleteOccupant(ctx, r, full); err != nil {
			m.logger().Warn("forgetting an occupant in storage", "room", r.jid, "jid", full, "error", err)
		}
	}
	if len(o.presence) > 0 {
		return out
	}
	for full := range r.sessions {
		out = append(out, unavailable(full, false))
	}
	return out
}

// forget drops a session of o from the room in memory, and o with its last
// session.
func (m *MUC) forget(r *room, o *occupant, full string) {
	delete(o.presence, full)
	delete(r.sessions, full)
	m.track(full, r.local, false)
	if len(o.presence) == 0 {
		delete(r.occupants, o.nick)
		return
	}
	if o.latest == full {
		for other := range o.presence {
			o.latest = other
			break
		}
	}
}

// send routes stanzas built under a room's lock; a failure is the core's
// (the stanzas were checked when built) and is logged, since the request
// that caused them has been served.
func (m *MUC) send(ctx context.Context, out []*etree.Element) {
	host, _, _ := m.state()
	if err := host.SendBatch(ctx, out); err != nil {
		m.logger().Warn("sending room stanzas", "count", len(out), "error", err)
	}
}

// sessionGone takes a session that ended out of every room it was in.
func (m *MUC) sessionGone(ctx context.Context, ev sdk.Event) error {
	m.mu.Lock()
	var rooms []string
	for local := range m.joined[ev.JID] {
		rooms = append(rooms, local)
	}
	m.mu.Unlock()
	for _, local := range rooms {
		m.leave(ctx, local, ev.JID, false)
	}
	return nil
}

// sessionPresence: a session that broadcasts unavailable presence leaves
// its rooms too (RFC 6121 §4.6.3: directed presence ends with it).
func (m *MUC) sessionPresence(ctx context.Context, ev sdk.Event) error {
	if ev.Stanza == nil || ev.Stanza.SelectAttrValue("type", "") != "unavailable" {
		return nil
	}
	return m.sessionGone(ctx, ev)
}
