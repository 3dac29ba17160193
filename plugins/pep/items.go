package pep

import (
	"context"
	"slices"
	"strconv"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/sdk"
	"github.com/switchboard-xmpp/switchboard/sdk/stanza"
)

// items answers an items request (XEP-0060 §6.5): the items asked for by
// id, or the most recent ones (max_items of them, or all), oldest first,
// to whoever the access model lets in. A result never carries more than
// max_result_bytes of payloads: older items are left out, and an RSM
// count (XEP-0059) says how many there are.
func (p *PEP) items(ctx context.Context, r request) (*etree.Element, error) {
	name, err := r.node()
	if err != nil {
		return nil, err
	}
	maxItems := 0
	if s := r.action.SelectAttrValue("max_items", ""); s != "" {
		if maxItems, err = strconv.Atoi(s); err != nil || maxItems < 1 {
			return nil, stanza.Errorf(stanza.BadRequest, "max_items must be a positive number")
		}
	}
	host, cfg, _ := p.env()
	st := store{host.Store(r.owner)}
	n, err := st.existingNode(ctx, name)
	if err != nil {
		return nil, err
	}
	if err := checkAccess(r.owner, r.requester, n.Config, p.lazyRoster(ctx, r.owner)); err != nil {
		return nil, err
	}

	budget := cfg.MaxResultBytes
	fits := func(it itemRecord) bool {
		budget -= len(it.Payload)
		return budget >= 0
	}
	var its []itemRecord
	if ids := requestedIDs(r.action); len(ids) > 0 {
		its, err = itemsByID(ctx, st, name, ids, fits)
	} else {
		its, err = st.scanItems(ctx, name, true, maxItems, pageSize(cfg), fits)
		slices.Reverse(its)
	}
	if err != nil {
		return nil, err
	}

	res := pubsubElement("items")
	el := res.ChildElements()[0]
	el.CreateAttr("node", name)
	for _, it := range its {
		item, err := itemElement(it, true)
		if err != nil {
			return nil, err
		}
		el.AddChild(item)
	}
	if budget < 0 && len(requestedIDs(r.action)) == 0 {
		res.AddChild(rsmCount(its, n.Count))
	}
	return res, nil
}

func requestedIDs(action *etree.Element) []string {
	var ids []string
	for _, it := range action.SelectElements("item") {
		if id := it.SelectAttrValue("id", ""); id != "" {
			ids = append(ids, id)
		}
	}
	return ids
}

// itemsByID reads the items asked for that exist, in the order asked,
// while they fit.
func itemsByID(ctx context.Context, st store, node string, ids []string, fits func(itemRecord) bool) ([]itemRecord, error) {
	var out []itemRecord
	for _, id := range ids {
		it, err := st.item(ctx, node, id)
		if err != nil {
			return nil, err
		}
		if it == nil {
			continue
		}
		if !fits(*it) {
			break
		}
		out = append(out, *it)
	}
	return out, nil
}

// rsmCount notes a truncated result (XEP-0060 §6.5.4): the index of the
// first item returned among all of them, the last, and the count.
func rsmCount(its []itemRecord, count int) *etree.Element {
	set := sdk.NewElement(nsRSM, "set")
	if len(its) > 0 {
		first := set.CreateElement("first")
		first.CreateAttr("index", strconv.Itoa(max(0, count-len(its))))
		first.SetText(its[0].ID)
		set.CreateElement("last").SetText(its[len(its)-1].ID)
	}
	set.CreateElement("count").SetText(strconv.Itoa(count))
	return set
}
