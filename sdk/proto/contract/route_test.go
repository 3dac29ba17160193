package contract

import (
	"strings"
	"testing"

	"github.com/switchboard-xmpp/switchboard/sdk/proto/pluginv1"
)

type fakeStanza struct {
	name, typ string
	children  []string // namespaces, in order
}

func (s fakeStanza) Name() string { return s.name }
func (s fakeStanza) Type() string { return s.typ }
func (s fakeStanza) FirstChildSpace() string {
	if len(s.children) == 0 {
		return ""
	}
	return s.children[0]
}
func (s fakeStanza) HasChildSpace(ns string) bool {
	for _, c := range s.children {
		if c == ns {
			return true
		}
	}
	return false
}

const (
	iq       = pluginv1.Kind_KIND_IQ
	message  = pluginv1.Kind_KIND_MESSAGE
	server   = pluginv1.Addressing_ADDRESSING_SERVER
	bare     = pluginv1.Addressing_ADDRESSING_BARE
	service  = pluginv1.Addressing_ADDRESSING_SERVICE
	nsPing   = "urn:xmpp:ping"
	nsChat   = "http://jabber.org/protocol/chatstates"
	nsVCard  = "vcard-temp"
	nsUpload = "urn:xmpp:http:upload:0"
)

// TestMatch: each rule of route.go, through a table of two plugins.
func TestMatch(t *testing.T) {
	var table Table[string]
	if err := table.Add("ping", &pluginv1.Manifest{Name: "ping", Routes: []*pluginv1.Route{
		{Kind: iq, Namespace: nsPing, Types: []string{"get"}, Addressing: server, PreAuth: true},
		{Kind: iq, Namespace: nsVCard, Addressing: bare},
	}}); err != nil {
		t.Fatal(err)
	}
	if err := table.Add("chat", &pluginv1.Manifest{Name: "chat", Routes: []*pluginv1.Route{
		{Kind: message, Namespace: nsChat, Types: []string{"chat"}, Addressing: bare},
		{Kind: message, Types: []string{"normal"}, Addressing: bare},
	}}); err != nil {
		t.Fatal(err)
	}
	if err := table.Add("upload", &pluginv1.Manifest{Name: "upload", Service: &pluginv1.Service{Domain: "upload.localhost"}, Routes: []*pluginv1.Route{
		{Kind: iq, Namespace: nsUpload, Types: []string{"get"}, Addressing: service},
	}}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		s       fakeStanza
		addr    pluginv1.Addressing
		domain  string
		preAuth bool
		want    string // the owner, "" for none
	}{
		{"an IQ get in the route's namespace", fakeStanza{"iq", "get", []string{nsPing}}, server, "", false, "ping"},
		{"another type", fakeStanza{"iq", "set", []string{nsPing}}, server, "", false, ""},
		{"a route without types takes any request", fakeStanza{"iq", "set", []string{nsVCard}}, bare, "", false, "ping"},
		{"an IQ result is an answer, never a route's", fakeStanza{"iq", "result", []string{nsVCard}}, bare, "", false, ""},
		{"an IQ error is an answer, never a route's", fakeStanza{"iq", "error", []string{nsVCard}}, bare, "", false, ""},
		{"another addressing", fakeStanza{"iq", "get", []string{nsPing}}, bare, "", false, ""},
		{"before authentication, a pre-auth route", fakeStanza{"iq", "get", []string{nsPing}}, server, "", true, "ping"},
		{"before authentication, no other", fakeStanza{"iq", "get", []string{nsVCard}}, bare, "", true, ""},
		{"a message's route namespace among its children", fakeStanza{"message", "chat", []string{"jabber:client", nsChat}}, bare, "", false, "chat"},
		{"a message without the namespace", fakeStanza{"message", "chat", []string{"jabber:client"}}, bare, "", false, ""},
		{"a message without type is normal", fakeStanza{"message", "", nil}, bare, "", false, "chat"},
		{"a service's route, at its domain", fakeStanza{"iq", "get", []string{nsUpload}}, service, "upload.localhost", false, "upload"},
		{"a service's route, at another domain", fakeStanza{"iq", "get", []string{nsUpload}}, service, "other.localhost", false, ""},
	}
	for _, tt := range tests {
		e, ok := table.Match(tt.s, tt.addr, tt.domain, tt.preAuth)
		if ok != (tt.want != "") || e.Owner != tt.want {
			t.Errorf("%s: matched %q (%v), want %q", tt.name, e.Owner, ok, tt.want)
		}
	}
	var empty *Table[string]
	if _, ok := empty.Match(fakeStanza{"iq", "get", []string{nsPing}}, server, "", false); ok {
		t.Error("a nil table matched")
	}
}

