package muc

import (
	"context"
	"slices"
	"sort"
	"strconv"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/sdk"
	"github.com/switchboard-xmpp/switchboard/sdk/stanza"
)

// handleDiscoInfo answers for the service, a room (its muc_* features and
// the muc#roominfo form, XEP-0045 §6.4), or forwards to an occupant.
func (m *MUC) handleDiscoInfo(ctx context.Context, req *sdk.Request) (*etree.Element, error) {
	local, nick := address(req.To)
	if req.Stanza.SelectAttrValue("type", "") != "get" {
		return nil, stanza.New(stanza.BadRequest)
	}
	if nick != "" {
		return m.forwardIQ(ctx, req)
	}
	q := req.Stanza.ChildElements()[0]
	if q.SelectAttrValue("node", "") != "" {
		return nil, stanza.Errorf(stanza.ItemNotFound, "no such node")
	}
	out := sdk.NewElement(nsDiscoInfo, "query")
	if local == "" {
		id := out.CreateElement("identity")
		id.CreateAttr("category", "conference")
		id.CreateAttr("type", "text")
		id.CreateAttr("name", "Chatrooms")
		for _, f := range []string{nsDiscoInfo, nsDiscoItems, NS, nsOccupantID, nsStanzaID} {
			out.CreateElement("feature").CreateAttr("var", f)
		}
		return out, nil
	}
	r := m.lockRoom(local)
	if r == nil {
		return nil, stanza.Errorf(stanza.ItemNotFound, "no such room")
	}
	defer r.mu.Unlock()
	id := out.CreateElement("identity")
	id.CreateAttr("category", "conference")
	id.CreateAttr("type", "text")
	if r.Config.Name != "" {
		id.CreateAttr("name", r.Config.Name)
	} else {
		id.CreateAttr("name", r.local)
	}
	features := []string{nsDiscoInfo, NS, NSStable, NSSelfPingOpt, nsMAM, nsStanzaID, nsOccupantID,
		pick(r.Config.Public, "muc_public", "muc_hidden"),
		pick(r.Config.Persistent, "muc_persistent", "muc_temporary"),
		pick(r.Config.MembersOnly, "muc_membersonly", "muc_open"),
		pick(r.Config.Moderated, "muc_moderated", "muc_unmoderated"),
		pick(r.Config.WhoisAnyone, "muc_nonanonymous", "muc_semianonymous"),
		pick(r.Config.Password != "", "muc_passwordprotected", "muc_unsecured"),
	}
	slices.Sort(features)
	for _, f := range features {
		out.CreateElement("feature").CreateAttr("var", f)
	}
	f := newForm("result", formRoomInfo)
	f.field("muc#roominfo_description", "", "Description", r.Config.Description)
	f.field("muc#roominfo_subject", "", "Subject", r.Subject)
	f.field("muc#roominfo_occupants", "", "Occupants", strconv.Itoa(len(r.occupants)))
	f.field("muc#roomconfig_roomname", "", "Name", r.Config.Name)
	f.field("muc#roominfo_changesubject", "", "Occupants may change the subject", boolText(r.Config.ChangeSubject))
	f.field("muc#maxhistoryfetch", "", "Messages of history on joining", strconv.Itoa(r.Config.HistoryLength))
	out.AddChild(f.x)
	return out, nil
}

func pick(cond bool, yes, no string) string {
	if cond {
		return yes
	}
	return no
}

// handleDiscoItems lists the public rooms of the service (§6.3); a room
// lists no items (its occupants are not disclosed this way).
func (m *MUC) handleDiscoItems(ctx context.Context, req *sdk.Request) (*etree.Element, error) {
	local, nick := address(req.To)
	if req.Stanza.SelectAttrValue("type", "") != "get" {
		return nil, stanza.New(stanza.BadRequest)
	}
	if nick != "" {
		return m.forwardIQ(ctx, req)
	}
	out := sdk.NewElement(nsDiscoItems, "query")
	if local != "" {
		if r := m.lockRoom(local); r != nil {
			r.mu.Unlock()
			return out, nil
		}
		return nil, stanza.Errorf(stanza.ItemNotFound, "no such room")
	}
	m.mu.Lock()
	rooms := make([]*room, 0, len(m.rooms))
	for _, r := range m.rooms {
		rooms = append(rooms, r)
	}
	m.mu.Unlock()
	type listed struct{ jid, name string }
	var items []listed
	for _, r := range rooms {
		r.mu.Lock()
		if r.Config.Public && !r.Locked && !r.gone {
			items = append(items, listed{r.jid, cmpOr(r.Config.Name, r.local)})
		}
		r.mu.Unlock()
	}
	sort.Slice(items, func(i, j int) bool { return items[i].jid < items[j].jid })
	for _, it := range items {
		el := out.CreateElement("item")
		el.CreateAttr("jid", it.jid)
		el.CreateAttr("name", it.name)
	}
	return out, nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
