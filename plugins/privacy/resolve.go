package privacy

import (
	"slices"

	"mellium.im/xmpp/jid"

	"github.com/switchboard-xmpp/switchboard/sdk"
)

// compile turns a privacy list into the rules the core evaluates: first
// match wins, JIDs matched as XEP-0016 §2.1 says. Groups and subscription
// states become the JIDs of the roster's contacts (contacts without a
// localpart, such as gateways, are left out: a rule for a domain would
// match all of its users). The first rule always allows the owner's own
// resources, which no list may block (XEP-0016 §2.1, note 1).
func compile(owner string, l List, roster []contact) []sdk.FilterRule {
	if len(l.Items) == 0 {
		return nil
	}
	roster = slices.DeleteFunc(slices.Clone(roster), func(c contact) bool {
		j, err := jid.Parse(c.JID)
		return err != nil || j.Localpart() == "" || j.Resourcepart() != ""
	})
	rules := []sdk.FilterRule{{Action: sdk.Allow, JID: owner}}
	for i, it := range l.Items {
		switch {
		case it.Type == "":
			rules = append(rules, ruleFor(it, ""))
		case it.Type == "jid":
			rules = append(rules, ruleFor(it, it.Value))
		case it.Type == "subscription" && it.Value == "none":
			rules = append(rules, exceptContacts(it, l.Items[i+1:], roster)...)
		default:
			for _, c := range roster {
				if itemMatchesContact(it, c) {
					rules = append(rules, ruleFor(it, c.JID))
				}
			}
		}
	}
	return rules
}

// exceptContacts compiles a subscription "none" item: it applies to
// everyone except the contacts with a subscription. The core's rules
// cannot say "skip this rule", so each such contact gets, ahead of the
// catch-all, what the later items decide for it, closed by an allow for
// the item's kinds (the fall-through action, XEP-0016 §2.2 rule 7).
func exceptContacts(it Item, later []Item, roster []contact) []sdk.FilterRule {
	var rules []sdk.FilterRule
	for _, c := range roster {
		if c.Subscription == "none" || c.Subscription == "" {
			continue
		}
		for _, lt := range later {
			if pattern, ok := restrict(lt, c); ok {
				rules = append(rules, ruleFor(lt, pattern))
			}
		}
		rules = append(rules, sdk.FilterRule{Action: sdk.Allow, JID: c.JID, Stanzas: stanzasOf(it.Kinds)})
	}
	return append(rules, ruleFor(it, ""))
}

// restrict returns the rule pattern that item it has for contact c's
// addresses: c's bare JID when it matches all of them, one full JID of c
// when it matches only that, and false when it matches none.
func restrict(it Item, c contact) (string, bool) {
	switch it.Type {
	case "":
		return c.JID, true
	case "jid":
		bare, _ := jid.Parse(c.JID)
		if matches(it.Value, bare) {
			return c.JID, true
		}
		if p, err := jid.Parse(it.Value); err == nil && p.Resourcepart() != "" && p.Bare().Equal(bare) {
			return it.Value, true
		}
		return "", false
	}
	return c.JID, itemMatchesContact(it, c)
}

// itemMatchesContact applies a group or subscription item to a contact.
func itemMatchesContact(it Item, c contact) bool {
	switch it.Type {
	case "group":
		return slices.Contains(c.Groups, it.Value)
	case "subscription":
		sub := c.Subscription
		if sub == "" {
			sub = "none"
		}
		return sub == it.Value
	}
	return false
}

func ruleFor(it Item, pattern string) sdk.FilterRule {
	r := sdk.FilterRule{Action: sdk.Allow, JID: pattern, Stanzas: stanzasOf(it.Kinds)}
	if it.Deny {
		r.Action = sdk.Deny
		// A user writing to someone they block entirely is told so
		// (XEP-0191 §3.3; XEP-0016 §2.11 asks for not-acceptable).
		r.ReportBlocked = it.Kinds == 0
	}
	return r
}

// stanzasOf maps an item's kinds to the core's bits. No kind means every
// stanza in both directions (XEP-0016 §2.10), outgoing messages included.
func stanzasOf(k Kinds) sdk.FilterStanza {
	var s sdk.FilterStanza
	for _, m := range []struct {
		k Kinds
		s sdk.FilterStanza
	}{{KindMessage, sdk.MessageIn}, {KindIQ, sdk.IQIn}, {KindPresenceIn, sdk.PresenceIn}, {KindPresenceOut, sdk.PresenceOut}} {
		if k&m.k != 0 {
			s |= m.s
		}
	}
	return s
}

// denied evaluates rules as the core does (core/filter): the first rule
// whose kinds include kind and whose JID matches peer decides.
func denied(rules []sdk.FilterRule, peer jid.JID, kind sdk.FilterStanza) bool {
	for _, r := range rules {
		if r.Stanzas != 0 && r.Stanzas&kind == 0 {
			continue
		}
		if r.JID == "" || matches(r.JID, peer) {
			return r.Action == sdk.Deny
		}
	}
	return false
}

// matches compares peer with a rule's JID as XEP-0016 §2.1 says: a full
// JID matches itself, a bare JID any of its resources, domain/resource
// that address only, a domain anything at it.
func matches(pattern string, peer jid.JID) bool {
	p, err := jid.Parse(pattern)
	if err != nil || p.Domainpart() != peer.Domainpart() {
		return false
	}
	switch {
	case p.Localpart() != "" && p.Resourcepart() != "":
		return p.Equal(peer)
	case p.Localpart() != "":
		return p.Localpart() == peer.Localpart()
	case p.Resourcepart() != "":
		return peer.Localpart() == "" && peer.Resourcepart() == p.Resourcepart()
	}
	return true
}
