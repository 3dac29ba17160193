package router

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/go-hclog"

	"github.com/switchboard-xmpp/switchboard/core/filter"
	"github.com/switchboard-xmpp/switchboard/core/jidprep"
	"github.com/switchboard-xmpp/switchboard/core/session"
	"github.com/switchboard-xmpp/switchboard/core/stream"
)

type sink struct {
	mu     sync.Mutex
	got    []string
	shared []bool // per stanza of got: delivered as shared
}

func (s *sink) Deliver(b []byte) bool       { return s.deliver(b, false) }
func (s *sink) DeliverShared(b []byte) bool { return s.deliver(b, true) }

func (s *sink) deliver(b []byte, shared bool) bool {
	s.mu.Lock()
	s.got = append(s.got, string(b))
	s.shared = append(s.shared, shared)
	s.mu.Unlock()
	return true
}
func (s *sink) Close(*stream.Error) {}

func (s *sink) take() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.got
	s.got, s.shared = nil, nil
	return g
}

type accounts map[string]bool

func (a accounts) Exists(_ context.Context, _, user string) (bool, error) { return a[user], nil }

type fixture struct {
	r        *Router
	sessions map[string]*session.Session
	sinks    map[string]*sink
}

// newFixture binds the given full JIDs (user/resource) with the given
// availability and priority.
func newFixture(t testing.TB, binds ...bind) *fixture {
	t.Helper()
	tb := session.NewTable()
	f := &fixture{sessions: map[string]*session.Session{}, sinks: map[string]*sink{}}
	for _, b := range binds {
		j, err := jidprep.Parse(b.full)
		if err != nil {
			t.Fatal(err)
		}
		sk := &sink{}
		s := session.New(b.full, j, sk)
		s.SetPresence(b.available, b.prio)
		tb.Add(s, 0)
		f.sessions[b.full], f.sinks[b.full] = s, sk
	}
	f.r = New([]string{"localhost"}, tb, accounts{"alice": true, "bob": true}, nil, filter.NewTable(), nil, hclog.NewNullLogger())
	return f
}

func element(t testing.TB, s string) *stream.Element {
	t.Helper()
	d := stream.NewDecoder(strings.NewReader("<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>"+s), stream.Limits{})
	if _, err := d.ReadHeader(); err != nil {
		t.Fatal(err)
	}
	el, err := d.Next()
	if err != nil {
		t.Fatal(err)
	}
	return el.Copy()
}

type bind = struct {
	full      string
	available bool
	prio      int8
}

func TestRoute(t *testing.T) {
	binds := []bind{
		{"alice@localhost/a", true, 0},
		{"bob@localhost/hi", true, 5},
		{"bob@localhost/lo", true, 1},
		{"bob@localhost/neg", true, -1},
		{"bob@localhost/away", false, 9},
	}
	tests := []struct {
		name   string
		stanza string
		want   map[string]string // full JID -> substring of what it received; "" = nothing
	}{
		{"chat to bare goes to top priority", "<message to='bob@localhost' type='chat' id='1'><body>x</body></message>",
			map[string]string{"bob@localhost/hi": "from='alice@localhost/a'", "bob@localhost/lo": "", "bob@localhost/neg": "", "bob@localhost/away": ""}},
		{"headline to bare goes to every non-negative resource", "<message to='bob@localhost' type='headline' id='2'/>",
			map[string]string{"bob@localhost/hi": "id='2'", "bob@localhost/lo": "id='2'", "bob@localhost/neg": "", "alice@localhost/a": ""}},
		{"to a full JID goes there even at negative priority", "<message to='bob@localhost/neg' id='3'/>",
			map[string]string{"bob@localhost/neg": "id='3'", "bob@localhost/hi": ""}},
		{"chat to a missing resource falls back to the bare JID", "<message to='bob@localhost/gone' type='chat' id='4'/>",
			map[string]string{"bob@localhost/hi": "id='4'", "alice@localhost/a": ""}},
		{"groupchat to bare is refused", "<message to='bob@localhost' type='groupchat' id='5'/>",
			map[string]string{"alice@localhost/a": "service-unavailable", "bob@localhost/hi": ""}},
		{"error messages are never bounced", "<message to='nobody@localhost' type='error' id='6'/>",
			map[string]string{"alice@localhost/a": ""}},
		{"headline to unknown user is dropped", "<message to='nobody@localhost' type='headline' id='7'/>",
			map[string]string{"alice@localhost/a": ""}},
		{"directed presence to bare reaches every available resource", "<presence to='bob@localhost'/>",
			map[string]string{"bob@localhost/hi": "<presence", "bob@localhost/neg": "<presence", "bob@localhost/away": ""}},
		{"probe is not delivered", "<presence to='bob@localhost' type='probe'/>",
			map[string]string{"bob@localhost/hi": ""}},
		{"iq result to a missing resource is dropped", "<iq to='bob@localhost/gone' type='result' id='8'/>",
			map[string]string{"alice@localhost/a": "", "bob@localhost/hi": ""}},
		{"iq error reply keeps id and swaps addresses", "<iq to='localhost' type='get' id='9'><q xmlns='urn:x'/></iq>",
			map[string]string{"alice@localhost/a": "<iq type='error' id='9' from='localhost' to='alice@localhost/a'>"}},
		{"bounced message carries its payload back", "<message to='nobody@localhost' id='10'><body>lost</body></message>",
			map[string]string{"alice@localhost/a": "<body>lost</body><error type='cancel'><service-unavailable"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, binds...)
			f.r.Route(context.Background(), f.sessions["alice@localhost/a"], element(t, tt.stanza), nil, nil)
			for full, want := range tt.want {
				got := strings.Join(f.sinks[full].take(), "")
				if want == "" && got != "" {
					t.Errorf("%s received %s, want nothing", full, got)
				}
				if want != "" && !strings.Contains(got, want) {
					t.Errorf("%s received %q, want it to contain %q", full, got, want)
				}
			}
		})
	}
}

