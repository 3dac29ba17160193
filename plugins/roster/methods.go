package roster

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/plugins/roster/rosterapi"
	"github.com/switchboard-xmpp/switchboard/sdk/stanza"
)

type (
	SubscriptionRequest = rosterapi.SubscriptionRequest
	SubscriptionResult  = rosterapi.SubscriptionResult
	PendingResult       = rosterapi.PendingResult
)

// methodItems returns an owner's roster (the payload is the bare JID).
func (r *Roster) methodItems(ctx context.Context, _ string, payload []byte) ([]byte, error) {
	owner, err := parseBare(string(payload))
	if err != nil {
		return nil, stanza.Errorf(stanza.BadRequest, err.Error())
	}
	host, _, _ := r.env()
	st := host.Store(owner)
	ver, err := version(ctx, st)
	if err != nil {
		return nil, fmt.Errorf("reading the roster version of %s: %w", owner, err)
	}
	entries, err := loadAll(ctx, st)
	if err != nil {
		return nil, fmt.Errorf("reading the roster of %s: %w", owner, err)
	}
	out := Items{Ver: ver, Items: []Item{}, Requests: pendingOf(owner, entries)}
	for _, e := range entries {
		if e.rec.listed() {
			out.Items = append(out.Items, itemOf(e.contact, e.rec))
		}
	}
	return json.Marshal(out)
}

// methodPending returns the requests an owner has not answered yet (the
// payload is the bare JID), for delivery at login (RFC 6121 §3.1.3).
func (r *Roster) methodPending(ctx context.Context, _ string, payload []byte) ([]byte, error) {
	owner, err := parseBare(string(payload))
	if err != nil {
		return nil, stanza.Errorf(stanza.BadRequest, err.Error())
	}
	host, _, _ := r.env()
	entries, err := loadAll(ctx, host.Store(owner))
	if err != nil {
		return nil, fmt.Errorf("reading the roster of %s: %w", owner, err)
	}
	return json.Marshal(PendingResult{Requests: pendingOf(owner, entries)})
}

// pendingOf is the requests among entries that owner has not answered,
// each a presence stanza from the requester as it was sent; never nil.
func pendingOf(owner string, entries []entry) []string {
	out := []string{}
	for _, e := range entries {
		// A managed contact already shares presence both ways: its
		// request waits, unshown, for the managed parts to go.
		if !e.rec.PendingIn || e.rec.managed() {
			continue
		}
		req := e.rec.Request
		if req == "" {
			req = xmlString(subscriptionStanza(e.contact, owner, "subscribe"))
		}
		out = append(out, req)
	}
	return out
}

// methodSubscription applies a subscription stanza between two accounts
// and returns what to deliver (see exchange).
func (r *Roster) methodSubscription(ctx context.Context, _ string, payload []byte) ([]byte, error) {
	var req SubscriptionRequest
	if err := json.Unmarshal(payload, &req); err != nil {
		return nil, stanza.Errorf(stanza.BadRequest, "decoding the request: "+err.Error())
	}
	from, err := parseBare(req.From)
	if err != nil {
		return nil, stanza.Errorf(stanza.BadRequest, err.Error())
	}
	to, err := parseBare(req.To)
	if err != nil {
		return nil, stanza.Errorf(stanza.JIDMalformed, err.Error())
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromString(req.Stanza); err != nil || doc.Root() == nil || doc.Root().Tag != "presence" {
		return nil, stanza.Errorf(stanza.BadRequest, "the stanza is not a presence")
	}
	if from == to {
		return json.Marshal(SubscriptionResult{Deliver: []string{}}) // one is always subscribed to oneself
	}
	deliver, err := r.exchange(ctx, from, to, doc.Root())
	if err != nil {
		return nil, err
	}
	out := SubscriptionResult{Deliver: make([]string, len(deliver))}
	for i, el := range deliver {
		out.Deliver[i] = xmlString(el)
	}
	return json.Marshal(out)
}