// TestRouteConflict: two plugins whose routes could both take one stanza
// conflict; one plugin's own overlapping routes, or routes that split the
// types between them, do not.
func TestRouteConflict(t *testing.T) {
	var table Table[string]
	add := func(name string, r ...*pluginv1.Route) error {
		return table.Add(name, &pluginv1.Manifest{Name: name, Routes: r})
	}
	if err := add("a", &pluginv1.Route{Kind: iq, Namespace: nsVCard, Types: []string{"get"}, Addressing: bare}, &pluginv1.Route{Kind: iq, Namespace: nsVCard, Addressing: bare}); err != nil {
		t.Fatal(err)
	}
	if err := add("b", &pluginv1.Route{Kind: iq, Namespace: nsVCard, Types: []string{"set"}, Addressing: server}); err != nil {
		t.Fatalf("another addressing conflicts: %v", err)
	}
	err := add("c", &pluginv1.Route{Kind: iq, Namespace: nsVCard, Types: []string{"set"}, Addressing: bare})
	if err == nil || !strings.Contains(err.Error(), "plugins a and c both claim iq to bare {vcard-temp} types set") {
		t.Fatalf("conflict = %v", err)
	}
	if _, ok := table.Match(fakeStanza{"iq", "set", []string{nsVCard}}, bare, "", false); !ok {
		t.Error("the refused plugin's conflict cost the table its routes")
	}
}

// TestAddressing: rules 2 and 3.
func TestAddressing(t *testing.T) {
	for _, tt := range []struct {
		name  string
		hasTo bool
		to    JID
		want  pluginv1.Addressing
	}{
		{"presence", false, JID{}, pluginv1.Addressing_ADDRESSING_BROADCAST},
		{"iq", false, JID{}, bare},
		{"message", true, JID{Domain: "localhost"}, server},
		{"message", true, JID{Local: "a", Domain: "localhost"}, bare},
		{"message", true, JID{Local: "a", Domain: "localhost", Resource: "r"}, pluginv1.Addressing_ADDRESSING_FULL},
	} {
		if got := AddressingOf(tt.name, tt.hasTo, tt.to); got != tt.want {
			t.Errorf("%s to %+v: %v, want %v", tt.name, tt.to, got, tt.want)
		}
	}
	domain := &JID{Domain: "localhost"}
	for _, tt := range []struct {
		name string
		to   *JID
		want bool
	}{
		{"iq", nil, true},
		{"iq", domain, true},
		{"iq", &JID{Domain: "other.example"}, false},
		{"iq", &JID{Local: "a", Domain: "localhost"}, false},
		{"message", domain, false},
	} {
		if got := PreAuthAddressing(tt.name, tt.to, "localhost"); got != tt.want {
			t.Errorf("pre-auth %s to %v: %v, want %v", tt.name, tt.to, got, tt.want)
		}
	}
}

// TestUnrouted: rule 7.
func TestUnrouted(t *testing.T) {
	service := pluginv1.Addressing_ADDRESSING_SERVICE
	full := pluginv1.Addressing_ADDRESSING_FULL
	for _, tt := range []struct {
		addr      pluginv1.Addressing
		name, typ string
		refused   bool
	}{
		{server, "iq", "get", true},
		{bare, "iq", "set", true},
		{service, "iq", "get", true},
		{server, "iq", "result", false},
		{service, "iq", "error", false},
		{full, "iq", "get", false},
		{server, "message", "", true},
		{server, "message", "chat", true},
		{service, "message", "groupchat", true},
		{server, "message", "headline", false},
		{service, "message", "error", false},
		{bare, "message", "chat", false},
		{server, "presence", "", false},
		{service, "presence", "unavailable", false},
	} {
		if got := Unrouted(tt.addr, tt.name, tt.typ); got != tt.refused {
			t.Errorf("%s type %q to %v: refused %v, want %v", tt.name, tt.typ, tt.addr, got, tt.refused)
		}
	}
}
