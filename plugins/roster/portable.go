package roster

import (
	"context"
	"fmt"
	"slices"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/sdk"
)

// XEP-0227 §4.3 keeps an account's roster as <query xmlns='jabber:iq:roster'/>
// with RFC 6121 items, and §4.8 the subscription requests the account has
// not answered as <presence type='subscribe'/> children of <user/>, in
// jabber:client (Prosody writes them without a namespace of their own,
// so in the file's).
const (
	nsPIE    = "urn:xmpp:pie:0"
	nsPIEOld = "http://www.xmpp.org/extensions/xep-0227.html#ns" // ejabberd's
	nsClient = "jabber:client"
)

// PortableElements implements sdk.Portable.
func (r *Roster) PortableElements() []string {
	return []string{"{" + NS + "}query", "{" + nsClient + "}presence", "{" + nsPIE + "}presence", "{" + nsPIEOld + "}presence"}
}

// ExportAccount returns the owner's own items, and the requests waiting
// for an answer. Items that other plugins manage are theirs to recreate.
func (r *Roster) ExportAccount(ctx context.Context, st sdk.Store, _ string) ([]*etree.Element, error) {
	entries, err := loadAll(ctx, st)
	if err != nil {
		return nil, err
	}
	q := sdk.NewElement(NS, "query")
	out := []*etree.Element{q}
	for _, e := range entries {
		if e.rec.own() {
			own := e.rec.clone()
			own.Managed = nil
			q.AddChild(elementOf(itemOf(e.contact, own)))
		}
		if e.rec.PendingIn {
			out = append(out, requestOf(e.contact, e.rec))
		}
	}
	if len(out) == 1 && len(q.ChildElements()) == 0 {
		return nil, nil
	}
	return out, nil
}

// requestOf is a pending request as the file carries it.
func requestOf(contact string, rec *record) *etree.Element {
	p := sdk.NewElement(nsClient, "presence")
	if stored, err := sdk.UnmarshalElement([]byte(rec.Request)); err == nil {
		for _, c := range stored.ChildElements() {
			p.AddChild(sdk.Standalone(c)) // the requester's <status/>, nick
		}
	}
	p.CreateAttr("from", contact)
	p.CreateAttr("type", "subscribe")
	return p
}

// ImportAccount replaces the owner's own items and pending requests with
// the file's; items other plugins manage stay. The version moves on, so
// that a client's cached roster is not taken for the new one.
func (r *Roster) ImportAccount(ctx context.Context, st sdk.Store, owner string, els []*etree.Element) (int, error) {
	recs := map[string]*record{}
	var order []string
	add := func(contact string) *record {
		if recs[contact] == nil {
			recs[contact] = &record{Sub: "none", Hidden: true}
			order = append(order, contact)
		}
		return recs[contact]
	}
	for _, el := range els {
		if el.Tag == "query" {
			for _, it := range el.SelectElements("item") {
				contact, err := parseBare(it.SelectAttrValue("jid", ""))
				if err != nil || contact == owner {
					continue // Prosody skips them too; no client could use them
				}
				rec := add(contact)
				rec.Hidden = false
				rec.Name = it.SelectAttrValue("name", "")
				rec.Groups = rec.Groups[:0]
				for _, g := range it.SelectElements("group") {
					if g.Text() != "" && !slices.Contains(rec.Groups, g.Text()) {
						rec.Groups = append(rec.Groups, g.Text())
					}
				}
				rec.Sub = subscriptionOf(it.SelectAttrValue("subscription", ""))
				rec.Ask = it.SelectAttrValue("ask", "") == "subscribe"
				rec.Approved = it.SelectAttrValue("approved", "") == "true"
			}
			continue
		}
		contact, err := parseBare(el.SelectAttrValue("from", ""))
		if el.SelectAttrValue("type", "") != "subscribe" || err != nil || contact == owner {
			continue
		}
		req := sdk.NewElement("", "presence")
		req.CreateAttr("from", contact)
		req.CreateAttr("to", owner)
		req.CreateAttr("type", "subscribe")
		for _, c := range el.ChildElements() {
			req.AddChild(stanzaChild(c))
		}
		rec := add(contact)
		rec.PendingIn, rec.Request = true, xmlString(req)
	}
	return len(order), r.replaceRoster(ctx, st, owner, recs)
}

// replaceRoster writes recs in place of the owner's own items; the parts
// other plugins manage stay as they were.
func (r *Roster) replaceRoster(ctx context.Context, st sdk.Store, owner string, recs map[string]*record) error {
	old, err := loadAll(ctx, st)
	if err != nil {
		return err
	}
	for _, e := range old {
		if rec := recs[e.contact]; rec != nil {
			rec.Managed = e.rec.clone().Managed
			continue
		}
		var kept *record
		if e.rec.managed() {
			kept = &record{Sub: "none", Hidden: true, Managed: e.rec.clone().Managed}
		}
		if err := save(ctx, st, e.contact, kept); err != nil {
			return fmt.Errorf("importing the roster of %s: %w", owner, err)
		}
	}
	for contact, rec := range recs {
		rec.setState(stateOf(rec.Sub, rec.Ask, rec.PendingIn))
		if err := save(ctx, st, contact, rec); err != nil {
			return fmt.Errorf("importing the roster of %s: %w", owner, err)
		}
	}
	ver, err := version(ctx, st)
	if err != nil {
		return err
	}
	return st.Put(ctx, verKey, []byte(nextVersion(ver)))
}

// stanzaChild copies a child of a request for the stanza delivered from
// it. A <status/> written without a namespace of its own is the stanza's
// (jabber:client), even when the file put the <presence/> in its own
// namespace, as Prosody does; anything else keeps its namespace.
func stanzaChild(c *etree.Element) *etree.Element {
	switch c.NamespaceURI() {
	case nsPIE, nsPIEOld, nsClient:
		cp := c.Copy()
		cp.RemoveAttr("xmlns")
		return cp
	}
	return sdk.Standalone(c)
}

// subscriptionOf keeps the four states RFC 6121 §2.1.2.5 stores; anything
// else (a "remove" left in a file) is none.
func subscriptionOf(s string) string {
	switch s {
	case "to", "from", "both":
		return s
	}
	return "none"
}
