package pluginhost

import (
	"context"
	"strings"
	"testing"

	"github.com/switchboard-xmpp/switchboard/core/jidprep"
	"github.com/switchboard-xmpp/switchboard/core/stream"
	"github.com/switchboard-xmpp/switchboard/sdk/proto/pluginv1"
)

const nsMem = "urn:test:mem"

func parse(t *testing.T, s string) *stream.Element {
	t.Helper()
	el, err := stream.ParseElement([]byte(s), stream.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	return el
}

// TestPreAuthDispatch: an IQ before authentication reaches the plugin
// whose pre-auth route takes it, and its replies come back for the
// stream once they pass the check on what a plugin emits; what no route
// takes, or the plugin declines, is no plugin's.
func TestPreAuthDispatch(t *testing.T) {
	reply := "<iq type='result' id='r1' from='localhost'/>"
	p := &memPlugin{answer: func(env *pluginv1.Envelope) *pluginv1.HandleResult {
		switch {
		case strings.Contains(string(env.GetStanza()), "decline"):
			return &pluginv1.HandleResult{Response: &pluginv1.HandleResponse{Declined: true}}
		case strings.Contains(string(env.GetStanza()), "forge"):
			return &pluginv1.HandleResult{Response: &pluginv1.HandleResponse{Replies: [][]byte{[]byte("<iq type='result' id='r1' from='alice@localhost'/>")}}}
		case strings.Contains(string(env.GetStanza()), "refuse"):
			return &pluginv1.HandleResult{Error: &pluginv1.StanzaError{Type: "cancel", Condition: "not-allowed"}}
		}
		return &pluginv1.HandleResult{Response: &pluginv1.HandleResponse{Replies: [][]byte{[]byte(reply)}}}
	}}
	h, in := loadMem(t, p, &pluginv1.Manifest{Name: "mem", Routes: []*pluginv1.Route{
		{Kind: pluginv1.Kind_KIND_IQ, Namespace: nsMem, Types: []string{"get"}, Addressing: pluginv1.Addressing_ADDRESSING_SERVER, PreAuth: true},
	}})
	ctx := context.Background()
	tests := []struct {
		name   string
		stanza string
		taken  bool
		want   string // in the one reply
	}{
		{"to the domain", "<iq type='get' id='r1' to='localhost'><q xmlns='" + nsMem + "'/></iq>", true, "type='result'"},
		{"without 'to'", "<iq type='get' id='r1'><q xmlns='" + nsMem + "'/></iq>", true, "type='result'"},
		{"to another domain", "<iq type='get' id='r1' to='other.example'><q xmlns='" + nsMem + "'/></iq>", false, ""},
		{"to an account", "<iq type='get' id='r1' to='alice@localhost'><q xmlns='" + nsMem + "'/></iq>", false, ""},
		{"another namespace", "<iq type='get' id='r1'><q xmlns='urn:test:other'/></iq>", false, ""},
		{"declined", "<iq type='get' id='r1'><q xmlns='" + nsMem + "'>decline</q></iq>", false, ""},
		{"a reply as a user", "<iq type='get' id='r1'><q xmlns='" + nsMem + "'>forge</q></iq>", true, "internal-server-error"},
		{"the plugin's stanza error", "<iq type='get' id='r1'><q xmlns='" + nsMem + "'>refuse</q></iq>", true, "not-allowed"},
	}
	for _, tt := range tests {
		replies, taken := h.PreAuth(ctx, "localhost", "s1", "127.0.0.1", true, parse(t, tt.stanza))
		if taken != tt.taken {
			t.Errorf("%s: taken %v, want %v", tt.name, taken, tt.taken)
			continue
		}
		if tt.taken && (len(replies) != 1 || !strings.Contains(string(replies[0]), tt.want)) {
			t.Errorf("%s: replies %q, want one with %s", tt.name, replies, tt.want)
		}
	}
	// A plugin on its way back answers that it is.
	in.setState(stateRestarting)
	replies, taken := h.PreAuth(ctx, "localhost", "s1", "127.0.0.1", true, parse(t, "<iq type='get' id='r1'><q xmlns='"+nsMem+"'/></iq>"))
	if !taken || len(replies) != 1 || !strings.Contains(string(replies[0]), "service-unavailable") || !strings.Contains(string(replies[0]), "wait") {
		t.Errorf("restarting: %q, want service-unavailable of type wait", replies)
	}
}

// TestClaims: what the router hands off the reader is what a route takes
// (the contract's rules), by the addressing its 'to' gives it; an answer
// is never a route's; a service's routes are claimed at its domain only.
func TestClaims(t *testing.T) {
	h, _ := loadMem(t, &memPlugin{}, &pluginv1.Manifest{
		Name:    "mem",
		Service: &pluginv1.Service{Domain: "mem.localhost"},
		Routes: []*pluginv1.Route{
			{Kind: pluginv1.Kind_KIND_IQ, Namespace: nsMem, Addressing: pluginv1.Addressing_ADDRESSING_BARE},
			{Kind: pluginv1.Kind_KIND_MESSAGE, Namespace: nsMem, Addressing: pluginv1.Addressing_ADDRESSING_FULL},
			{Kind: pluginv1.Kind_KIND_IQ, Namespace: nsMem, Types: []string{"get"}, Addressing: pluginv1.Addressing_ADDRESSING_SERVICE},
		},
	})
	alice := jidprep.JID{Local: "alice", Domain: "localhost"}
	phone := jidprep.JID{Local: "alice", Domain: "localhost", Resource: "phone"}
	room := jidprep.JID{Local: "room", Domain: "mem.localhost"}
	for _, tt := range []struct {
		name   string
		stanza string
		to     jidprep.JID
		want   bool
	}{
		{"an IQ to an account", "<iq type='set' id='1' to='alice@localhost'><q xmlns='" + nsMem + "'/></iq>", alice, true},
		{"an IQ to a resource", "<iq type='set' id='1' to='alice@localhost/phone'><q xmlns='" + nsMem + "'/></iq>", phone, false},
		{"an IQ result", "<iq type='result' id='1' to='alice@localhost'><q xmlns='" + nsMem + "'/></iq>", alice, false},
		{"a message with the namespace among its children", "<message to='alice@localhost/phone'><body>x</body><x xmlns='" + nsMem + "'/></message>", phone, true},
		{"a message without it", "<message to='alice@localhost/phone'><body>x</body></message>", phone, false},
	} {
		if got := h.Claims(nil, parse(t, tt.stanza), tt.to); got != tt.want {
			t.Errorf("Claims, %s: %v, want %v", tt.name, got, tt.want)
		}
	}
	get := parse(t, "<iq type='get' id='1' to='room@mem.localhost'><q xmlns='"+nsMem+"'/></iq>")
	if !h.ClaimsService(get, room) {
		t.Error("ClaimsService: a service's route at its domain is not claimed")
	}
	if h.ClaimsService(get, jidprep.JID{Local: "room", Domain: "other.localhost"}) {
		t.Error("ClaimsService: claimed at a domain the service does not own")
	}
	if h.ClaimsService(parse(t, "<iq type='set' id='1' to='room@mem.localhost'><q xmlns='"+nsMem+"'/></iq>"), room) {
		t.Error("ClaimsService: claimed a type the route does not take")
	}
}
