package pep

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/sdk"
	"github.com/switchboard-xmpp/switchboard/sdk/stanza"
)

// recipients lists who hears of a change to a node of owner: the owner's
// sessions and, unless the node is whitelisted, those of every contact
// who receives the owner's presence and whom the access model lets in —
// each session only if it is interested (XEP-0163 §4) — and every
// explicit subscriber still allowed in, whatever its interests. A bare
// JID subscription replaces that account's sessions: the core delivers
// the one message to all of them.
func (p *PEP) recipients(ctx context.Context, st store, owner string, n *nodeRecord) ([]string, error) {
	if !n.Config.Notify {
		return nil, nil
	}
	roster := p.lazyRoster(ctx, owner)
	var contacts []string
	if n.Config.Access != accessWhitelist {
		r, err := roster()
		if err != nil {
			return nil, err
		}
		for jid, c := range r {
			if reaches(n.Config, c) {
				contacts = append(contacts, jid)
			}
		}
	}
	var out []string
	p.mu.Lock()
	for _, bare := range append(contacts, owner) {
		if acc := p.accounts[bare]; acc != nil {
			for full, s := range acc.sessions {
				if s.interested(n.Name) {
					out = append(out, full)
				}
			}
		}
	}
	p.mu.Unlock()

	subs, err := st.subscribers(ctx, n.Name)
	if err != nil {
		return nil, err
	}
	for _, jid := range subs {
		err := checkAccess(owner, bareOf(jid), n.Config, roster)
		var se *stanza.Error
		switch {
		case errors.As(err, &se):
			continue // no longer allowed in
		case err != nil:
			return nil, err
		case jid == bareOf(jid):
			out = slices.DeleteFunc(out, func(full string) bool { return bareOf(full) == jid })
		}
		out = append(out, jid)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// notify sends, through send, a change of node n to its recipients. The
// change is made whatever becomes of its notifications: a failure to
// notify is logged, and the requester still gets its result.
func (p *PEP) notify(ctx context.Context, st store, owner string, n *nodeRecord, send func(to []string) error) {
	to, err := p.recipients(ctx, st, owner, n)
	if err == nil {
		err = send(to)
	}
	p.notifyFailed(owner, n.Name, err)
}

func (p *PEP) notifyFailed(owner, node string, err error) {
	if err == nil {
		return
	}
	_, _, log := p.env()
	log.Warn("notifying a change failed", "owner", owner, "node", node, "error", err)
}

// event builds a notification from owner to one recipient; the caller
// adds what happened inside <event/>.
func event(owner, to string, cfg nodeConfig) (msg, ev *etree.Element) {
	typ := ""
	if cfg.Notification == notificationHead {
		typ = "headline"
	}
	msg = sdk.NewMessage(owner, to, typ)
	msg.CreateAttr("id", rand.Text())
	ev = msg.CreateElement("event")
	ev.CreateAttr("xmlns", NSEvent)
	return msg, ev
}

// itemElement renders a stored item, with its payload when payload.
func itemElement(it itemRecord, payload bool) (*etree.Element, error) {
	el := etree.NewElement("item")
	el.CreateAttr("id", it.ID)
	if !payload {
		return el, nil
	}
	pl, err := sdk.UnmarshalElement([]byte(it.Payload))
	if err != nil {
		return nil, fmt.Errorf("reading the payload of item %q: %w", it.ID, err)
	}
	el.AddChild(pl)
	return el, nil
}

// notifyItem sends a published item to each recipient; delayed marks a
// last published item sent later (XEP-0163 §4.3.2: with XEP-0203 delay).
func (p *PEP) notifyItem(ctx context.Context, owner string, n *nodeRecord, it itemRecord, to []string, delayed bool) error {
	var errs []error
	for _, jid := range to {
		msg, ev := event(owner, jid, n.Config)
		items := ev.CreateElement("items")
		items.CreateAttr("node", n.Name)
		el, err := itemElement(it, n.Config.Payloads)
		if err != nil {
			return err
		}
		items.AddChild(el)
		if delayed {
			d := msg.CreateElement("delay")
			d.CreateAttr("xmlns", nsDelay)
			d.CreateAttr("stamp", it.At.UTC().Format(time.RFC3339Nano))
		}
		errs = append(errs, p.send(ctx, msg))
	}
	return errors.Join(errs...)
}

// notifyEvent sends every recipient the same event: a <retract/> inside
// <items/>, or a node's <delete/> or <purge/>.
func (p *PEP) notifyEvent(ctx context.Context, owner string, n *nodeRecord, to []string, build func(ev *etree.Element)) error {
	var errs []error
	for _, jid := range to {
		msg, ev := event(owner, jid, n.Config)
		build(ev)
		errs = append(errs, p.send(ctx, msg))
	}
	return errors.Join(errs...)
}

func (p *PEP) send(ctx context.Context, msg *etree.Element) error {
	host, _, _ := p.env()
	if err := host.Send(ctx, msg); err != nil {
		return fmt.Errorf("sending a notification to %s: %w", msg.SelectAttrValue("to", ""), err)
	}
	return nil
}
