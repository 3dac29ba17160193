package router

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/switchboard-xmpp/switchboard/core/jidprep"
)

// TestSharedDeliveries: a message that reaches more than one of the
// recipient's sessions — several at the top priority, or one with carbons
// going to another — is delivered as shared, so that a session ending
// unacknowledged does not deliver it again; a message that reaches one
// session only is not.
func TestSharedDeliveries(t *testing.T) {
	tests := []struct {
		name    string
		binds   []bind
		carbons []string // sessions with carbons on
		to      string
		want    map[string][]bool // per session: shared flag of each stanza it got
	}{
		{"one resource", []bind{{"bob@localhost/a", true, 0}}, nil, "bob@localhost",
			map[string][]bool{"bob@localhost/a": {false}}},
		{"two at the top priority", []bind{{"bob@localhost/a", true, 1}, {"bob@localhost/b", true, 1}}, nil, "bob@localhost",
			map[string][]bool{"bob@localhost/a": {true}, "bob@localhost/b": {true}}},
		{"one above the other", []bind{{"bob@localhost/a", true, 2}, {"bob@localhost/b", true, 1}}, nil, "bob@localhost",
			map[string][]bool{"bob@localhost/a": {false}, "bob@localhost/b": nil}},
		{"to a full JID, the other without carbons", []bind{{"bob@localhost/a", true, 0}, {"bob@localhost/b", true, 0}}, nil, "bob@localhost/a",
			map[string][]bool{"bob@localhost/a": {false}, "bob@localhost/b": nil}},
		{"to a full JID, the other with carbons", []bind{{"bob@localhost/a", true, 0}, {"bob@localhost/b", true, 0}}, []string{"bob@localhost/b"}, "bob@localhost/a",
			map[string][]bool{"bob@localhost/a": {true}, "bob@localhost/b": {true}}},
		{"to a full JID, only itself with carbons", []bind{{"bob@localhost/a", true, 0}, {"bob@localhost/b", true, 0}}, []string{"bob@localhost/a"}, "bob@localhost/a",
			map[string][]bool{"bob@localhost/a": {false}, "bob@localhost/b": nil}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, append(tt.binds, bind{"alice@localhost/x", true, 0})...)
			for _, full := range tt.carbons {
				f.sessions[full].Carbons.Store(true)
			}
			f.r.Route(context.Background(), f.sessions["alice@localhost/x"], element(t, "<message type='chat' id='m' to='"+tt.to+"'><body>hi</body></message>"), nil, nil)
			for full, want := range tt.want {
				sk := f.sinks[full]
				if !slices.Equal(sk.shared, want) {
					t.Errorf("%s got %d stanzas shared %v, want %v: %q", full, len(sk.got), sk.shared, want, sk.got)
				}
			}
		})
	}
}

// TestRedeliverWhatTheAccountDoesNotHave: what a session ended without
// acknowledging goes back to the account's bare JID, except an archive
// result, and an archived message when the client reads the archive.
func TestRedeliverWhatTheAccountDoesNotHave(t *testing.T) {
	bob, err := jidprep.Parse("bob@localhost/gone")
	if err != nil {
		t.Fatal(err)
	}
	archived := "<message from='alice@localhost/x' to='bob@localhost/gone' type='chat' id='m'><body>hi</body><stanza-id xmlns='urn:xmpp:sid:0' id='s1' by='bob@localhost'/></message>"
	tests := []struct {
		name        string
		stanza      string
		usesArchive bool
		redelivered bool
	}{
		{"a chat message", "<message from='alice@localhost/x' to='bob@localhost/gone' type='chat' id='m'><body>hi</body></message>", false, true},
		{"an archived message, archive unused", archived, false, true},
		{"an archived message, archive read", archived, true, false},
		{"another archive's id, archive read", strings.Replace(archived, "by='bob@localhost'", "by='alice@localhost'", 1), true, true},
		{"an archive result", "<message from='bob@localhost' to='bob@localhost/gone' id='r'><result xmlns='urn:xmpp:mam:2' id='s1'><forwarded xmlns='urn:xmpp:forward:0'><message xmlns='jabber:client' type='chat'><body>old</body></message></forwarded></result></message>", false, false},
		{"a headline", "<message from='alice@localhost/x' to='bob@localhost/gone' type='headline' id='h'><body>news</body></message>", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, bind{"bob@localhost/other", true, 0}, bind{"alice@localhost/x", true, 0})
			f.r.Redeliver(context.Background(), []byte(tt.stanza), bob, tt.usesArchive)
			got := f.sinks["bob@localhost/other"].take()
			if (len(got) > 0) != tt.redelivered {
				t.Errorf("bob's other resource got %q, want redelivered %v", got, tt.redelivered)
			}
		})
	}
}

// TestRedeliverCarbons: a received carbon gives back the message it
// carries; a sent carbon is a copy of what the account sent, and goes
// nowhere.
func TestRedeliverCarbons(t *testing.T) {
	bob, err := jidprep.Parse("bob@localhost/gone")
	if err != nil {
		t.Fatal(err)
	}
	wrap := func(kind string) string {
		return "<message from='bob@localhost' to='bob@localhost/gone' type='chat'><" + kind + " xmlns='urn:xmpp:carbons:2'><forwarded xmlns='urn:xmpp:forward:0'><message xmlns='jabber:client' from='alice@localhost/x' to='bob@localhost/other' type='chat' id='in'><body>hi</body></message></forwarded></" + kind + "></message>"
	}
	f := newFixture(t, bind{"bob@localhost/other", true, 0}, bind{"alice@localhost/x", true, 0})
	f.r.Redeliver(context.Background(), []byte(wrap("received")), bob, false)
	got := strings.Join(f.sinks["bob@localhost/other"].take(), "")
	if !strings.Contains(got, "<body>hi</body>") || strings.Contains(got, "carbons") || !strings.Contains(got, "from='alice@localhost/x'") {
		t.Errorf("a received carbon gave back %q, want the message it carries", got)
	}
	f.r.Redeliver(context.Background(), []byte(wrap("sent")), bob, false)
	if got := f.sinks["bob@localhost/other"].take(); len(got) > 0 {
		t.Errorf("a sent carbon gave back %q", got)
	}
}
