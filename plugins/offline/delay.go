package offline

import (
	"time"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/sdk"
)

// NSDelay is the namespace of XEP-0203: Delayed Delivery.
const NSDelay = "urn:xmpp:delay"

// stampFormat is XEP-0082's DateTime, in UTC, to the millisecond.
const stampFormat = "2006-01-02T15:04:05.000Z"

// stampDelay adds the notice that the server kept the message since t, as
// XEP-0160 §2 recommends:
// <delay xmlns='urn:xmpp:delay' from='DOMAIN' stamp='…'>Offline Storage</delay>.
func stampDelay(msg *etree.Element, domain string, t time.Time) {
	d := sdk.NewElement(NSDelay, "delay")
	d.CreateAttr("from", domain)
	d.CreateAttr("stamp", t.UTC().Format(stampFormat))
	d.SetText("Offline Storage")
	msg.AddChild(d)
}

// ownDelay returns the delay notice the server put on msg, or nil. Delays
// that others added (a client's own, XEP-0203 allows several) are theirs.
func ownDelay(msg *etree.Element, domain string) *etree.Element {
	for _, c := range msg.ChildElements() {
		if c.Tag == "delay" && c.NamespaceURI() == NSDelay && c.SelectAttrValue("from", "") == domain {
			return c
		}
	}
	return nil
}
