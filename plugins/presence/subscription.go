package presence

import (
	"context"
	"fmt"
	"strings"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/plugins/roster/rosterapi"
	"github.com/switchboard-xmpp/switchboard/sdk"
)

// handleSubscription takes subscribe, subscribed, unsubscribe and
// unsubscribed (RFC 6121 §3). Both parties are accounts here, so one call
// is the whole exchange: roster applies the sender's outbound transition
// and the recipient's inbound one (Appendix A), pushes the changed items
// to both, and returns what to deliver — the stanza stamped with the
// sender's bare JID, an automatic answer — which presence sends. What
// else follows, such as the approver's presence, comes from roster's
// changed topic (see rosterChanged).
func (p *Presence) handleSubscription(ctx context.Context, req *sdk.Request) (*etree.Element, error) {
	host, _ := p.env()
	from, to := bareOf(req.From), bareOf(req.To)
	res, err := rosterapi.Subscribe(ctx, host, rosterapi.SubscriptionRequest{From: from, To: to, Stanza: xmlString(req.Stanza)})
	if err != nil {
		return nil, fmt.Errorf("applying %s from %s to %s: %w", req.Stanza.SelectAttrValue("type", ""), from, to, err)
	}
	out, err := parseAll(res.Deliver)
	if err != nil {
		return nil, err
	}
	return nil, p.sendAll(ctx, out)
}

// pendingRequests are the subscription requests an account has not
// answered, to deliver again when it comes online (§3.1.3).
func (p *Presence) pendingRequests(ctx context.Context, bare string) ([]outgoing, error) {
	host, _ := p.env()
	res, err := rosterapi.Pending(ctx, host, bare)
	if err != nil {
		return nil, err
	}
	return parseAll(res.Requests)
}

// parseAll reads stanzas that roster wrote, each addressed.
func parseAll(xml []string) ([]outgoing, error) {
	out := make([]outgoing, 0, len(xml))
	for _, s := range xml {
		doc := etree.NewDocument()
		if err := doc.ReadFromString(s); err != nil || doc.Root() == nil {
			return nil, fmt.Errorf("roster returned a malformed stanza %q", s)
		}
		el := doc.Root()
		out = append(out, outgoing{el, el.SelectAttrValue("to", "")})
	}
	return out, nil
}

func xmlString(el *etree.Element) string {
	var b strings.Builder
	el.WriteTo(&b, &etree.WriteSettings{})
	return b.String()
}
