package roster_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/beevik/etree"
	"github.com/hashicorp/go-hclog"

	"github.com/switchboard-xmpp/switchboard/plugins/roster"
	"github.com/switchboard-xmpp/switchboard/sdk/sdktest"
)

// newHarness starts the roster with accounts for the given usernames.
func newHarness(t *testing.T, config map[string]any, users ...string) *sdktest.Harness {
	t.Helper()
	h := sdktest.New(t, roster.New(), sdktest.Options{Logger: hclog.NewNullLogger(), Config: config})
	for _, u := range users {
		if err := h.Accounts().Create(context.Background(), u, "secret"); err != nil {
			t.Fatal(err)
		}
	}
	return h
}

// interested makes full a resource that gets roster pushes.
func interested(t *testing.T, h *sdktest.Harness, full string) {
	t.Helper()
	if r := h.Handle(`<iq type='get' id='g'><query xmlns='jabber:iq:roster'/></iq>`, full); r.Err != nil {
		t.Fatalf("roster get: %v", r.Err)
	}
}

// send has from send a subscription stanza to the bare JID to, through
// the subscription method as presence calls it, and returns what to
// deliver.
func send(t *testing.T, h *sdktest.Harness, from, to, typ string) []string {
	t.Helper()
	return sendStanza(t, h, from, to, "<presence type='"+typ+"'/>")
}

func sendStanza(t *testing.T, h *sdktest.Harness, from, to, xml string) []string {
	t.Helper()
	payload, err := json.Marshal(roster.SubscriptionRequest{From: from, To: to, Stanza: xml})
	if err != nil {
		t.Fatal(err)
	}
	out, err := h.Invoke("subscription", "presence", payload)
	if err != nil {
		t.Fatalf("subscription %s → %s: %v", from, to, err)
	}
	var res roster.SubscriptionResult
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatal(err)
	}
	return canonicalAll(t, res.Deliver)
}

// item returns owner's item for contact through the items method, and
// whether there is one.
func item(t *testing.T, h *sdktest.Harness, owner, contact string) (roster.Item, bool) {
	t.Helper()
	for _, it := range items(t, h, owner).Items {
		if it.JID == contact {
			return it, true
		}
	}
	return roster.Item{}, false
}

func items(t *testing.T, h *sdktest.Harness, owner string) roster.Items {
	t.Helper()
	out, err := h.Invoke("items", "privacy", []byte(owner))
	if err != nil {
		t.Fatal(err)
	}
	var its roster.Items
	if err := json.Unmarshal(out, &its); err != nil {
		t.Fatal(err)
	}
	return its
}

// state is an item's subscription and ask, "none" when absent.
func state(t *testing.T, h *sdktest.Harness, owner, contact string) string {
	t.Helper()
	it, ok := item(t, h, owner, contact)
	switch {
	case !ok:
		return "absent"
	case it.Ask != "":
		return it.Subscription + "+ask"
	}
	return it.Subscription
}

func pending(t *testing.T, h *sdktest.Harness, owner string) []string {
	t.Helper()
	out, err := h.Invoke("pending", "presence", []byte(owner))
	if err != nil {
		t.Fatal(err)
	}
	var res roster.PendingResult
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatal(err)
	}
	return canonicalAll(t, res.Requests)
}

// sentSince returns what the plugin sent after the first n stanzas,
// canonicalised.
func sentSince(h *sdktest.Harness, n int) []string {
	var out []string
	for _, el := range h.Sent()[n:] {
		out = append(out, canonical(el))
	}
	return out
}

// pushesTo returns the items pushed to full among stanzas.
func pushesTo(h *sdktest.Harness, n int, full string) []string {
	var out []string
	for _, el := range h.Sent()[n:] {
		if el.Tag != "iq" || el.SelectAttrValue("to", "") != full {
			continue
		}
		for _, it := range el.FindElements("query/item") {
			out = append(out, canonical(it))
		}
	}
	return out
}

func canonicalAll(t *testing.T, xml []string) []string {
	t.Helper()
	var out []string
	for _, s := range xml {
		doc := etree.NewDocument()
		if err := doc.ReadFromString(s); err != nil {
			t.Fatal(err)
		}
		out = append(out, canonical(doc.Root()))
	}
	return out
}

// canonical writes el on one line with attributes sorted and quotes
// single, as the tests spell stanzas.
func canonical(el *etree.Element) string {
	c := el.Copy()
	sortAttrs(c)
	var b strings.Builder
	c.WriteTo(&b, &etree.WriteSettings{AttrSingleQuote: true})
	return b.String()
}

func sortAttrs(el *etree.Element) {
	el.SortAttrs()
	for _, c := range el.ChildElements() {
		sortAttrs(c)
	}
}

func event(t *testing.T, h *sdktest.Harness, ev sdktest.Event) {
	t.Helper()
	if err := h.Event(ev); err != nil {
		t.Fatal(err)
	}
}

var ctx = context.Background()
