package roster

import (
	"maps"
	"slices"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/plugins/roster/rosterapi"
	"github.com/switchboard-xmpp/switchboard/sdk"
)

// The types other plugins see are rosterapi's: that package is what
// they import, and these names keep the plugin's own code short.
type (
	Item    = rosterapi.Item
	Removed = rosterapi.Removed
	Items   = rosterapi.Items
)

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
func elementOf(it Item) *etree.Element {
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
