package pep

import (
	"context"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/sdk"
	"github.com/switchboard-xmpp/switchboard/sdk/stanza"
)

// request is a pubsub IQ, taken apart: the account whose service it
// addresses, the account that asks, the <pubsub/> element and its first
// child, the action (XEP-0060 puts options after it).
type request struct {
	owner, requester string
	from             string // the requester's full JID
	pubsub, action   *etree.Element
}

func parseRequest(req *sdk.Request) (request, error) {
	ps := req.Stanza.ChildElements()[0]
	actions := ps.ChildElements()
	if ps.Tag != "pubsub" || len(actions) == 0 {
		return request{}, stanza.Errorf(stanza.BadRequest, "expected <pubsub/> with an action in it")
	}
	return request{owner: req.To, requester: bareOf(req.From), from: req.From, pubsub: ps, action: actions[0]}, nil
}

// node is the action's node attribute, required.
func (r request) node() (string, error) {
	n := r.action.SelectAttrValue("node", "")
	if n == "" {
		return "", errNodeIDRequired()
	}
	return n, nil
}

// sibling is the element of the given name next to the action
// (<publish-options/>, <configure/>), nil when there is none.
func (r request) sibling(name string) *etree.Element {
	for _, el := range r.pubsub.ChildElements()[1:] {
		if el.Tag == name {
			return el
		}
	}
	return nil
}

// handlePubsub serves the http://jabber.org/protocol/pubsub namespace:
// the publisher's and the subscriber's use cases.
func (p *PEP) handlePubsub(ctx context.Context, req *sdk.Request) (*etree.Element, error) {
	r, err := parseRequest(req)
	if err != nil {
		return nil, err
	}
	get := req.Stanza.SelectAttrValue("type", "") == "get"
	if res, err := p.legacyPubsub(ctx, r, get); res != nil || err != nil {
		return res, err
	}
	switch act := r.action.Tag; {
	case get && act == "items":
		return p.items(ctx, r)
	case !get && act == "publish":
		return p.publish(ctx, r)
	case !get && act == "retract":
		return nil, p.retract(ctx, r)
	case !get && act == "subscribe":
		return p.subscribe(ctx, r)
	case !get && act == "unsubscribe":
		return nil, p.unsubscribe(ctx, r)
	case !get && act == "create":
		return nil, p.create(ctx, r)
	case act == "subscriptions":
		return nil, errUnsupported("retrieve-subscriptions")
	case act == "affiliations":
		return nil, errUnsupported("retrieve-affiliations")
	case act == "options", act == "default":
		return nil, errUnsupported("subscription-options")
	}
	return nil, stanza.Errorf(stanza.BadRequest, "no such pubsub request: "+r.action.Tag)
}

// handleOwner serves the http://jabber.org/protocol/pubsub#owner
// namespace, for the account's own resources only.
func (p *PEP) handleOwner(ctx context.Context, req *sdk.Request) (*etree.Element, error) {
	r, err := parseRequest(req)
	if err != nil {
		return nil, err
	}
	if r.requester != r.owner {
		return nil, errNotOwner()
	}
	get := req.Stanza.SelectAttrValue("type", "") == "get"
	switch act := r.action.Tag; {
	case get && act == "configure":
		return p.configureForm(ctx, r)
	case !get && act == "configure":
		return nil, p.configure(ctx, r)
	case get && act == "default":
		d := ownerElement("default")
		d.ChildElements()[0].AddChild(defaultNodeConfig().form("form"))
		return d, nil
	case !get && act == "delete":
		return nil, p.deleteNode(ctx, r)
	case !get && act == "purge":
		return nil, p.purge(ctx, r)
	case act == "subscriptions":
		return nil, errUnsupported("manage-subscriptions")
	case act == "affiliations":
		return nil, errUnsupported("modify-affiliations")
	}
	return nil, stanza.Errorf(stanza.BadRequest, "no such pubsub#owner request: "+r.action.Tag)
}

// pubsubElement returns <pubsub xmlns=NS><name/></pubsub>.
func pubsubElement(name string) *etree.Element {
	ps := sdk.NewElement(NS, "pubsub")
	ps.CreateElement(name)
	return ps
}

func ownerElement(name string) *etree.Element {
	ps := sdk.NewElement(NSOwner, "pubsub")
	ps.CreateElement(name)
	return ps
}
