package disco

import (
	"context"
	"fmt"
	"strings"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/sdk"
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
	if queryNode(req) != "" {
		return nil, stanza.New(stanza.ItemNotFound)
	}
	s, err := d.current(ctx)
	if err != nil {
		return nil, err
	}
	return infoQuery("", s.accountIdentities, s.accountFeatures), nil
}

// accountItems answers disco#items to an account's bare JID with its
// available resources, to those who may see them; everyone else gets an
// empty list (XEP-0030 §8), whether or not the account exists.
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
	return seesPresence(ctx, host, owner, requester)
}