func TestFilters(t *testing.T) {
	f := newFixture(t, bind{"alice@localhost/a", true, 0}, bind{"bob@localhost/b", true, 0})
	rule := func(deny bool, jid string, k filter.Stanzas, report bool) filter.Rule {
		r, err := filter.NewRule(deny, jid, k, report)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	alice, bob := f.sessions["alice@localhost/a"], f.sessions["bob@localhost/b"]
	route := func(from *session.Session, s string) {
		f.r.Route(context.Background(), from, element(t, s), nil, nil)
	}

	// Bob blocks alice (XEP-0191 as the privacy plugin installs it).
	f.r.filters.Set("privacy", "bob@localhost", []filter.Rule{rule(true, "alice@localhost", 0, true)})
	route(alice, "<message to='bob@localhost' type='chat' id='m1'><body>hi</body></message>")
	if got := f.sinks["bob@localhost/b"].take(); len(got) != 0 {
		t.Errorf("bob received from a blocked sender: %v", got)
	}
	if got := strings.Join(f.sinks["alice@localhost/a"].take(), ""); !strings.Contains(got, "service-unavailable") {
		t.Errorf("blocked sender got %q, want service-unavailable", got)
	}
	route(alice, "<presence to='bob@localhost/b'/>")
	if got := f.sinks["bob@localhost/b"].take(); len(got) != 0 {
		t.Errorf("bob received presence from a blocked sender: %v", got)
	}
	// Bob writing to the contact he blocked is refused as XEP-0191 says.
	route(bob, "<message to='alice@localhost' type='chat' id='m2'><body>hi</body></message>")
	got := strings.Join(f.sinks["bob@localhost/b"].take(), "")
	if !strings.Contains(got, "not-acceptable") || !strings.Contains(got, "<blocked xmlns='urn:xmpp:blocking:errors'/>") {
		t.Errorf("blocker writing to the blocked got %q", got)
	}
	if got := f.sinks["alice@localhost/a"].take(); len(got) != 0 {
		t.Errorf("the blocked contact received %v", got)
	}
	// Unblocking restores delivery.
	f.r.filters.Clear("bob@localhost")
	route(alice, "<message to='bob@localhost' type='chat' id='m3'/>")
	if got := f.sinks["bob@localhost/b"].take(); len(got) != 1 {
		t.Errorf("after unblocking bob received %v", got)
	}
}

func TestAMP(t *testing.T) {
	binds := []bind{{"alice@localhost/a", true, 0}, {"bob@localhost/b", true, 0}}
	amp := func(rules string) string {
		return "<message to='%s' id='m'><body>x</body><amp xmlns='http://jabber.org/protocol/amp'>" + rules + "</amp></message>"
	}
	tests := []struct {
		name, to, rules string
		bobGets         bool
		aliceGets       string // substring of what comes back to alice, "" for nothing
	}{
		{"deliver direct, notify", "bob@localhost", "<rule condition='deliver' value='direct' action='notify'/>", true, "status='notify'"},
		{"deliver stored, alert: not stored, delivered", "bob@localhost", "<rule condition='deliver' value='stored' action='alert'/>", true, ""},
		{"no such account: deliver none", "carol@localhost", "<rule condition='deliver' value='none' action='error'/>", false, "failed-rules"},
		{"match-resource exact fails, other drops", "bob@localhost/gone", "<rule condition='match-resource' value='other' action='drop'/>", false, ""},
		{"expired", "bob@localhost", "<rule condition='expire-at' value='2000-01-01T00:00:00Z' action='alert'/>", false, "status='alert'"},
		{"unsupported condition", "bob@localhost", "<rule condition='weather' value='sunny' action='drop'/>", false, "unsupported-conditions"},
		{"unsupported action", "bob@localhost", "<rule condition='deliver' value='direct' action='dance'/>", false, "unsupported-actions"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, binds...)
			stanza := strings.Replace(amp(tt.rules), "%s", tt.to, 1)
			f.r.Route(context.Background(), f.sessions["alice@localhost/a"], element(t, stanza), nil, nil)
			if got := len(f.sinks["bob@localhost/b"].take()) > 0; got != tt.bobGets {
				t.Errorf("bob received: %v, want %v", got, tt.bobGets)
			}
			back := strings.Join(f.sinks["alice@localhost/a"].take(), "")
			if tt.aliceGets == "" && back != "" || !strings.Contains(back, tt.aliceGets) {
				t.Errorf("alice got back %q, want %q", back, tt.aliceGets)
			}
		})
	}
}

func TestForgedStanzaIDIsStripped(t *testing.T) {
	f := newFixture(t, bind{"alice@localhost/a", true, 0}, bind{"bob@localhost/b", true, 0})
	f.r.Route(context.Background(), f.sessions["alice@localhost/a"], element(t,
		"<message to='bob@localhost/b' id='m'><body>x</body><stanza-id xmlns='urn:xmpp:sid:0' id='fake' by='bob@localhost'/><stanza-id xmlns='urn:xmpp:sid:0' id='kept' by='muc.example'/></message>"), nil, nil)
	got := strings.Join(f.sinks["bob@localhost/b"].take(), "")
	if strings.Contains(got, "fake") || !strings.Contains(got, "kept") || !strings.Contains(got, "<body>x</body>") {
		t.Errorf("bob received %q", got)
	}
}
