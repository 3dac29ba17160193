package disco

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/plugins/disco/discoapi"
	"github.com/switchboard-xmpp/switchboard/plugins/roster/rosterapi"
	"github.com/switchboard-xmpp/switchboard/sdk"
	"github.com/switchboard-xmpp/switchboard/sdk/caps"
	"github.com/switchboard-xmpp/switchboard/sdk/stanza"
)

// accountInfo answers disco#info to an account's bare JID on its behalf.
// XEP-0030 §8: an account that does not exist, or a requester who may not
// see its presence, gets service-unavailable — the same answer, so that
// nobody learns which accounts exist by asking. The account itself and
// its contacts with a subscription get identity account/registered and
// what plugins declare for accounts (AccountIdentities, AccountFeatures).
func (d *Disco) accountInfo(ctx context.Context, req *sdk.Request) (*etree.Element, error) {
	ok, err := d.mayDisclose(ctx, req)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, stanza.New(stanza.ServiceUnavailable)
	}
	s, err := d.current(ctx)
	if err != nil {
		return nil, err
	}
	if node := queryNode(req); node != "" {
		// A node the requester may see is a pubsub leaf (XEP-0060 §5.3).
		nodes := d.accountNodes(ctx, s, req)
		if !slices.ContainsFunc(nodes, func(n discoapi.NodeInfo) bool { return n.Node == node }) {
			return nil, stanza.New(stanza.ItemNotFound)
		}
		return infoQuery(node, []caps.Identity{{Category: "pubsub", Type: "leaf"}}, []string{NSInfo, nsPubsub}), nil
	}
	return infoQuery("", s.accountIdentities, s.accountFeatures), nil
}

// accountItems answers disco#items to an account's bare JID with its
// available resources and the nodes kept on it that the requester may
// see (XEP-0060 §5.2, as Prosody and ejabberd list PEP nodes), to those
// who may see the account; everyone else gets an empty list (XEP-0030
// §8), whether or not the account exists.
func (d *Disco) accountItems(ctx context.Context, req *sdk.Request) (*etree.Element, error) {
	q := sdk.NewElement(NSItems, "query")
	ok, err := d.mayDisclose(ctx, req)
	if err != nil || !ok {
		return q, err
	}
	if node := queryNode(req); node != "" {
		return nil, stanza.New(stanza.ItemNotFound)
	}
	host, _ := d.state()
	sessions, err := host.Sessions(ctx, req.To)
	if err != nil {
		return nil, fmt.Errorf("listing the resources of %s: %w", req.To, err)
	}
	for _, s := range sessions {
		if s.Available {
			q.CreateElement("item").CreateAttr("jid", s.JID)
		}
	}
	s, err := d.current(ctx)
	if err != nil {
		return nil, err
	}
	for _, n := range d.accountNodes(ctx, s, req) {
		it := q.CreateElement("item")
		it.CreateAttr("jid", req.To)
		it.CreateAttr("node", n.Node)
		if n.Title != "" {
			it.CreateAttr("name", n.Title)
		}
	}
	return q, nil
}

// mayDisclose reports whether the account req is addressed to exists and
// the sender may learn about it: it is the sender's own, or the sender
// receives its presence.
func (d *Disco) mayDisclose(ctx context.Context, req *sdk.Request) (bool, error) {
	owner := req.To
	requester, _, _ := strings.Cut(req.From, "/")
	if requester == owner {
		return true, nil
	}
	host, _ := d.state()
	local, _, _ := strings.Cut(owner, "@")
	exists, err := host.Accounts().Exists(ctx, local)
	if err != nil {
		return false, fmt.Errorf("looking up the account %s: %w", owner, err)
	}
	if !exists {
		return false, nil
	}
	return rosterapi.ReceivesPresenceOf(ctx, host, owner, requester)
}

const nsPubsub = "http://jabber.org/protocol/pubsub"

// accountNodes asks each plugin keeping nodes on accounts for those of
// the account req is addressed to that its sender may see. A plugin that
// fails is logged and left out: the rest of the answer stands.
func (d *Disco) accountNodes(ctx context.Context, s *snapshot, req *sdk.Request) []discoapi.NodeInfo {
	if len(s.nodeSources) == 0 {
		return nil
	}
	host, _ := d.state()
	requester, _, _ := strings.Cut(req.From, "/")
	var out []discoapi.NodeInfo
	for _, src := range s.nodeSources {
		r, err := discoapi.ReadNodes(ctx, host, src, discoapi.NodesRequest{Owner: req.To, Requester: requester})
		if err != nil {
			host.Logger().Warn("listing the nodes of an account", "plugin", src, "account", req.To, "error", err)
			continue
		}
		out = append(out, r.Nodes...)
	}
	return out
}
