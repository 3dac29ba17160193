package muc

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/sdk"
	"github.com/switchboard-xmpp/switchboard/sdk/stanza"
	"github.com/switchboard-xmpp/switchboard/sdk/stanzaid"
)

const (
	nsRSM     = "http://jabber.org/protocol/rsm"
	nsForward = "urn:xmpp:forward:0"
)

// handleMAM serves the room's archive (XEP-0313 §6.1.4 on the room JID):
// the messages stored under msg/<room>/, filtered by start and end, paged
// with RSM (after, before, max). Each result is a message to the
// requester; the IQ result with <fin/> comes after them.
func (m *MUC) handleMAM(ctx context.Context, req *sdk.Request) (*etree.Element, error) {
	local, nick := address(req.To)
	if local == "" || nick != "" {
		return nil, sdk.ErrNotMine
	}
	r := m.lockRoom(local)
	if r == nil {
		return nil, stanza.Errorf(stanza.ItemNotFound, "no such room")
	}
	open := r.Config.Public && !r.Config.MembersOnly
	allowed := open || r.sessions[req.From] != nil || r.affiliationOf(bareOf(req.From)).rank() >= member.rank()
	roomJID := r.jid
	r.mu.Unlock()
	if !allowed {
		return nil, stanza.Errorf(stanza.Forbidden, "only members and occupants read this room's archive")
	}
	q := req.Stanza.ChildElements()[0]
	if req.Stanza.SelectAttrValue("type", "") == "get" {
		f := newForm("form", nsMAM)
		f.field("start", "text-single", "")
		f.field("end", "text-single", "")
		out := sdk.NewElement(nsMAM, "query")
		out.AddChild(f.x)
		return out, nil
	}
	page, err := m.parseQuery(q)
	if err != nil {
		return nil, err
	}
	items, complete, err := m.scanArchive(ctx, local, page)
	if err != nil {
		return nil, err
	}
	queryID := q.SelectAttrValue("queryid", "")
	out := make([]*etree.Element, 0, len(items))
	for _, it := range items {
		msg := sdk.NewMessage(roomJID, req.From, "")
		res := msg.CreateElement("result")
		res.CreateAttr("xmlns", nsMAM)
		if queryID != "" {
			res.CreateAttr("queryid", queryID)
		}
		res.CreateAttr("id", it.id)
		fwd := res.CreateElement("forwarded")
		fwd.CreateAttr("xmlns", nsForward)
		d := fwd.CreateElement("delay")
		d.CreateAttr("xmlns", nsDelay)
		d.CreateAttr("stamp", it.at.UTC().Format("2006-01-02T15:04:05.000Z"))
		// Inside <forwarded/> a stanza needs its namespace said.
		it.msg.CreateAttr("xmlns", "jabber:client")
		fwd.AddChild(it.msg)
		out = append(out, msg)
	}
	host, _, _ := m.state()
	if err := host.SendBatch(ctx, out); err != nil {
		return nil, err
	}
	fin := sdk.NewElement(nsMAM, "fin")
	if complete {
		fin.CreateAttr("complete", "true")
	}
	set := fin.CreateElement("set")
	set.CreateAttr("xmlns", nsRSM)
	if len(items) > 0 {
		set.CreateElement("first").SetText(items[0].id)
		set.CreateElement("last").SetText(items[len(items)-1].id)
	}
	return fin, nil
}

// archiveQuery is a parsed query: a time range and an RSM page.
type archiveQuery struct {
	start, end    int64 // Unix nanoseconds; 0 for none
	after, before string
	backward      bool // <before/> given: the page ends there (or at the end)
	max           int
}

func (m *MUC) parseQuery(q *etree.Element) (archiveQuery, error) {
	_, cfg, _ := m.state()
	p := archiveQuery{max: cfg.ArchivePageSize}
	if x := child(q, nsData, "x"); x != nil {
		for name, v := range fieldValues(x) {
			switch name {
			case "FORM_TYPE":
			case "start", "end":
				t, err := time.Parse(time.RFC3339, v)
				if err != nil {
					return p, stanza.Errorf(stanza.BadRequest, "invalid "+name+" time")
				}
				if name == "start" {
					p.start = t.UnixNano()
				} else {
					p.end = t.UnixNano()
				}
			default:
				return p, stanza.Errorf(stanza.BadRequest, "the room's archive is not filtered by "+name)
			}
		}
	}
	if set := child(q, nsRSM, "set"); set != nil {
		if el := set.SelectElement("max"); el != nil {
			n, err := strconv.Atoi(strings.TrimSpace(el.Text()))
			if err != nil || n < 0 {
				return p, stanza.Errorf(stanza.BadRequest, "invalid max")
			}
			p.max = min(n, cfg.ArchivePageSize)
		}
		if el := set.SelectElement("after"); el != nil {
			p.after = el.Text()
		}
		if el := set.SelectElement("before"); el != nil {
			p.before, p.backward = el.Text(), true
		}
	}
	return p, nil
}

type archived struct {
	id  string
	at  time.Time
	msg *etree.Element
}

// scanArchive reads one page; complete when it holds the last (or, paging
// backward, the first) message of the range.
func (m *MUC) scanArchive(ctx context.Context, local string, p archiveQuery) ([]archived, bool, error) {
	prefix := msgPrefix(local)
	from := ""
	switch {
	case p.backward && p.before != "":
		from = prefix + p.before
	case p.backward && p.end != 0:
		from = prefix + stanzaid.Format(p.end+1, "")
	case !p.backward && p.after != "":
		from = prefix + p.after
	case !p.backward && p.start != 0:
		from = prefix + stanzaid.Format(p.start-1, "") + "~" // after every id of that nanosecond
	}
	kvs, err := m.store().Scan(ctx, prefix, from, p.max+1, p.backward)
	if err != nil {
		return nil, false, err
	}
	var out []archived
	complete := true
scan:
	for _, kv := range kvs {
		id := strings.TrimPrefix(kv.Key, prefix)
		nanos, _ := stanzaid.Time(id)
		early, late := p.start != 0 && nanos < p.start, p.end != 0 && nanos > p.end
		switch {
		case p.backward && late, !p.backward && early:
			continue // before the range's edge the page started at
		case early, late:
			break scan
		}
		if len(out) == p.max {
			complete = false
			break
		}
		msg, err := sdk.UnmarshalElement(kv.Value)
		if err != nil {
			continue
		}
		out = append(out, archived{id: id, at: time.Unix(0, nanos), msg: msg})
	}
	if p.backward {
		for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
			out[i], out[j] = out[j], out[i]
		}
	}
	return out, complete, nil
}
