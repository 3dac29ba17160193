package e2e

import (
	"slices"
	"testing"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/test/rawxmpp"
)

// features lists the var of every feature of a disco#info result.
func features(r *etree.Element) []string {
	var out []string
	for _, f := range r.FindElements("query/feature") {
		out = append(out, f.SelectAttrValue("var", ""))
	}
	return out
}

// TestMAMAdvertisedOnTheDomain: profanity looks for MAM only in the
// server's disco#info, as ejabberd advertises it there; the archive stays
// the account's, queried without 'to'.
func TestMAMAdvertisedOnTheDomain(t *testing.T) {
	srv := featureServer(t)
	alice, _ := login(t, srv, "alice", "a")
	r := iq(t, alice, "d1", "<iq type='get' id='d1' to='localhost'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>")
	if !slices.Contains(features(r), "urn:xmpp:mam:2") {
		t.Errorf("the server's disco#info lacks urn:xmpp:mam:2: %q", features(r))
	}
	r = iq(t, alice, "d2", "<iq type='get' id='d2' to='alice@localhost'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>")
	if !slices.Contains(features(r), "urn:xmpp:mam:2") {
		t.Errorf("the account's disco#info lacks urn:xmpp:mam:2: %q", features(r))
	}
	r = iq(t, alice, "q1", "<iq type='set' id='q1'><query xmlns='urn:xmpp:mam:2' queryid='x'/></iq>")
	if r.SelectAttrValue("type", "") != "result" || r.FindElement("fin") == nil {
		t.Errorf("a query of the own archive: %s", rawxmpp.Describe(r))
	}
}

// TestPlainUserHasACommand: the server advertises ad-hoc commands to
// everyone, so a user who is no admin finds one to run (Ping), as with
// Prosody and ejabberd, rather than an empty list.
func TestPlainUserHasACommand(t *testing.T) {
	srv := featureServer(t) // no admins
	bob, _ := login(t, srv, "bob", "b")
	r := iq(t, bob, "d1", "<iq type='get' id='d1' to='localhost'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>")
	if !slices.Contains(features(r), "http://jabber.org/protocol/commands") {
		t.Fatalf("the server does not advertise ad-hoc commands: %q", features(r))
	}
	r = iq(t, bob, "d2", "<iq type='get' id='d2' to='localhost'><query xmlns='http://jabber.org/protocol/disco#items' node='http://jabber.org/protocol/commands'/></iq>")
	items := r.FindElements("query/item")
	if len(items) != 1 || items[0].SelectAttrValue("node", "") != "ping" {
		t.Fatalf("commands listed for a plain user: %s, want Ping", rawxmpp.Describe(r))
	}
	r = iq(t, bob, "c1", "<iq type='set' id='c1' to='localhost'><command xmlns='http://jabber.org/protocol/commands' node='ping' action='execute'/></iq>")
	if cmd := r.FindElement("command"); cmd == nil || cmd.SelectAttrValue("status", "") != "completed" || cmd.FindElement("note") == nil {
		t.Errorf("running Ping: %s", rawxmpp.Describe(r))
	}
}

// TestVCardOfAnAccountWithoutOne: the owner gets an empty vCard; anyone
// else item-not-found, which clients read as "no vCard", and the same for
// an account that does not exist (XEP-0054 §3.3).
func TestVCardOfAnAccountWithoutOne(t *testing.T) {
	srv := featureServer(t)
	alice, _ := login(t, srv, "alice", "a")
	r := iq(t, alice, "v1", "<iq type='get' id='v1'><vCard xmlns='vcard-temp'/></iq>")
	if v := r.FindElement("vCard"); r.SelectAttrValue("type", "") != "result" || v == nil || len(v.ChildElements()) != 0 {
		t.Errorf("own vCard, none set: %s, want an empty vCard", rawxmpp.Describe(r))
	}
	bob, _ := login(t, srv, "bob", "b")
	for _, to := range []string{"alice@localhost", "nobody@localhost"} {
		r = iq(t, bob, "v2", "<iq type='get' id='v2' to='%s'><vCard xmlns='vcard-temp'/></iq>", to)
		if got := errorCondition(r); got != "item-not-found" {
			t.Errorf("vCard of %s: %s, want item-not-found", to, rawxmpp.Describe(r))
		}
	}
}
