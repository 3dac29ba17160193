package pep

import (
	"context"
	"fmt"
	"slices"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/plugins/pep/pepapi"
	"github.com/switchboard-xmpp/switchboard/sdk"
	"github.com/switchboard-xmpp/switchboard/sdk/stanza"
)

// Bookmarks (XEP-0402 §5.3, XEP-0411): the XEP-0402 node is the one copy
// of an account's bookmarks. XEP-0048's single <storage/>, as older
// clients read and write it through private XML storage (the private
// plugin calls the methods below) or through the PEP node
// storage:bookmarks (intercepted here), is a view of those items: built
// on read, turned into publishes and retracts on write. pep is where this
// belongs because it is the one writer of the items; a separate plugin
// would have to write them back through pep and hear of every change from
// it, with two processes to keep in step instead of one.
const (
	nsBookmarks       = "urn:xmpp:bookmarks:1"
	nsLegacyBookmarks = pepapi.NSLegacyBookmarks
	legacyItemID      = "current" // XEP-0048 §3.1's one item
)

// bookmarkFeatures tell clients, on the account, that both legacy forms
// are kept in step with XEP-0402 (XEP-0402 §6; XEP-0411's namespace for
// the clients that look for it).
var bookmarkFeatures = []string{nsBookmarks + "#compat", nsBookmarks + "#compat-pep", "urn:xmpp:bookmarks-conversion:0"}

// bookmarkOptions are XEP-0402 §3's node options, given to the node when a
// legacy client's set creates it.
var bookmarkOptions = []submitted{
	{Var: "pubsub#persist_items", Values: []string{"true"}},
	{Var: "pubsub#max_items", Values: []string{"max"}},
	{Var: "pubsub#send_last_published_item", Values: []string{sendNever}},
	{Var: "pubsub#access_model", Values: []string{accessWhitelist}},
}

// legacyView renders the account's XEP-0402 items as XEP-0048 storage,
// oldest first. Items whose payload is no conference are left out.
func legacyView(ctx context.Context, st store, cfg Config) (*etree.Element, error) {
	s := sdk.NewElement(nsLegacyBookmarks, "storage")
	n, err := st.node(ctx, nsBookmarks)
	if err != nil || n == nil {
		return s, err
	}
	its, err := st.scanItems(ctx, nsBookmarks, false, 0, pageSize(cfg), nil)
	if err != nil {
		return nil, err
	}
	for _, it := range its {
		pl, err := sdk.UnmarshalElement([]byte(it.Payload))
		if err != nil || pl.Tag != "conference" || pl.NamespaceURI() != nsBookmarks {
			continue
		}
		c := s.CreateElement("conference")
		c.CreateAttr("jid", it.ID)
		if v := pl.SelectAttrValue("name", ""); v != "" {
			c.CreateAttr("name", v)
		}
		if isTrue(pl.SelectAttrValue("autojoin", "")) {
			c.CreateAttr("autojoin", "true")
		}
		for _, tag := range []string{"nick", "password"} {
			if el := pl.SelectElement(tag); el != nil {
				c.CreateElement(tag).SetText(el.Text())
			}
		}
	}
	return s, nil
}

// conference is one room of a legacy <storage/>, as an XEP-0402 payload.
type conference struct {
	jid     string
	payload *etree.Element
}

// conferencesOf reads a legacy <storage/>. URL bookmarks are dropped:
// XEP-0402 keeps rooms only. A room listed twice counts once, the last.
func conferencesOf(storage *etree.Element) ([]conference, error) {
	if storage == nil || storage.Tag != "storage" || storage.NamespaceURI() != nsLegacyBookmarks {
		return nil, stanza.Errorf(stanza.BadRequest, "expected <storage xmlns='storage:bookmarks'/>")
	}
	var out []conference
	for _, c := range storage.ChildElements() {
		if c.Tag != "conference" || c.NamespaceURI() != nsLegacyBookmarks {
			continue
		}
		jid := c.SelectAttrValue("jid", "")
		if jid == "" {
			return nil, stanza.Errorf(stanza.BadRequest, "a conference bookmark needs a jid")
		}
		el := sdk.NewElement(nsBookmarks, "conference")
		if v := c.SelectAttrValue("name", ""); v != "" {
			el.CreateAttr("name", v)
		}
		if isTrue(c.SelectAttrValue("autojoin", "")) {
			el.CreateAttr("autojoin", "true")
		}
		for _, tag := range []string{"nick", "password"} {
			if x := c.SelectElement(tag); x != nil {
				el.CreateElement(tag).SetText(x.Text())
			}
		}
		out = slices.DeleteFunc(out, func(o conference) bool { return o.jid == jid })
		out = append(out, conference{jid: jid, payload: el})
	}
	return out, nil
}

func isTrue(v string) bool { return v == "true" || v == "1" }

