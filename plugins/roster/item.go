package roster

import (
	"maps"
	"slices"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/sdk"
)

// Item is a roster item as the items method and the changed topic carry
// it to other plugins, in JSON.
type Item struct {
	JID          string   `json:"jid"`
	Name         string   `json:"name"`
	Subscription string   `json:"subscription"` // none, to, from or both
	Ask          string   `json:"ask"`          // "subscribe" or ""
	Approved     bool     `json:"approved"`
	Groups       []string `json:"groups"`
	// Managed: a plugin put the item in the roster (see the managed
	// method); the owner cannot remove it.
	Managed bool `json:"managed,omitempty"`
}

// Removed is what the changed topic carries when an item leaves a roster.
type Removed struct {
	JID     string `json:"jid"`
	Removed bool   `json:"removed"`
}

// Items is the items method's answer. Requests are the subscription
// requests the owner has not answered (what the pending method returns),
// read with the items: presence needs both at an account's first initial
// presence, and one call instead of two was a tenth of a login's CPU.
type Items struct {
	Ver      string   `json:"ver"`
	Items    []Item   `json:"items"`
	Requests []string `json:"requests"`
}

// itemOf is the item as clients and other plugins see it. A managed item
// shares presence both ways whatever the own part says, which stays
// beneath, unchanged, for when the managed parts go: subscription both,
// nothing pending; the owner's name, or else a managed one; the owner's
// groups and then the managed ones, each once.
func itemOf(contact string, r *record) Item {
	it := Item{JID: contact, Subscription: r.Sub, Approved: r.Approved}
	if r.own() {
		it.Name, it.Groups = r.Name, slices.Clone(r.Groups)
	}
	if r.Ask {
		it.Ask = "subscribe"
	}
	if r.managed() {
		it.Subscription, it.Ask, it.Approved, it.Managed = "both", "", false, true
		for _, caller := range slices.Sorted(maps.Keys(r.Managed)) {
			m := r.Managed[caller]
			if it.Name == "" {
				it.Name = m.Name
			}
			for _, g := range m.Groups {
				if !slices.Contains(it.Groups, g) {
					it.Groups = append(it.Groups, g)
				}
			}
		}
	}
	if it.Subscription == "" {
		it.Subscription = "none"
	}
	if it.Groups == nil {
		it.Groups = []string{}
	}
	return it
}

// element writes an item as RFC 6121 §2.1.2 does.
func (it Item) element() *etree.Element {
	el := etree.NewElement("item")
	el.CreateAttr("jid", it.JID)
	if it.Name != "" {
		el.CreateAttr("name", it.Name)
	}
	el.CreateAttr("subscription", it.Subscription)
	if it.Ask != "" {
		el.CreateAttr("ask", it.Ask)
	}
	if it.Approved {
		el.CreateAttr("approved", "true")
	}
	for _, g := range it.Groups {
		el.CreateElement("group").SetText(g)
	}
	return el
}

// query returns <query xmlns='jabber:iq:roster' ver='…'/>.
func query(ver string) *etree.Element {
	q := sdk.NewElement(NS, "query")
	q.CreateAttr("ver", ver)
	return q
}
