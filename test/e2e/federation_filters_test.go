package e2e

import (
	"testing"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/test/rawxmpp"
)

// TestFederationBlockingAppliesToRemoteSenders: alice@a.test blocks
// bob@b.test (XEP-0191); his messages, which come through s2s, are
// refused with service-unavailable back on his server and never reach
// her, while carol@b.test's, on the same stream, still do.
func TestFederationBlockingAppliesToRemoteSenders(t *testing.T) {
	a, b := federatedPair(t, []string{"alice"}, []string{"bob", "carol"})
	alice, aliceJID := a.login(t, "alice", "home")
	bob, _ := b.login(t, "bob", "phone")
	carol, _ := b.login(t, "carol", "phone")

	if r := iq(t, alice, "blk", "<iq type='set' id='blk'><block xmlns='urn:xmpp:blocking'><item jid='bob@b.test'/></block></iq>"); r.SelectAttrValue("type", "") != "result" {
		t.Fatalf("block: %s", rawxmpp.Describe(r))
	}
	bob.Sendf("<message to='%s' type='chat' id='b1'><body>hello?</body></message>", aliceJID)
	if cond := expectError(t, bob, "b1"); cond != "service-unavailable" {
		t.Errorf("bob's message to alice, whom he is blocked by: %s, want service-unavailable", cond)
	}
	carol.Sendf("<message to='%s' type='chat' id='c1'><body>hi</body></message>", aliceJID)
	// The first message alice gets is carol's: bob's never came.
	el, err := alice.Expect(func(el *etree.Element) bool { return el.Tag == "message" })
	if err != nil {
		t.Fatal(err)
	}
	if el.SelectAttrValue("id", "") != "c1" {
		t.Fatalf("alice got %s, want carol's c1 only", describe(el))
	}
}
