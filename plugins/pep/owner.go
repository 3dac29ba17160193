package pep

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/sdk/stanza"
)

// The owner's use cases (XEP-0060 §8): create, configure, delete, purge.

// create makes a node, with the configuration the request carries
// (§8.1.2, §8.1.3). Instant nodes (no node name) are not supported.
func (p *PEP) create(ctx context.Context, r request) error {
	if r.requester != r.owner {
		return errNotOwner()
	}
	name := r.action.SelectAttrValue("node", "")
	if name == "" {
		return pubsubErr(stanza.NotAcceptable, stanza.Modify, "nodeid-required", "instant nodes are not supported")
	}
	c := defaultNodeConfig()
	if f := findForm(r.sibling("configure")); f != nil {
		if err := checkFormType(f, formNodeConfig); err != nil {
			return err
		}
		if err := c.apply(f.Fields); err != nil {
			return configError(err)
		}
	}
	host, cfg, _ := p.env()
	unlock := p.locks.lock(r.owner)
	defer unlock()
	st := store{host.Store(r.owner)}
	all, err := st.nodes(ctx)
	if err != nil {
		return err
	}
	for _, n := range all {
		if n.Name == name {
			return stanza.Errorf(stanza.Conflict, "the node exists")
		}
	}
	if len(all) >= cfg.MaxNodes {
		return stanza.Errorf(stanza.NotAcceptable, fmt.Sprintf("an account may have at most %d nodes", cfg.MaxNodes))
	}
	return st.putNode(ctx, &nodeRecord{Name: name, Config: c, Created: time.Now().UTC()})
}

// configureForm returns a node's configuration as a form (§8.2.1).
func (p *PEP) configureForm(ctx context.Context, r request) (*etree.Element, error) {
	name, err := r.node()
	if err != nil {
		return nil, err
	}
	host, _, _ := p.env()
	n, err := store{host.Store(r.owner)}.node(ctx, name)
	if err != nil {
		return nil, err
	}
	if n == nil {
		return nil, errNoNode()
	}
	res := ownerElement("configure")
	el := res.ChildElements()[0]
	el.CreateAttr("node", name)
	el.AddChild(n.Config.form("form"))
	return res, nil
}

// configure applies a submitted configuration form (§8.2.4); a lower
// max_items, or persist_items false, removes the oldest items at once.
func (p *PEP) configure(ctx context.Context, r request) error {
	name, err := r.node()
	if err != nil {
		return err
	}
	f := findForm(r.action)
	if f == nil {
		return stanza.Errorf(stanza.BadRequest, "the configuration form is missing")
	}
	if f.Type == "cancel" {
		return nil
	}
	if err := checkFormType(f, formNodeConfig); err != nil {
		return err
	}
	host, cfg, _ := p.env()
	unlock := p.locks.lock(r.owner)
	defer unlock()
	st := store{host.Store(r.owner)}
	n, err := st.existingNode(ctx, name)
	if err != nil {
		return err
	}
	if err := n.Config.apply(f.Fields); err != nil {
		return configError(err)
	}
	trimmed, err := oldest(ctx, st, cfg, n, n.Count-n.Config.keeps(cfg.MaxItemsPerNode), "")
	if err != nil {
		return err
	}
	for _, t := range trimmed {
		n.Count, n.Bytes = n.Count-1, n.Bytes-len(t.Payload)
	}
	if err := st.putNode(ctx, n); err != nil {
		return err
	}
	for _, t := range trimmed {
		if err := st.dropItem(ctx, name, t.ID, t.seq); err != nil {
			return err
		}
	}
	return nil
}

// deleteNode deletes a node with its items and subscriptions (§8.4),
// telling whoever would have heard of a new item.
func (p *PEP) deleteNode(ctx context.Context, r request) error {
	return p.emptyNode(ctx, r, true)
}

// purge deletes a node's items (§8.5).
func (p *PEP) purge(ctx context.Context, r request) error {
	return p.emptyNode(ctx, r, false)
}

func (p *PEP) emptyNode(ctx context.Context, r request, del bool) error {
	name, err := r.node()
	if err != nil {
		return err
	}
	host, _, _ := p.env()
	unlock := p.locks.lock(r.owner)
	defer unlock()
	st := store{host.Store(r.owner)}
	n, err := st.existingNode(ctx, name)
	if err != nil {
		return err
	}
	to, rerr := p.recipients(ctx, st, r.owner, n) // before the subscriptions go
	tag := "purge"
	if del {
		tag = "delete"
		err = st.dropNode(ctx, name)
	} else {
		n.Count, n.Bytes = 0, 0
		if err = st.putNode(ctx, n); err == nil {
			err = st.dropItems(ctx, name)
		}
	}
	if err != nil {
		return err
	}
	if name == nsBookmarks {
		p.notifyLegacy(ctx, st, r.owner)
	}
	if del && !n.Config.NotifyDelete {
		return nil
	}
	if rerr == nil {
		rerr = p.notifyEvent(ctx, r.owner, n, to, func(ev *etree.Element) {
			ev.CreateElement(tag).CreateAttr("node", name)
		})
	}
	p.notifyFailed(r.owner, n.Name, rerr)
	return nil
}

func checkFormType(f *form, want string) error {
	if f.FormType != "" && f.FormType != want {
		return stanza.Errorf(stanza.BadRequest, "expected a form of type "+want)
	}
	return nil
}

// configError refuses a configuration (§8.2.5.3: not-acceptable), with
// unsupported-access-model for an access model the plugin lacks
// (§8.1.3).
func configError(err error) error {
	var fe *fieldError
	if errors.As(err, &fe) && fe.Var == "pubsub#access_model" {
		return pubsubErr(stanza.NotAcceptable, stanza.Modify, "unsupported-access-model", err.Error())
	}
	return stanza.Errorf(stanza.NotAcceptable, err.Error())
}
