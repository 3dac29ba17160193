package sharedroster

import (
	"context"
	"fmt"
	"strings"

	"github.com/beevik/etree"
	"mellium.im/xmpp/jid"

	"github.com/switchboard-xmpp/switchboard/sdk"
	"github.com/switchboard-xmpp/switchboard/sdk/stanza"
)

// handleIQ serves jabber:iq:roster-dynamic (Tigase's dynamic rosters): the
// extra data that the members of a group keep about each other — a phone
// number, a note — shared by everyone who has that contact in a shared
// group, where a user's own notes would be private. A get names contacts
// and gets each with its data, or as it was sent when there is none or the
// contact is not in the requester's shared groups; a set stores each
// item's children as the contact's data (none: the data is deleted). Only
// an account's own session asks, for itself.
func (s *SharedRoster) handleIQ(ctx context.Context, req *sdk.Request) (*etree.Element, error) {
	owner, _, _ := strings.Cut(req.From, "/")
	if req.To != owner {
		return nil, stanza.Errorf(stanza.Forbidden, "the shared roster can only be read or changed by its own account")
	}
	q := req.Stanza.ChildElements()[0]
	items := q.SelectElements("item")
	if q.Tag != "query" || len(items) == 0 {
		return nil, stanza.Errorf(stanza.BadRequest, "expected <query xmlns='"+NS+"'> with at least one <item jid='…'/>")
	}
	contacts := make([]string, len(items))
	for i, it := range items {
		j, err := jid.Parse(it.SelectAttrValue("jid", ""))
		if err != nil || j.Localpart() == "" || j.Resourcepart() != "" {
			return nil, stanza.Errorf(stanza.BadRequest, fmt.Sprintf("item %d: %q is not the bare JID of an account", i+1, it.SelectAttrValue("jid", "")))
		}
		contacts[i] = j.String()
	}
	if req.Stanza.SelectAttrValue("type", "") == "get" {
		return s.getExtra(ctx, owner, contacts, items)
	}
	return nil, s.setExtra(ctx, owner, contacts, items)
}

func (s *SharedRoster) getExtra(ctx context.Context, owner string, contacts []string, items []*etree.Element) (*etree.Element, error) {
	host, _, idx, _ := s.state()
	out := sdk.NewElement(NS, "query")
	for i, c := range contacts {
		var b []byte
		if idx.shares(owner, c) {
			var err error
			if b, err = loadExtra(ctx, host.Store(c)); err != nil {
				return nil, fmt.Errorf("reading the extra data of %s: %w", c, err)
			}
		}
		if b == nil {
			el := etree.NewElement("item")
			el.CreateAttr("jid", items[i].SelectAttrValue("jid", ""))
			out.AddChild(el)
			continue
		}
		el, err := sdk.UnmarshalElement(b)
		if err != nil {
			return nil, fmt.Errorf("decoding the extra data of %s: %w", c, err)
		}
		if el.SelectAttrValue("xmlns", "") == NS {
			el.RemoveAttr("xmlns") // the query declares it
		}
		out.AddChild(el)
	}
	return out, nil
}

// setExtra checks every item before it writes any — each contact must be
// in the requester's shared groups, and its data within the limit — and
// writes them all in one transaction.
func (s *SharedRoster) setExtra(ctx context.Context, owner string, contacts []string, items []*etree.Element) error {
	host, _, idx, maxExtra := s.state()
	data := make([][]byte, len(items))
	for i, c := range contacts {
		if !idx.shares(owner, c) {
			return stanza.Errorf(stanza.ItemNotFound, c+" is not in a shared group of yours")
		}
		if len(items[i].ChildElements()) == 0 {
			continue // no data: delete it
		}
		el := sdk.Standalone(items[i])
		el.CreateAttr("jid", c)
		data[i] = sdk.MarshalElement(el)
		if len(data[i]) > maxExtra {
			return stanza.Errorf(stanza.NotAcceptable, fmt.Sprintf("the data about %s is larger than %d bytes", c, maxExtra))
		}
	}
	ops := make([]sdk.StoreOp, len(contacts))
	for i, c := range contacts {
		ops[i] = sdk.StoreOp{Owner: c, Key: extraKey, Value: data[i], Delete: data[i] == nil}
	}
	if err := host.StoreBatch(ctx, ops); err != nil {
		return fmt.Errorf("writing the extra data of %s: %w", strings.Join(contacts, ", "), err)
	}
	return nil
}
