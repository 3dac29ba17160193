package pep

import (
	"context"

	"github.com/beevik/etree"
	"mellium.im/xmpp/jid"

	"github.com/switchboard-xmpp/switchboard/sdk/stanza"
)

// subscribe records an explicit subscription (XEP-0060 §6.1), for those
// who do not receive the owner's presence (XEP-0163 §2: open nodes, such
// as OMEMO keys of a room member) or want notifications whatever their
// capabilities say. The subscriber gets the last item at once, unless the
// node sends it never.
func (p *PEP) subscribe(ctx context.Context, r request) (*etree.Element, error) {
	name, jid, err := r.subscription()
	if err != nil {
		return nil, err
	}
	host, cfg, _ := p.env()
	unlock := p.locks.lock(r.owner)
	defer unlock()
	st := store{host.Store(r.owner)}
	n, err := st.existingNode(ctx, name)
	if err != nil {
		return nil, err
	}
	if err := checkAccess(r.owner, r.requester, n.Config, p.lazyRoster(ctx, r.owner)); err != nil {
		return nil, err
	}
	if err := st.Put(ctx, subPrefix(name)+jid, []byte("subscribed")); err != nil {
		return nil, err
	}
	if n.Config.Notify && n.Config.SendLast != sendNever {
		last, err := st.scanItems(ctx, name, true, 1, pageSize(cfg), nil)
		if err == nil && len(last) > 0 {
			err = p.notifyItem(ctx, r.owner, n, last[0], []string{jid}, true)
		}
		p.notifyFailed(r.owner, name, err)
	}
	res := pubsubElement("subscription")
	sub := res.ChildElements()[0]
	sub.CreateAttr("node", name)
	sub.CreateAttr("jid", jid)
	sub.CreateAttr("subscription", "subscribed")
	return res, nil
}

// unsubscribe cancels an explicit subscription (XEP-0060 §6.2).
func (p *PEP) unsubscribe(ctx context.Context, r request) error {
	name, jid, err := r.subscription()
	if err != nil {
		return err
	}
	host, _, _ := p.env()
	unlock := p.locks.lock(r.owner)
	defer unlock()
	st := store{host.Store(r.owner)}
	if _, err := st.existingNode(ctx, name); err != nil {
		return err
	}
	if _, err := st.Get(ctx, subPrefix(name)+jid); err != nil {
		if isNotFound(err) {
			return errNotSubscribed()
		}
		return err
	}
	return st.Delete(ctx, subPrefix(name)+jid)
}

// subscription reads the node and the subscribing JID, which must be the
// requester's own, bare or full (XEP-0060 §6.1.3.1).
func (r request) subscription() (string, string, error) {
	name, err := r.node()
	if err != nil {
		return "", "", err
	}
	j, err := jid.Parse(r.action.SelectAttrValue("jid", ""))
	if err != nil {
		return "", "", stanza.Errorf(stanza.JIDMalformed, "the jid attribute must be a valid JID")
	}
	if j.Bare().String() != r.requester {
		return "", "", errInvalidJID()
	}
	return name, j.String(), nil
}
