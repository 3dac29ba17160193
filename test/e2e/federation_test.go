package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/test/rawxmpp"
)

// TestFederation: two servers, a.test and b.test, with certificates from
// a CA the test made and s2s.hosts naming each other, federate with SASL
// EXTERNAL alone (dialback off): a message each way, an IQ ping to the
// other server and to a remote user's client, the vCard of a remote user
// (answered by b.test's vCard plugin on bob's behalf), directed presence,
// and an error for an address the remote server has no account for.
func TestFederation(t *testing.T) {
	a, b := federatedPair(t, []string{"alice"}, []string{"bob", "carol"})

	alice, aliceJID := a.login(t, "alice", "home")
	bob, bobJID := b.login(t, "bob", "phone")

	// bob's vCard, stored on b.test.
	if r := iq(t, bob, "v1", "<iq type='set' id='v1'><vCard xmlns='vcard-temp'><FN>Bob Builder</FN></vCard></iq>"); r.SelectAttrValue("type", "") != "result" {
		t.Fatalf("storing bob's vCard: %s", rawxmpp.Describe(r))
	}

	alice.Send("<message type='chat' to='bob@b.test' id='m1'><body>hello from a</body></message>")
	m, err := bob.Expect(isMsg("m1"))
	if err != nil {
		t.Fatalf("bob waiting for alice's message: %v", err)
	}
	if m.SelectAttrValue("from", "") != aliceJID || m.FindElement("body").Text() != "hello from a" {
		t.Fatalf("bob got %s", rawxmpp.Describe(m))
	}
	a.waitLogWhere("a.test's stream to b.test with SASL EXTERNAL", func(l map[string]any) bool {
		return l["@message"] == "stream to a remote server established" && l["domain"] == "b.test" && l["auth"] == "SASL EXTERNAL"
	})
	b.waitLogWhere("a.test authenticated at b.test with SASL EXTERNAL", func(l map[string]any) bool {
		return l["@message"] == "a remote server authenticated" && l["domain"] == "a.test" && l["auth"] == "SASL EXTERNAL"
	})

	bob.Sendf("<message type='chat' to='%s' id='m2'><body>hello from b</body></message>", aliceJID)
	m, err = alice.Expect(isMsg("m2"))
	if err != nil {
		t.Fatalf("alice waiting for bob's answer: %v", err)
	}
	if m.SelectAttrValue("from", "") != bobJID || m.FindElement("body").Text() != "hello from b" {
		t.Fatalf("alice got %s", rawxmpp.Describe(m))
	}

	// XEP-0199 to the remote server itself, answered by its ping plugin.
	if r := iq(t, alice, "p1", "<iq type='get' to='b.test' id='p1'><ping xmlns='urn:xmpp:ping'/></iq>"); r.SelectAttrValue("type", "") != "result" || r.SelectAttrValue("from", "") != "b.test" {
		t.Fatalf("ping to b.test: %s", rawxmpp.Describe(r))
	}

	// An IQ to bob's client, answered by the client.
	alice.Sendf("<iq type='get' to='%s' id='p2'><ping xmlns='urn:xmpp:ping'/></iq>", bobJID)
	ping, err := bob.Expect(rawxmpp.ID("p2"))
	if err != nil {
		t.Fatalf("bob waiting for alice's ping: %v", err)
	}
	if ping.SelectAttrValue("from", "") != aliceJID {
		t.Fatalf("bob got %s", rawxmpp.Describe(ping))
	}
	bob.Sendf("<iq type='result' to='%s' id='p2'/>", aliceJID)
	if r, err := alice.Expect(rawxmpp.ID("p2")); err != nil || r.SelectAttrValue("type", "") != "result" || r.SelectAttrValue("from", "") != bobJID {
		t.Fatalf("alice waiting for bob's pong: %v %s", err, describe(r))
	}

	// vCard-temp of a remote user: b.test answers on bob's behalf.
	v := iq(t, alice, "v2", "<iq type='get' to='bob@b.test' id='v2'><vCard xmlns='vcard-temp'/></iq>")
	if v.SelectAttrValue("type", "") != "result" || v.FindElement("vCard/FN") == nil || v.FindElement("vCard/FN").Text() != "Bob Builder" {
		t.Fatalf("bob's vCard from a.test: %s", rawxmpp.Describe(v))
	}

	// Directed presence reaches the remote client as sent.
	alice.Sendf("<presence to='%s'><status>around</status></presence>", bobJID)
	p, err := bob.Expect(func(el *etree.Element) bool {
		return el.Tag == "presence" && el.SelectAttrValue("from", "") == aliceJID
	})
	if err != nil || p.FindElement("status") == nil || p.FindElement("status").Text() != "around" {
		t.Fatalf("bob waiting for alice's presence: %v %s", err, describe(p))
	}

	// carol is offline: b.test keeps the message until she logs in.
	alice.Send("<message type='chat' to='carol@b.test' id='o1'><body>for later</body></message>")
	// b.test handles a stream's stanzas in order: once the ping behind
	// it is answered, the message is stored.
	iq(t, alice, "o2", "<iq type='get' to='b.test' id='o2'><ping xmlns='urn:xmpp:ping'/></iq>")
	carol, _ := b.login(t, "carol", "laptop")
	if m := expectEach(t, carol, isMsg("o1"))[0]; m.SelectAttrValue("from", "") != aliceJID || m.FindElement("delay") == nil {
		t.Fatalf("carol got %s, want alice's message with a delay", describe(m))
	}

	// No such account at b.test: its error comes back across.
	alice.Send("<message type='chat' to='nobody@b.test' id='m3'><body>anyone?</body></message>")
	e, err := alice.Expect(isMsg("m3"))
	if err != nil || e.SelectAttrValue("type", "") != "error" || e.FindElement("error/service-unavailable") == nil {
		t.Fatalf("alice waiting for the error for nobody@b.test: %v %s", err, describe(e))
	}
}