// setLegacy makes the account's XEP-0402 items what a legacy <storage/>
// says: rooms new or changed are published, and unless merge, rooms it no
// longer lists are retracted, each with its notification as if a client
// had done it. What XEP-0048 cannot say (a bookmark's <extensions/>) is
// kept from the item it replaces.
func (p *PEP) setLegacy(ctx context.Context, owner string, storage *etree.Element, merge bool) error {
	confs, err := conferencesOf(storage)
	if err != nil {
		return err
	}
	host, cfg, _ := p.env()
	unlock := p.locks.lock(owner)
	defer unlock()
	st := store{host.Store(owner)}
	existing, err := st.node(ctx, nsBookmarks)
	if err != nil {
		return err
	}
	var opts []submitted
	if existing == nil {
		opts = bookmarkOptions
	}
	n, used, err := nodeForPublish(ctx, st, cfg, nsBookmarks, opts)
	if err != nil {
		return err
	}
	var its []itemRecord
	if existing != nil {
		if its, err = st.scanItems(ctx, nsBookmarks, false, 0, pageSize(cfg), nil); err != nil {
			return err
		}
	}
	old := map[string]itemRecord{}
	for _, it := range its {
		old[it.ID] = it
	}
	changed := false
	for _, c := range confs {
		prev, had := old[c.jid]
		delete(old, c.jid)
		if had {
			keepExtensions(prev, c.payload)
		}
		b := sdk.MarshalElement(c.payload)
		if had && prev.Payload == string(b) {
			continue
		}
		if len(b) > cfg.MaxItemBytes {
			return errPayloadTooBig(fmt.Sprintf("an item's payload is limited to %d bytes", cfg.MaxItemBytes))
		}
		before := n.Bytes
		it, err := commit(ctx, st, cfg, n, used, c.jid, b)
		if err != nil {
			return err
		}
		used += n.Bytes - before
		changed = true
		p.notify(ctx, st, owner, n, func(to []string) error { return p.notifyItem(ctx, owner, n, it, to, false) })
	}
	if !merge {
		for _, it := range its {
			if _, gone := old[it.ID]; !gone {
				continue
			}
			if err := p.dropItem(ctx, st, owner, n, it.ID, n.Config.NotifyRetract); err != nil {
				return err
			}
			changed = true
		}
	}
	if changed {
		p.notifyLegacy(ctx, st, owner)
	}
	return nil
}

// keepExtensions copies the <extensions/> of a stored bookmark into its
// replacement from a legacy client, which cannot carry them.
func keepExtensions(prev itemRecord, payload *etree.Element) {
	pl, err := sdk.UnmarshalElement([]byte(prev.Payload))
	if err != nil {
		return
	}
	if ext := pl.SelectElement("extensions"); ext != nil {
		payload.AddChild(ext.Copy()) // in the same namespace as its new parent
	}
}

// notifyLegacy tells the owner's sessions that follow the legacy node
// (storage:bookmarks+notify) of a change to the bookmarks, with the whole
// list as XEP-0048 publishes it. Nobody else may follow it: bookmarks
// are private.
func (p *PEP) notifyLegacy(ctx context.Context, st store, owner string) {
	var to []string
	p.mu.Lock()
	if acc := p.accounts[owner]; acc != nil {
		for full, s := range acc.sessions {
			if s.interested(nsLegacyBookmarks) {
				to = append(to, full)
			}
		}
	}
	p.mu.Unlock()
	if len(to) == 0 {
		return
	}
	slices.Sort(to)
	_, cfg, _ := p.env()
	s, err := legacyView(ctx, st, cfg)
	if err == nil {
		n := &nodeRecord{Name: nsLegacyBookmarks, Config: defaultNodeConfig()}
		err = p.notifyEvent(ctx, owner, n, to, func(ev *etree.Element) {
			items := ev.CreateElement("items")
			items.CreateAttr("node", nsLegacyBookmarks)
			item := items.CreateElement("item")
			item.CreateAttr("id", legacyItemID)
			item.AddChild(s.Copy())
		})
	}
	p.notifyFailed(owner, nsLegacyBookmarks, err)
}

// legacyPubsub serves the owner's requests on the legacy PEP node
// (XEP-0048 §3.1 over XEP-0223): retrieving its one item and publishing
// it. It returns nil, nil for any other request, which the node's
// ordinary handling then serves.
func (p *PEP) legacyPubsub(ctx context.Context, r request, get bool) (*etree.Element, error) {
	if r.owner != r.requester || r.action.SelectAttrValue("node", "") != nsLegacyBookmarks {
		return nil, nil
	}
	switch {
	case get && r.action.Tag == "items":
		host, cfg, _ := p.env()
		s, err := legacyView(ctx, store{host.Store(r.owner)}, cfg)
		if err != nil {
			return nil, err
		}
		res := pubsubElement("items")
		items := res.ChildElements()[0]
		items.CreateAttr("node", nsLegacyBookmarks)
		item := items.CreateElement("item")
		item.CreateAttr("id", legacyItemID)
		item.AddChild(s)
		return res, nil
	case !get && r.action.Tag == "publish":
		items := r.action.SelectElements("item")
		if len(items) != 1 || len(items[0].ChildElements()) != 1 {
			return nil, errInvalidPayload("publish one item holding one <storage/>")
		}
		// Publish options are the legacy node's, which exists no more.
		if err := p.setLegacy(ctx, r.owner, items[0].ChildElements()[0], false); err != nil {
			return nil, err
		}
		res := pubsubElement("publish")
		pub := res.ChildElements()[0]
		pub.CreateAttr("node", nsLegacyBookmarks)
		pub.CreateElement("item").CreateAttr("id", legacyItemID)
		return res, nil
	}
	return nil, nil
}
