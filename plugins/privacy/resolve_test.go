package privacy

import (
	"fmt"
	"slices"
	"testing"

	"mellium.im/xmpp/jid"

	"github.com/switchboard-xmpp/switchboard/sdk"
)

// reference decides a stanza by XEP-0016 §2 directly, item by item, with
// the roster at hand; compile's rules must decide every case the same.
// Like compile, it counts contacts without a localpart as unknown.
func reference(owner string, l List, roster []contact, peer jid.JID, kind sdk.FilterStanza) bool {
	if peer.Bare().String() == owner {
		return false // one's own resources are never blocked
	}
	var c *contact
	for i := range roster {
		if roster[i].JID == peer.Bare().String() && peer.Localpart() != "" {
			c = &roster[i]
		}
	}
	for _, it := range l.Items {
		if it.Kinds != 0 && stanzasOf(it.Kinds)&kind == 0 {
			continue
		}
		var hit bool
		switch it.Type {
		case "":
			hit = true
		case "jid":
			hit = matches(it.Value, peer)
		case "group":
			hit = c != nil && slices.Contains(c.Groups, it.Value)
		case "subscription":
			sub := "none"
			if c != nil && c.Subscription != "" {
				sub = c.Subscription
			}
			hit = sub == it.Value
		}
		if hit {
			return it.Deny
		}
	}
	return false
}

func TestCompileAgreesWithXEP0016(t *testing.T) {
	const owner = "juliet@localhost"
	roster := []contact{
		{JID: "romeo@localhost", Subscription: "both", Groups: []string{"Friends"}},
		{JID: "nurse@localhost", Subscription: "to", Groups: []string{"Household"}},
		{JID: "benvolio@localhost", Subscription: "from", Groups: []string{"Friends", "Montagues"}},
		{JID: "paris@localhost", Subscription: "none", Groups: []string{"Suitors"}},
		{JID: "gateway.localhost", Subscription: "both"}, // no localpart: left out
	}
	deny := func(order uint32, typ, value string, k Kinds) Item {
		return Item{Type: typ, Value: value, Deny: true, Order: order, Kinds: k}
	}
	allow := func(order uint32, typ, value string, k Kinds) Item {
		return Item{Type: typ, Value: value, Order: order, Kinds: k}
	}
	lists := map[string][]Item{
		"blocked jid":          {deny(1, "jid", "tybalt@localhost", 0)},
		"whitelist":            {allow(1, "jid", "romeo@localhost", 0), deny(2, "", "", 0)},
		"full jid":             {deny(1, "jid", "romeo@localhost/orchard", KindMessage)},
		"domain":               {allow(1, "jid", "romeo@example.org", 0), deny(2, "jid", "example.org", 0)},
		"domain/resource":      {deny(1, "jid", "example.org/bot", KindIQ)},
		"group":                {deny(1, "group", "Friends", KindPresenceOut), allow(2, "group", "Household", 0), deny(3, "", "", KindMessage)},
		"subscription both":    {allow(1, "subscription", "both", 0), deny(2, "", "", 0)},
		"subscription none":    {deny(1, "subscription", "none", 0)},
		"none then others":     {deny(1, "subscription", "none", KindMessage|KindIQ), deny(2, "jid", "romeo@localhost/orchard", 0), allow(3, "group", "Friends", KindPresenceIn), deny(4, "subscription", "to", KindPresenceIn), deny(5, "jid", "localhost", KindPresenceOut)},
		"invisible":            {deny(1, "", "", KindPresenceOut)},
		"two none":             {deny(1, "subscription", "none", KindPresenceIn), deny(2, "subscription", "none", KindMessage), deny(3, "subscription", "from", 0)},
		"self in a deny-all":   {deny(1, "jid", owner, 0), deny(2, "", "", 0)},
		"kinds combined":       {deny(1, "jid", "nurse@localhost", KindMessage|KindPresenceIn), allow(2, "", "", KindPresenceIn)},
		"nothing but allowing": {allow(1, "", "", 0)},
	}
	peers := []string{
		"romeo@localhost", "romeo@localhost/orchard", "romeo@localhost/other", "nurse@localhost/kitchen",
		"benvolio@localhost/x", "paris@localhost/y", "tybalt@localhost/z", "stranger@example.org/a",
		"romeo@example.org/b", "example.org", "example.org/bot", "gateway.localhost", "localhost",
		"juliet@localhost/chamber",
	}
	kinds := []sdk.FilterStanza{sdk.MessageIn, sdk.MessageOut, sdk.IQIn, sdk.PresenceIn, sdk.PresenceOut}
	for name, items := range lists {
		l := List{Name: name, Items: items}
		rules := compile(owner, l, roster)
		for _, p := range peers {
			peer, err := jid.Parse(p)
			if err != nil {
				t.Fatal(err)
			}
			for _, k := range kinds {
				want := reference(owner, l, roster, peer, k)
				if got := denied(rules, peer, k); got != want {
					t.Errorf("list %q, peer %s, kind %d: denied = %v, want %v\nrules: %+v", name, p, k, got, want, rules)
				}
			}
		}
	}
}

func TestCompileReportsWholeBlocks(t *testing.T) {
	l := List{Items: []Item{
		{Type: "jid", Value: "tybalt@localhost", Deny: true, Order: 1},
		{Type: "jid", Value: "paris@localhost", Deny: true, Order: 2, Kinds: KindMessage},
	}}
	rules := compile("juliet@localhost", l, nil)
	want := []sdk.FilterRule{
		{Action: sdk.Allow, JID: "juliet@localhost"},
		{Action: sdk.Deny, JID: "tybalt@localhost", ReportBlocked: true},
		{Action: sdk.Deny, JID: "paris@localhost", Stanzas: sdk.MessageIn},
	}
	if !slices.Equal(rules, want) {
		t.Errorf("rules =\n %+v\nwant\n %+v", rules, want)
	}
	if got := compile("juliet@localhost", List{}, nil); got != nil {
		t.Errorf("an empty list compiles to %+v, want no rules", got)
	}
}

func TestPrepend(t *testing.T) {
	item := func(order uint32) Item { return Item{Order: order} }
	tests := []struct {
		items []uint32
		add   int
		want  []uint32
	}{
		{nil, 2, []uint32{1, 2}},
		{[]uint32{10, 20}, 2, []uint32{8, 9, 10, 20}},
		{[]uint32{2, 5}, 2, []uint32{0, 1, 2, 5}},
		{[]uint32{1, 5}, 2, []uint32{1, 2, 3, 4}}, // no room: renumbered
		{[]uint32{7}, 0, []uint32{7}},
	}
	for _, tt := range tests {
		var items []Item
		for _, o := range tt.items {
			items = append(items, item(o))
		}
		var jids []string
		for i := range tt.add {
			jids = append(jids, fmt.Sprintf("u%d@localhost", i))
		}
		var got []uint32
		for _, it := range prepend(items, jids) {
			got = append(got, it.Order)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("prepend(%v, %d) orders = %v, want %v", tt.items, tt.add, got, tt.want)
		}
	}
}