// TestFederationUnreachable: a stanza for a domain whose server cannot be
// reached comes back to its sender as remote-server-not-found, and the
// operator is told why.
func TestFederationUnreachable(t *testing.T) {
	ca := newTestCA(t)
	network := loopbackNet()
	a := &fedPeer{domain: "a.test", addr: network + "1:5269", users: []string{"alice"}}
	a.cert, a.key = ca.issue(a.domain)
	// Nothing listens at c.test's address.
	startFederated(t, ca.file, []string{"c.test=" + network + "3:5269"}, a)
	alice, _ := a.login(t, "alice", "home")
	alice.Send("<message type='chat' to='carol@c.test' id='u1'><body>hello?</body></message>")
	alice.Send("<iq type='get' to='c.test' id='u2'><ping xmlns='urn:xmpp:ping'/></iq>")
	bounced := map[string]bool{}
	for len(bounced) < 2 {
		e, err := alice.Expect(func(el *etree.Element) bool {
			return el.SelectAttrValue("id", "") == "u1" || el.SelectAttrValue("id", "") == "u2"
		})
		if err != nil || e.SelectAttrValue("type", "") != "error" || e.FindElement("error/remote-server-not-found") == nil {
			t.Fatalf("alice waiting for the bounces: %v %s", err, describe(e))
		}
		bounced[e.SelectAttrValue("id", "")] = true
	}
	a.waitLog("cannot reach a remote server")
}

