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

// errorCondition is the defined condition of an error stanza, "" for
// anything else.
func errorCondition(el *etree.Element) string {
	if e := el.SelectElement("error"); e != nil && len(e.ChildElements()) > 0 {
		return e.ChildElements()[0].Tag
	}
	return ""
}
