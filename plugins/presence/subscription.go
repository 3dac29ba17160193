package presence

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/sdk"
)

// subscriptionRequest and subscriptionResult are roster's subscription
// method, as presence calls it.
type subscriptionRequest struct {
	From   string `json:"from"`
	To     string `json:"to"`
	Stanza string `json:"stanza"`
}

type subscriptionResult struct {
	Deliver []string `json:"deliver"`
}

type pendingResult struct {
	Requests []string `json:"requests"`
}

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
	payload, err := json.Marshal(subscriptionRequest{From: from, To: to, Stanza: xmlString(req.Stanza)})
	if err != nil {
		return nil, fmt.Errorf("encoding a subscription stanza: %w", err)
	}
	b, err := host.Call(ctx, "roster", "subscription", payload)
	if err != nil {
		return nil, fmt.Errorf("applying %s from %s to %s: %w", req.Stanza.SelectAttrValue("type", ""), from, to, err)
	}
	var res subscriptionResult
	if err := json.Unmarshal(b, &res); err != nil {
		return nil, fmt.Errorf("decoding roster's answer: %w", err)
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
	b, err := host.Call(ctx, "roster", "pending", []byte(bare))
	if err != nil {
		return nil, fmt.Errorf("reading the pending requests of %s: %w", bare, err)
	}
	var res pendingResult
	if err := json.Unmarshal(b, &res); err != nil {
		return nil, fmt.Errorf("decoding roster's answer: %w", err)
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
