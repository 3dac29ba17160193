package e2e

import (
	"testing"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/test/rawxmpp"
)

// TestPingToOwnAccount: a ping without 'to', or to the user's own bare
// JID, is addressed to the account, which the server answers for (RFC
// 6120 §10.3.3). Clients such as profanity ping that way, and turn their
// keepalive off when the answer is an error.
func TestPingToOwnAccount(t *testing.T) {
	srv := featureServer(t)
	alice, aliceJID := login(t, srv, "alice", "a")

	r := iq(t, alice, "p1", "<iq type='get' id='p1'><ping xmlns='urn:xmpp:ping'/></iq>")
	if r.SelectAttrValue("type", "") != "result" || r.SelectAttr("from") != nil || r.SelectAttrValue("to", "") != aliceJID {
		t.Errorf("ping without 'to': %s, want a result without 'from'", rawxmpp.Describe(r))
	}
	r = iq(t, alice, "p2", "<iq type='get' id='p2' to='alice@localhost'><ping xmlns='urn:xmpp:ping'/></iq>")
	if r.SelectAttrValue("type", "") != "result" || r.SelectAttrValue("from", "") != "alice@localhost" {
		t.Errorf("ping to the own bare JID: %s, want a result from it", rawxmpp.Describe(r))
	}
	// Another account's bare JID is not the sender's to ping: the same
	// error whether the account exists or not.
	for _, to := range []string{"bob@localhost", "nobody@localhost"} {
		r = iq(t, alice, "p3", "<iq type='get' id='p3' to='%s'><ping xmlns='urn:xmpp:ping'/></iq>", to)
		if got := errorCondition(r); got != "service-unavailable" {
			t.Errorf("ping to %s: %s, want service-unavailable", to, rawxmpp.Describe(r))
		}
	}
}

// TestOwnResourcesSeeEachOther: each resource of an account learns of the
// others' presence, whichever came first (RFC 6121 §4.2.2: an account is
// subscribed to itself), and of their going offline (§4.5.2).
func TestOwnResourcesSeeEachOther(t *testing.T) {
	srv := featureServer(t)
	phone, phoneJID := login(t, srv, "alice", "phone")
	phone.Send("<presence><show>away</show><status>on the train</status></presence>")
	if _, err := phone.Expect(presenceFrom(phoneJID, "on the train")); err != nil {
		t.Fatalf("the phone's own presence: %v", err)
	}

	desk, deskJID := login(t, srv, "alice", "desk")
	el, err := desk.Expect(presenceFrom(phoneJID, "on the train"))
	if err != nil {
		t.Fatalf("the new resource never got the phone's presence: %v", err)
	}
	if show := el.FindElement("show"); show == nil || show.Text() != "away" || el.SelectAttrValue("type", "") != "" {
		t.Errorf("the phone's presence at the desk: %s", rawxmpp.Describe(el))
	}
	if _, err := phone.Expect(presenceFrom(deskJID, "")); err != nil {
		t.Fatalf("the phone never got the new resource's presence: %v", err)
	}

	phone.Send("<presence type='unavailable'/>")
	if _, err := desk.Expect(func(el *etree.Element) bool {
		return el.Tag == "presence" && el.SelectAttrValue("from", "") == phoneJID && el.SelectAttrValue("type", "") == "unavailable"
	}); err != nil {
		t.Fatalf("the desk never heard the phone go offline: %v", err)
	}
}

// presenceFrom matches available presence from a full JID, with the
// status given ("" for any).
func presenceFrom(full, status string) func(*etree.Element) bool {
	return func(el *etree.Element) bool {
		if el.Tag != "presence" || el.SelectAttrValue("from", "") != full || el.SelectAttrValue("type", "") != "" {
			return false
		}
		s := el.FindElement("status")
		return status == "" || (s != nil && s.Text() == status)
	}
}

// errorCondition is the defined condition of an error stanza, "" for
// anything else.
func errorCondition(el *etree.Element) string {
	if e := el.SelectElement("error"); e != nil && len(e.ChildElements()) > 0 {
		return e.ChildElements()[0].Tag
	}
	return ""
}
