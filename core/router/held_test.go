package router

import (
	"context"
	"strings"
	"testing"
)

// TestMessageHeld: a chat or normal message is reported held only when
// every session of its recipient waits for resumption; one attached
// session (reached directly or by carbon) is someone who saw it.
func TestMessageHeld(t *testing.T) {
	tests := []struct {
		name     string
		binds    []bind
		detached []string
		carbons  []string
		stanza   string
		held     bool
	}{
		{"the one session attached", []bind{{"bob@localhost/phone", true, 0}}, nil, nil,
			"<message type='chat' id='m' to='bob@localhost'><body>hi</body></message>", false},
		{"the one session waiting", []bind{{"bob@localhost/phone", true, 0}}, []string{"bob@localhost/phone"}, nil,
			"<message type='chat' id='m' to='bob@localhost'><body>hi</body></message>", true},
		{"to its full JID", []bind{{"bob@localhost/phone", true, 0}}, []string{"bob@localhost/phone"}, nil,
			"<message id='m' to='bob@localhost/phone'><body>hi</body></message>", true},
		{"a headline", []bind{{"bob@localhost/phone", true, 0}}, []string{"bob@localhost/phone"}, nil,
			"<message type='headline' id='m' to='bob@localhost'><body>hi</body></message>", false},
		{"waiting, another attached with carbons", []bind{{"bob@localhost/phone", true, 1}, {"bob@localhost/desk", true, 0}}, []string{"bob@localhost/phone"}, []string{"bob@localhost/desk"},
			"<message type='chat' id='m' to='bob@localhost'><body>hi</body></message>", false},
		{"both waiting", []bind{{"bob@localhost/phone", true, 1}, {"bob@localhost/desk", true, 1}}, []string{"bob@localhost/phone", "bob@localhost/desk"}, nil,
			"<message type='chat' id='m' to='bob@localhost'><body>hi</body></message>", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, append(tt.binds, bind{"alice@localhost/x", true, 0})...)
			p := &plugins{}
			f.r = New([]string{"localhost"}, f.r.sessions, accounts{"alice": true, "bob": true}, p, f.r.filters, nil, f.r.log)
			for _, full := range tt.detached {
				f.sessions[full].Detached.Store(true)
			}
			for _, full := range tt.carbons {
				f.sessions[full].Carbons.Store(true)
			}
			f.r.Route(context.Background(), f.sessions["alice@localhost/x"], element(t, tt.stanza), nil, nil)
			if got := len(p.held) == 1; got != tt.held {
				t.Fatalf("held reported %d times, want %v", len(p.held), tt.held)
			}
			if tt.held && (!strings.HasPrefix(p.held[0], "bob@localhost <message") || !strings.Contains(p.held[0], "from='alice@localhost/x'")) {
				t.Errorf("held: %q, want bob's bare JID and the message as delivered", p.held[0])
			}
		})
	}
}

// TestServerSendsToAComponent: a stanza the server sends for a user (a
// push notification) reaches the component that owns its domain.
func TestServerSendsToAComponent(t *testing.T) {
	f := newFixture(t, bind{"alice@localhost/x", true, 0})
	p := &plugins{service: true}
	f.r = New([]string{"localhost"}, f.r.sessions, accounts{"alice": true}, p, f.r.filters, nil, f.r.log)
	if _, err := f.r.Deliver(context.Background(), element(t, "<iq type='set' id='n' from='alice@localhost' to='push.localhost'><pubsub xmlns='http://jabber.org/protocol/pubsub'/></iq>"), nil); err != nil {
		t.Fatal(err)
	}
	if len(p.got) != 1 || !strings.Contains(p.got[0], "id='n'") {
		t.Errorf("the component got %q", p.got)
	}
}
