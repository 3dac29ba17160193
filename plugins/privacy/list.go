package privacy

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"

	"github.com/beevik/etree"
	"mellium.im/xmpp/jid"

	"github.com/switchboard-xmpp/switchboard/sdk/stanza"
)

// Kinds are the stanza kinds an item applies to (XEP-0016 §2.1), as bits;
// 0 means every kind, in both directions.
type Kinds uint8

// The kinds of stanza an item can name, in the order of the XEP's schema.
const (
	KindIQ Kinds = 1 << iota
	KindMessage
	KindPresenceIn
	KindPresenceOut
)

type kindName struct {
	kind Kinds
	name string
}

var kindNames = []kindName{{KindIQ, "iq"}, {KindMessage, "message"}, {KindPresenceIn, "presence-in"}, {KindPresenceOut, "presence-out"}}

// Item is one rule of a privacy list.
type Item struct {
	Type  string `json:"type,omitempty"` // "", jid, group or subscription
	Value string `json:"value,omitempty"`
	Deny  bool   `json:"deny,omitempty"`
	Order uint32 `json:"order"`
	Kinds Kinds  `json:"kinds,omitempty"`
}

// blocks reports whether the item is a blocked JID in the sense of
// XEP-0191 §5: type jid, action deny, every kind.
func (it Item) blocks() bool { return it.Type == "jid" && it.Deny && it.Kinds == 0 }

// List is a privacy list; its items are kept sorted by order.
type List struct {
	Name  string `json:"-"`
	Items []Item `json:"items"`
}

// dynamic reports whether the list depends on the roster.
func (l List) dynamic() bool {
	return slices.ContainsFunc(l.Items, func(it Item) bool { return it.Type == "group" || it.Type == "subscription" })
}

// blocked returns the JIDs the list blocks (XEP-0191 §5), in order.
func (l List) blocked() []string {
	var out []string
	for _, it := range l.Items {
		if it.blocks() {
			out = append(out, it.Value)
		}
	}
	return out
}

// parseList reads a <list/> of a set request, checking what XEP-0016 §2.1
// requires: a name, and items with an action, a unique order, a known
// type with a valid value, and known children.
func parseList(el *etree.Element, maxItems int) (List, error) {
	l := List{Name: el.SelectAttrValue("name", "")}
	if l.Name == "" {
		return l, stanza.Errorf(stanza.BadRequest, "a list needs a name")
	}
	items := el.ChildElements()
	if i := slices.IndexFunc(items, func(c *etree.Element) bool { return c.Tag != "item" }); i >= 0 {
		return l, stanza.Errorf(stanza.BadRequest, "a list holds only items, not <"+items[i].Tag+"/>")
	}
	if len(items) > maxItems {
		return l, stanza.Errorf(stanza.NotAcceptable, fmt.Sprintf("a list may hold at most %d items", maxItems))
	}
	seen := map[uint32]bool{}
	for _, ie := range items {
		it, err := parseItem(ie)
		if err != nil {
			return l, err
		}
		if seen[it.Order] {
			return l, stanza.Errorf(stanza.BadRequest, fmt.Sprintf("order %d is used twice", it.Order))
		}
		seen[it.Order] = true
		l.Items = append(l.Items, it)
	}
	slices.SortFunc(l.Items, func(a, b Item) int { return cmp.Compare(a.Order, b.Order) })
	return l, nil
}

func parseItem(el *etree.Element) (Item, error) {
	var it Item
	switch el.SelectAttrValue("action", "") {
	case "allow":
	case "deny":
		it.Deny = true
	default:
		return it, stanza.Errorf(stanza.BadRequest, "an item's action must be allow or deny")
	}
	order, err := strconv.ParseUint(el.SelectAttrValue("order", ""), 10, 32)
	if err != nil {
		return it, stanza.Errorf(stanza.BadRequest, "an item's order must be a non-negative integer")
	}
	it.Order = uint32(order)
	it.Type, it.Value = el.SelectAttrValue("type", ""), el.SelectAttrValue("value", "")
	if it.Value, err = checkValue(it.Type, it.Value); err != nil {
		return it, err
	}
	for _, c := range el.ChildElements() {
		i := slices.IndexFunc(kindNames, func(k kindName) bool { return k.name == c.Tag })
		if i < 0 {
			return it, stanza.Errorf(stanza.BadRequest, "unknown stanza kind <"+c.Tag+"/>")
		}
		it.Kinds |= kindNames[i].kind
	}
	return it, nil
}

// checkValue validates an item's value for its type, returning it
// prepared (a JID in its canonical form).
func checkValue(typ, value string) (string, error) {
	switch typ {
	case "":
		return "", nil
	case "jid":
		j, err := jid.Parse(value)
		if err != nil || value == "" {
			return "", stanza.Errorf(stanza.JIDMalformed, "not a valid JID: "+value)
		}
		return j.String(), nil
	case "group":
		if value == "" {
			return "", stanza.Errorf(stanza.BadRequest, "a group item needs a group name")
		}
		return value, nil
	case "subscription":
		switch value {
		case "none", "to", "from", "both":
			return value, nil
		}
		return "", stanza.Errorf(stanza.BadRequest, "a subscription item's value must be none, to, from or both")
	}
	return "", stanza.Errorf(stanza.BadRequest, "unknown item type "+strconv.Quote(typ))
}

// element writes the list as XEP-0016 §2.3 returns it.
func (l List) element() *etree.Element {
	el := etree.NewElement("list")
	el.CreateAttr("name", l.Name)
	for _, it := range l.Items {
		ie := el.CreateElement("item")
		if it.Type != "" {
			ie.CreateAttr("type", it.Type)
			ie.CreateAttr("value", it.Value)
		}
		ie.CreateAttr("action", "allow")
		if it.Deny {
			ie.SelectAttr("action").Value = "deny"
		}
		ie.CreateAttr("order", strconv.FormatUint(uint64(it.Order), 10))
		for _, k := range kindNames {
			if it.Kinds&k.kind != 0 {
				ie.CreateElement(k.name)
			}
		}
	}
	return el
}