// TestFederationDialback: b.test has a self-signed certificate, which
// a.test cannot trust. With dialback allowed at a.test, a.test still
// reaches b.test (dialback stands in for b.test's certificate, and
// b.test, which trusts the CA, takes a.test's SASL EXTERNAL), and
// b.test authenticates to a.test with dialback, which a.test verifies by
// asking b.test's authoritative server. With dialback off, a.test refuses
// b.test both ways, saying why.
func TestFederationDialback(t *testing.T) {
	for _, allowed := range []bool{true, false} {
		name := "allowed"
		if !allowed {
			name = "refused"
		}
		t.Run(name, func(t *testing.T) {
			ca := newTestCA(t)
			network := loopbackNet()
			// a.test without bidirectional streams: each server opens its
			// own, so a.test meets dialback in both roles.
			a := &fedPeer{domain: "a.test", addr: network + "1:5269", users: []string{"alice"}, dialback: allowed, oneWay: true}
			b := &fedPeer{domain: "b.test", addr: network + "2:5269", users: []string{"bob"}, dialback: true}
			a.cert, a.key = ca.issue(a.domain)
			startFederated(t, ca.file, nil, a, b)
			alice, aliceJID := a.login(t, "alice", "home")
			bob, bobJID := b.login(t, "bob", "phone")

			bob.Sendf("<message type='chat' to='%s' id='d1'><body>via dialback</body></message>", aliceJID)
			if !allowed {
				alice.Sendf("<message type='chat' to='%s' id='d2'><body>back</body></message>", bobJID)
				for _, c := range []*rawxmpp.Client{bob, alice} {
					if e, err := c.Expect(rawxmpp.Is("message")); err != nil || e.SelectAttrValue("type", "") != "error" || e.FindElement("error/remote-server-not-found") == nil {
						t.Fatalf("waiting for a bounce: %v %s", err, describe(e))
					}
				}
				a.waitLogWhere("a.test refusing b.test's certificate", func(l map[string]any) bool {
					e, _ := l["error"].(string)
					return l["@message"] == "cannot reach a remote server; the stanzas for it are bounced" && strings.Contains(e, "does not prove its domain")
				})
				return
			}
			if m, err := alice.Expect(isMsg("d1")); err != nil || m.SelectAttrValue("from", "") != bobJID {
				t.Fatalf("alice waiting for bob's message: %v %s", err, describe(m))
			}
			alice.Sendf("<message type='chat' to='%s' id='d2'><body>back</body></message>", bobJID)
			if m, err := bob.Expect(isMsg("d2")); err != nil || m.SelectAttrValue("from", "") != aliceJID {
				t.Fatalf("bob waiting for alice's message: %v %s", err, describe(m))
			}
			a.waitLogWhere("b.test authenticated at a.test with dialback", func(l map[string]any) bool {
				return l["@message"] == "a remote server authenticated" && l["domain"] == "b.test" && l["auth"] == "dialback"
			})
		})
	}
}

func describe(el *etree.Element) string {
	if el == nil {
		return "<nil>"
	}
	return strings.TrimSpace(rawxmpp.Describe(el))
}

// TestFederationSubscriptions: alice@a.test and bob@b.test subscribe to
// each other across the two servers (RFC 6121 §3), each server keeping
// its own user's side of the item, with roster pushes as the states
// change; then each hears the other's presence: the approver's at once,
// broadcasts, the answer to a new session's probe, and unavailable.
func TestFederationSubscriptions(t *testing.T) {
	a, b := federatedPair(t, []string{"alice"}, []string{"bob"})
	alice, aliceJID := a.login(t, "alice", "home")
	bob, bobJID := b.login(t, "bob", "phone")
	// Roster pushes go to the sessions that asked for the roster.
	iq(t, alice, "r1", "<iq type='get' id='r1'><query xmlns='jabber:iq:roster'/></iq>")
	iq(t, bob, "r2", "<iq type='get' id='r2'><query xmlns='jabber:iq:roster'/></iq>")

	// alice asks, bob approves.
	alice.Send("<presence to='bob@b.test' type='subscribe'/>")
	expectPush(t, alice, "bob@b.test", "none", true)
	expectPresence(t, bob, "alice@a.test", "subscribe")
	bob.Send("<presence to='alice@a.test' type='subscribed'/>")
	expectPush(t, bob, "alice@a.test", "from", false)
	// The approval, the push and the approver's presence, in any order.
	expectEach(t, alice, isPush("bob@b.test", "to", false), isPresence("bob@b.test", "subscribed"), isPresence(bobJID, ""))

	// bob asks, alice approves.
	bob.Send("<presence to='alice@a.test' type='subscribe'/>")
	expectPush(t, bob, "alice@a.test", "from", true)
	expectPresence(t, alice, "bob@b.test", "subscribe")
	alice.Send("<presence to='bob@b.test' type='subscribed'/>")
	expectPush(t, alice, "bob@b.test", "both", false)
	expectEach(t, bob, isPush("alice@a.test", "both", false), isPresence("alice@a.test", "subscribed"), isPresence(aliceJID, ""))

	// A broadcast reaches the remote subscriber.
	alice.Send("<presence><show>away</show></presence>")
	p := expectPresence(t, bob, aliceJID, "")
	if p.FindElement("show") == nil || p.FindElement("show").Text() != "away" {
		t.Fatalf("bob got %s, want alice away", describe(p))
	}
	// A new session of bob's probes a.test, which answers for alice.
	bob2, _ := b.login(t, "bob", "laptop")
	expectPresence(t, bob2, aliceJID, "")
	// alice going offline reaches bob.
	alice.Send("<presence type='unavailable'/>")
	expectPresence(t, bob, aliceJID, "unavailable")
}

