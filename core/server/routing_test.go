package server

import (
	"github.com/beevik/etree"

	"testing"

	"github.com/switchboard-xmpp/switchboard/test/rawxmpp"
)

func TestMessageBetweenTwoUsers(t *testing.T) {
	s := start(t, nil)
	alice, aliceJID := s.login(t, "alice", "home")
	bob, _ := s.login(t, "bob", "work")
	// An answer to bob says his initial presence, sent before, is handled:
	// the message to his bare JID below needs him available.
	bob.Send("<iq type='get' to='localhost' id='sync'><query xmlns='urn:example:none'/></iq>")
	if _, err := bob.Expect(rawxmpp.ID("sync")); err != nil {
		t.Fatal(err)
	}

	// Naming herself by her bare JID is allowed; the server stamps the
	// full JID.
	alice.Send("<message to='bob@localhost/work' from='alice@localhost' type='chat' id='m1'><body>hi &amp; bye</body></message>")
	el, err := bob.Expect(rawxmpp.ID("m1"))
	if err != nil {
		t.Fatal(err)
	}
	if got := el.SelectAttrValue("from", ""); got != aliceJID {
		t.Errorf("from = %q, want %q", got, aliceJID)
	}
	if got := el.FindElement("body").Text(); got != "hi & bye" {
		t.Errorf("body = %q", got)
	}
	// To the bare JID: the one available resource gets it.
	alice.Send("<message to='bob@localhost' type='chat' id='m2'><body>bare</body></message>")
	if _, err := bob.Expect(rawxmpp.ID("m2")); err != nil {
		t.Fatal(err)
	}
}

func TestBareJIDRoutingByPriority(t *testing.T) {
	s := start(t, nil)
	alice, _ := s.login(t, "alice", "a")
	low, _ := s.login(t, "bob", "low")
	high, _ := s.login(t, "bob", "high")
	neg, _ := s.login(t, "bob", "neg")
	low.Send("<presence><priority>1</priority></presence>")
	high.Send("<presence><priority>10</priority></presence>")
	neg.Send("<presence><priority>-5</priority></presence>")
	// Presence is processed in order per stream; a ping-pong through each
	// client's stream makes sure the priorities are recorded.
	for _, c := range []*rawxmpp.Client{low, high, neg} {
		c.Send("<iq type='set' id='sync'><session xmlns='urn:ietf:params:xml:ns:xmpp-session'/></iq>")
		if _, err := c.Expect(rawxmpp.ID("sync")); err != nil {
			t.Fatal(err)
		}
	}
	alice.Send("<message to='bob@localhost' type='chat' id='p1'><body>to the top</body></message>")
	if _, err := high.Expect(rawxmpp.ID("p1")); err != nil {
		t.Fatal(err)
	}
	// Only the highest priority gets it: a marker sent to each full JID
	// right after must be the next stanza the others see.
	for _, c := range []struct {
		cl  *rawxmpp.Client
		jid string
	}{{low, "bob@localhost/low"}, {neg, "bob@localhost/neg"}} {
		alice.Sendf("<message to='%s' id='marker'/>", c.jid)
		el, err := c.cl.Expect(func(el *etree.Element) bool { return el.Tag == "message" })
		if err != nil {
			t.Fatal(err)
		}
		if id := el.SelectAttrValue("id", ""); id != "marker" {
			t.Errorf("%s received %s, want only the marker", c.jid, rawxmpp.Describe(el))
		}
	}
}

func TestRoutingErrors(t *testing.T) {
	s := start(t, nil)
	alice, _ := s.login(t, "alice", "r")
	tests := []struct {
		name, stanza, id, condition string
	}{
		{"message to unknown user", "<message to='nobody@localhost' type='chat' id='%s'><body>x</body></message>", "e1", "service-unavailable"},
		{"message to offline user", "<message to='bob@localhost' type='chat' id='%s'><body>x</body></message>", "e2", "service-unavailable"},
		{"other domain", "<message to='romeo@example.net' id='%s'><body>x</body></message>", "e3", "remote-server-not-found"},
		{"malformed to", "<message to='a@b@c/' id='%s'><body>x</body></message>", "e4", "jid-malformed"},
		{"unclaimed iq to server", "<iq type='get' to='localhost' id='%s'><query xmlns='urn:example:none'/></iq>", "e5", "service-unavailable"},
		{"unclaimed iq to self", "<iq type='get' id='%s'><query xmlns='jabber:iq:roster'/></iq>", "e6", "service-unavailable"},
		{"iq without child", "<iq type='get' to='localhost' id='%s'/>", "e7", "bad-request"},
		{"iq with two children", "<iq type='set' to='localhost' id='%s'><a xmlns='x'/><b xmlns='y'/></iq>", "e8", "bad-request"},
		{"iq to offline full JID", "<iq type='get' to='bob@localhost/gone' id='%s'><ping xmlns='urn:xmpp:ping'/></iq>", "e9", "service-unavailable"},
		{"second bind", "<iq type='set' id='%s'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>", "e10", "not-allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			alice.Sendf(tt.stanza, tt.id)
			expectStanzaError(t, alice, tt.id, tt.condition)
		})
	}
}

func TestIQResultsAreRoutedBack(t *testing.T) {
	s := start(t, nil)
	alice, aliceJID := s.login(t, "alice", "a")
	bob, bobJID := s.login(t, "bob", "b")
	alice.Sendf("<iq type='get' to='%s' id='v1'><query xmlns='jabber:iq:version'/></iq>", bobJID)
	req, err := bob.Expect(rawxmpp.ID("v1"))
	if err != nil {
		t.Fatal(err)
	}
	bob.Sendf("<iq type='result' to='%s' id='v1'><query xmlns='jabber:iq:version'><name>raw</name></query></iq>", req.SelectAttrValue("from", ""))
	res, err := alice.Expect(rawxmpp.ID("v1"))
	if err != nil {
		t.Fatal(err)
	}
	if res.SelectAttrValue("type", "") != "result" || res.SelectAttrValue("from", "") != bobJID || res.SelectAttrValue("to", "") != aliceJID {
		t.Errorf("result = %s", rawxmpp.Describe(res))
	}
}
