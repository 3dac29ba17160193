package pep

import (
	"context"

	"github.com/beevik/etree"
)

// retract deletes an item (XEP-0060 §7.2), telling the interested when
// the request or the node asks for it (bookmarks rely on it, XEP-0402).
func (p *PEP) retract(ctx context.Context, r request) error {
	if r.requester != r.owner {
		return errNotOwner()
	}
	name, err := r.node()
	if err != nil {
		return err
	}
	items := r.action.SelectElements("item")
	if len(items) != 1 || items[0].SelectAttrValue("id", "") == "" {
		return errItemRequired()
	}
	id := items[0].SelectAttrValue("id", "")
	host, _, _ := p.env()
	unlock := p.locks.lock(r.owner)
	defer unlock()
	st := store{host.Store(r.owner)}
	n, err := st.existingNode(ctx, name)
	if err != nil {
		return err
	}
	notify := n.Config.NotifyRetract
	if a := r.action.SelectAttr("notify"); a != nil {
		notify = a.Value == "true" || a.Value == "1"
	}
	if err := p.dropItem(ctx, st, r.owner, n, id, notify); err != nil {
		return err
	}
	if name == nsBookmarks {
		p.notifyLegacy(ctx, st, r.owner)
	}
	return nil
}

// dropItem deletes item id of node n, held under the owner's lock, and
// tells the interested when notify.
func (p *PEP) dropItem(ctx context.Context, st store, owner string, n *nodeRecord, id string, notify bool) error {
	ref, err := st.ref(ctx, n.Name, id)
	if err != nil {
		return err
	}
	if ref == nil {
		return errNoNode()
	}
	n.Count, n.Bytes = n.Count-1, n.Bytes-ref.Size
	if err := st.putNode(ctx, n); err != nil {
		return err
	}
	if err := st.dropItem(ctx, n.Name, id, ref.Seq); err != nil {
		return err
	}
	if !notify {
		return nil
	}
	p.notify(ctx, st, owner, n, func(to []string) error {
		return p.notifyEvent(ctx, owner, n, to, func(ev *etree.Element) {
			items := ev.CreateElement("items")
			items.CreateAttr("node", n.Name)
			items.CreateElement("retract").CreateAttr("id", id)
		})
	})
	return nil
}