// isPush matches a roster push of jid with the subscription and
// ask='subscribe' or not.
func isPush(jid, sub string, ask bool) func(*etree.Element) bool {
	return func(el *etree.Element) bool {
		it := el.FindElement("query/item")
		return el.Tag == "iq" && el.SelectAttrValue("type", "") == "set" && it != nil && it.SelectAttrValue("jid", "") == jid &&
			it.SelectAttrValue("subscription", "") == sub && (it.SelectAttrValue("ask", "") == "subscribe") == ask
	}
}

// isPresence matches presence of the type ("" available) from.
func isPresence(from, typ string) func(*etree.Element) bool {
	return func(el *etree.Element) bool {
		return el.Tag == "presence" && el.SelectAttrValue("from", "") == from && el.SelectAttrValue("type", "") == typ
	}
}

func expectPush(t *testing.T, c *rawxmpp.Client, jid, sub string, ask bool) {
	t.Helper()
	expectEach(t, c, isPush(jid, sub, ask))
}

func expectPresence(t *testing.T, c *rawxmpp.Client, from, typ string) *etree.Element {
	t.Helper()
	return expectEach(t, c, isPresence(from, typ))[0]
}

// expectEach reads until each of matches has matched an element, in any
// order, and returns them in the order of matches; roster pushes are
// acknowledged.
func expectEach(t *testing.T, c *rawxmpp.Client, matches ...func(*etree.Element) bool) []*etree.Element {
	t.Helper()
	got := make([]*etree.Element, len(matches))
	var others []string
	for left := len(matches); left > 0; {
		el, err := c.Next()
		if err != nil {
			t.Fatalf("waiting for %d more stanzas: %v; had, besides those matched: %q", left, err, others)
		}
		matched := false
		if el.Tag == "iq" && el.SelectAttrValue("type", "") == "set" {
			c.Sendf("<iq type='result' id='%s'/>", el.SelectAttrValue("id", ""))
		}
		for i, m := range matches {
			if got[i] == nil && m(el) {
				got[i] = el
				left--
				matched = true
				break
			}
		}
		if !matched {
			others = append(others, describe(el))
		}
	}
	return got
}

// TestFederationRestart: b.test killed, a stanza for it is bounced with
// remote-server-not-found, none silently lost; once b.test is back, the
// next stanza opens a new stream and is delivered.
func TestFederationRestart(t *testing.T) {
	a, b := federatedPair(t, []string{"alice"}, []string{"bob"})
	alice, _ := a.login(t, "alice", "home")
	bob, _ := b.login(t, "bob", "phone")
	alice.Send("<message type='chat' to='bob@b.test' id='k1'><body>before</body></message>")
	expectEach(t, bob, isMsg("k1"))

	mark := a.logMark()
	b.kill()
	// A stanza written on a stream whose peer died without a word is
	// lost, as between servers without stream management; a.test sees
	// the stream end first, here.
	a.waitLogFrom(mark, "the end of a.test's stream to b.test", func(l map[string]any) bool {
		return l["@message"] == "stream to a remote server closed" && l["domain"] == "b.test"
	})
	alice.Send("<message type='chat' to='bob@b.test' id='k2'><body>while down</body></message>")
	if e := expectEach(t, alice, isMsg("k2"))[0]; e.SelectAttrValue("type", "") != "error" || e.FindElement("error/remote-server-not-found") == nil {
		t.Fatalf("alice got %s, want remote-server-not-found", describe(e))
	}

	b.restart(t)
	bob, _ = b.login(t, "bob", "phone")
	// a.test does not try b.test again before s2s.retry_min (1s here):
	// until then a ping to b.test comes back saying so; after it, the
	// ping is answered and a message arrives.
	deadline := time.Now().Add(30 * time.Second)
	for i := 0; ; i++ {
		id := fmt.Sprint("probe", i)
		r := iq(t, alice, id, "<iq type='get' to='b.test' id='%s'><ping xmlns='urn:xmpp:ping'/></iq>", id)
		if r.SelectAttrValue("type", "") == "result" {
			break
		}
		if r.FindElement("error/remote-server-not-found") == nil || !strings.Contains(describe(r), "not trying again") {
			t.Fatalf("alice's ping to b.test: %s, want remote-server-not-found until b.test is tried again", describe(r))
		}
		if time.Now().After(deadline) {
			t.Fatal("b.test was never tried again")
		}
		time.Sleep(200 * time.Millisecond)
	}
	alice.Send("<message type='chat' to='bob@b.test' id='k3'><body>after</body></message>")
	expectEach(t, bob, isMsg("k3"))
}

