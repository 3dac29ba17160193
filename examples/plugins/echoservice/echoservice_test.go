package main

import (
	"testing"

	"github.com/hashicorp/go-hclog"

	"github.com/switchboard-xmpp/switchboard/sdk/sdktest"
)

func TestEchoesFromTheAddressee(t *testing.T) {
	h := sdktest.New(t, New(), sdktest.Options{Logger: hclog.NewNullLogger()})
	if r := h.Handle("<message type='chat' to='room@echo.localhost/x'><body> hello </body></message>", "alice@localhost/a"); r.Err != nil || r.NoRoute {
		t.Fatalf("err %v, no route %v", r.Err, r.NoRoute)
	}
	sent := h.Sent()
	if len(sent) != 1 {
		t.Fatalf("sent %d stanzas, want the echo", len(sent))
	}
	m := sent[0]
	if m.SelectAttrValue("from", "") != "room@echo.localhost/x" || m.SelectAttrValue("to", "") != "alice@localhost/a" || m.SelectElement("body").Text() != "hello" {
		t.Errorf("echo: from %s to %s body %q", m.SelectAttrValue("from", ""), m.SelectAttrValue("to", ""), m.SelectElement("body").Text())
	}
}

func TestDiscoInfoOfTheDomain(t *testing.T) {
	h := sdktest.New(t, New(), sdktest.Options{ServiceDomain: "echo.example.org", Domain: "example.org", Logger: hclog.NewNullLogger()})
	r := h.Handle("<iq type='get' id='d' to='echo.example.org'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>", "alice@example.org/a")
	if r.Err != nil || len(r.Replies) != 1 {
		t.Fatalf("disco#info: %v", r.Err)
	}
	if id := r.Replies[0].FindElement("query/identity"); id == nil || id.SelectAttrValue("category", "") != "component" {
		t.Errorf("disco#info identity: %v", id)
	}
	// A JID in the domain is not the domain: the plugin has no answer.
	if r := h.Handle("<iq type='get' id='d2' to='room@echo.example.org'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>", "alice@example.org/a"); r.Err == nil {
		t.Errorf("disco#info of a JID in the domain answered: %v", r.Replies)
	}
}
