package e2e

import (
	"testing"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/test/rawxmpp"
)

// TestBind2Carbons: with the carbons plugin running, Bind2 offers
// XEP-0280 inline, and a session that enabled it there gets the carbons
// of its account's other session, as one enabled by IQ does.
func TestBind2Carbons(t *testing.T) {
	srv := featureServer(t)
	c, err := rawxmpp.Dial(srv.starttls)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Conn.Close()
	c.OpenStream("localhost")
	if err := c.StartTLS("localhost"); err != nil {
		t.Fatal(err)
	}
	f, err := c.Expect(rawxmpp.Is("features"))
	if err != nil {
		t.Fatal(err)
	}
	if f.FindElement("authentication/inline/bind/inline/feature[@var='urn:xmpp:carbons:2']") == nil {
		t.Fatalf("Bind2 does not offer carbons: %s", rawxmpp.Describe(f))
	}
	if _, err := c.SCRAM2("alice", "pw", "<bind xmlns='urn:xmpp:bind:0'><tag>desk</tag><enable xmlns='urn:xmpp:carbons:2'/></bind>"); err != nil {
		t.Fatal(err)
	}
	phone, phoneJID := login(t, srv, "alice", "phone")
	_, bobJID := login(t, srv, "bob", "b")
	phone.Sendf("<message to='%s' type='chat' id='out'><body>from the phone</body></message>", bobJID)
	el, err := c.Expect(func(el *etree.Element) bool { return el.FindElement("sent/forwarded/message") != nil })
	if err != nil {
		t.Fatal(err)
	}
	if inner := el.FindElement("sent/forwarded/message"); inner.SelectAttrValue("id", "") != "out" || inner.SelectAttrValue("from", "") != phoneJID {
		t.Errorf("sent carbon: %s", rawxmpp.Describe(el))
	}
}