// TestFederationDirectTLS: two servers that listen for TLS from the
// start alone (listen.s2s_tls, XEP-0368), each one-way so that both
// connect: messages go both ways, each on a stream that began with TLS.
func TestFederationDirectTLS(t *testing.T) {
	ca := newTestCA(t)
	network := loopbackNet()
	a := &fedPeer{domain: "a.test", addr: network + "1:5270", directTLS: true, oneWay: true, users: []string{"alice"}}
	b := &fedPeer{domain: "b.test", addr: network + "2:5270", directTLS: true, oneWay: true, users: []string{"bob"}}
	a.cert, a.key = ca.issue(a.domain)
	b.cert, b.key = ca.issue(b.domain)
	startFederated(t, ca.file, nil, a, b)
	alice, aliceJID := a.login(t, "alice", "home")
	bob, bobJID := b.login(t, "bob", "phone")
	alice.Sendf("<message type='chat' to='%s' id='t1'><body>over direct TLS</body></message>", bobJID)
	if m := expectEach(t, bob, isMsg("t1"))[0]; m.SelectAttrValue("from", "") != aliceJID {
		t.Fatalf("bob got %s", describe(m))
	}
	bob.Sendf("<message type='chat' to='%s' id='t2'><body>back</body></message>", aliceJID)
	if m := expectEach(t, alice, isMsg("t2"))[0]; m.SelectAttrValue("from", "") != bobJID {
		t.Fatalf("alice got %s", describe(m))
	}
	for _, p := range []*fedPeer{a, b} {
		p.waitLogWhere(p.domain+" listening for direct TLS", func(l map[string]any) bool {
			return l["@message"] == "listening for servers" && l["direct_tls"] == true
		})
	}
}

// TestFederationSubscribeWhileOffline: a remote user's subscription
// request to a local user who is offline is kept and delivered with the
// rest of the account's initial presence when it comes online (RFC 6121
// §3.1.3), and the contacts' presence arrives beside it.
func TestFederationSubscribeWhileOffline(t *testing.T) {
	a, b := federatedPair(t, []string{"alice"}, []string{"bob", "carol"})

	// bob and carol, both of b.test, subscribe to each other.
	bob, _ := b.login(t, "bob", "phone")
	carol, carolJID := b.login(t, "carol", "desk")
	iq(t, bob, "r1", "<iq type='get' id='r1'><query xmlns='jabber:iq:roster'/></iq>")
	iq(t, carol, "r2", "<iq type='get' id='r2'><query xmlns='jabber:iq:roster'/></iq>")
	carol.Send("<presence/>")
	bob.Send("<presence to='carol@b.test' type='subscribe'/>")
	expectPresence(t, carol, "bob@b.test", "subscribe")
	carol.Send("<presence to='bob@b.test' type='subscribed'/>")
	expectEach(t, bob, isPresence("carol@b.test", "subscribed"), isPresence(carolJID, ""))
	bob.Conn.Close()

	alice, _ := a.login(t, "alice", "home")
	iq(t, alice, "r3", "<iq type='get' id='r3'><query xmlns='jabber:iq:roster'/></iq>")
	alice.Send("<presence to='bob@b.test' type='subscribe'/>")
	expectPush(t, alice, "bob@b.test", "none", true)
	// The stream to b.test was set up for the request and carries this
	// message after it: once carol has it, the request has reached
	// b.test, where bob has no session.
	alice.Send("<message to='carol@b.test' id='m1'><body>after the request</body></message>")
	expectEach(t, carol, func(el *etree.Element) bool { return el.Tag == "message" && el.SelectAttrValue("id", "") == "m1" })

	bob2, bob2JID := b.login(t, "bob", "laptop")
	bob2.Send("<presence/>")
	expectEach(t, bob2, isPresence("alice@a.test", "subscribe"), isPresence(carolJID, ""), isPresence(bob2JID, ""))
}
