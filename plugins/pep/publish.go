package pep

import (
	"context"
	"crypto/rand"
	"fmt"
	"time"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/sdk"
	"github.com/switchboard-xmpp/switchboard/sdk/stanza"
)

// publish stores an item, creating the node on first publish with the
// publish options as its configuration (XEP-0163 §3, XEP-0060 §7.1.5),
// and notifies whoever is interested (XEP-0163 §4).
func (p *PEP) publish(ctx context.Context, r request) (*etree.Element, error) {
	if r.requester != r.owner {
		return nil, errNotOwner()
	}
	name, err := r.node()
	if err != nil {
		return nil, err
	}
	id, payload, err := parsePublish(r.action)
	if err != nil {
		return nil, err
	}
	opts, err := publishOptions(r.sibling("publish-options"))
	if err != nil {
		return nil, err
	}
	host, cfg, _ := p.env()
	if len(payload) > cfg.MaxItemBytes {
		return nil, errPayloadTooBig(fmt.Sprintf("an item's payload is limited to %d bytes", cfg.MaxItemBytes))
	}

	unlock := p.locks.lock(r.owner)
	defer unlock()
	st := store{host.Store(r.owner)}
	n, used, err := nodeForPublish(ctx, st, cfg, name, opts)
	if err != nil {
		return nil, err
	}
	it, err := commit(ctx, st, cfg, n, used, id, payload)
	if err != nil {
		return nil, err
	}
	p.notify(ctx, st, r.owner, n, func(to []string) error { return p.notifyItem(ctx, r.owner, n, it, to, false) })
	if name == nsBookmarks {
		p.notifyLegacy(ctx, st, r.owner)
	}
	res := pubsubElement("publish")
	pub := res.ChildElements()[0]
	pub.CreateAttr("node", name)
	pub.CreateElement("item").CreateAttr("id", id)
	return res, nil
}

// commit stores an item in node n, replacing the item of the same id and
// pushing out the oldest beyond what the node keeps, within the account's
// quota (used: the payload bytes of all its nodes); it saves n.
func commit(ctx context.Context, st store, cfg Config, n *nodeRecord, used int, id string, payload []byte) (itemRecord, error) {
	old, err := st.ref(ctx, n.Name, id)
	if err != nil {
		return itemRecord{}, err
	}
	count, bytes := n.Count+1, n.Bytes+len(payload)
	if old != nil {
		count, bytes = count-1, bytes-old.Size
	}
	trimmed, err := oldest(ctx, st, cfg, n, count-n.Config.keeps(cfg.MaxItemsPerNode), id)
	if err != nil {
		return itemRecord{}, err
	}
	for _, t := range trimmed {
		count, bytes = count-1, bytes-len(t.Payload)
	}
	if used-n.Bytes+bytes > cfg.MaxAccountBytes {
		return itemRecord{}, stanza.Errorf(stanza.NotAcceptable, fmt.Sprintf("an account's items are limited to %d bytes", cfg.MaxAccountBytes))
	}

	n.Seq++
	it := itemRecord{ID: id, At: time.Now().UTC(), Payload: string(payload), seq: n.Seq}
	if err := st.putItem(ctx, n.Name, it, len(payload)); err != nil {
		return itemRecord{}, err
	}
	if old != nil {
		if err := st.dropSeq(ctx, n.Name, old.Seq); err != nil {
			return itemRecord{}, err
		}
	}
	n.Count, n.Bytes = count, bytes
	if err := st.putNode(ctx, n); err != nil {
		return itemRecord{}, err
	}
	for _, t := range trimmed {
		if err := st.dropItem(ctx, n.Name, t.ID, t.seq); err != nil {
			return itemRecord{}, err
		}
	}
	return it, nil
}

// parsePublish checks the one item with its one payload (XEP-0060
// §7.1.3) and returns its id (made up when the publisher gave none) and
// the payload, serialized on its own.
func parsePublish(pub *etree.Element) (string, []byte, error) {
	items := pub.SelectElements("item")
	switch {
	case len(items) == 0:
		return "", nil, errItemRequired()
	case len(items) > 1:
		return "", nil, errInvalidPayload("publish one item at a time")
	}
	payload := items[0].ChildElements()
	switch {
	case len(payload) == 0:
		return "", nil, errPayloadRequired()
	case len(payload) > 1:
		return "", nil, errInvalidPayload("an item holds one payload element")
	}
	id := items[0].SelectAttrValue("id", "")
	if id == "" {
		id = rand.Text()
	}
	return id, sdk.MarshalElement(sdk.Standalone(payload[0])), nil
}

// publishOptions reads <publish-options/>, nil when absent or empty.
func publishOptions(el *etree.Element) ([]submitted, error) {
	f := findForm(el)
	if f == nil {
		return nil, nil
	}
	if f.FormType != "" && f.FormType != formPublishOptions {
		return nil, stanza.Errorf(stanza.BadRequest, "publish options must be a form of type "+formPublishOptions)
	}
	return f.Fields, nil
}

// nodeForPublish returns the node to publish to — a new one, not yet
// stored, configured by the publish options, when there is none — and
// the payload bytes of all the account's nodes. Publish options must
// match an existing node's configuration.
func nodeForPublish(ctx context.Context, st store, cfg Config, name string, opts []submitted) (*nodeRecord, int, error) {
	all, err := st.nodes(ctx)
	if err != nil {
		return nil, 0, err
	}
	used := 0
	var n *nodeRecord
	for _, x := range all {
		used += x.Bytes
		if x.Name == name {
			n = x
		}
	}
	if n != nil {
		if m := n.Config.mismatch(opts); m != "" {
			return nil, 0, errPrecondition(m)
		}
		return n, used, nil
	}
	if len(all) >= cfg.MaxNodes {
		return nil, 0, stanza.Errorf(stanza.NotAcceptable, fmt.Sprintf("an account may have at most %d nodes", cfg.MaxNodes))
	}
	c := defaultNodeConfig()
	if err := c.apply(opts); err != nil {
		return nil, 0, errPrecondition(err.Error())
	}
	return &nodeRecord{Name: name, Config: c, Created: time.Now().UTC()}, used, nil
}

// oldest returns the excess oldest items of a node, those beyond what it
// keeps, leaving out the item being replaced (its place is taken).
func oldest(ctx context.Context, st store, cfg Config, n *nodeRecord, excess int, replaced string) ([]itemRecord, error) {
	if excess <= 0 {
		return nil, nil
	}
	its, err := st.scanItems(ctx, n.Name, false, excess+1, pageSize(cfg), nil)
	if err != nil {
		return nil, err
	}
	var out []itemRecord
	for _, it := range its {
		if it.ID != replaced && len(out) < excess {
			out = append(out, it)
		}
	}
	return out, nil
}

// pageSize is how many items one scan reads: a few megabytes at most.
func pageSize(cfg Config) int {
	return max(1, min(500, (2<<20)/cfg.MaxItemBytes))
}
