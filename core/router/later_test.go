package router

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/switchboard-xmpp/switchboard/core/jidprep"
	"github.com/switchboard-xmpp/switchboard/core/session"
	"github.com/switchboard-xmpp/switchboard/core/stream"
)

// plugins claims what its routes name and takes it or declines it.
type plugins struct {
	claims  map[string]bool // by stanza kind
	offline bool
	take    bool
	service bool     // owns every other domain, and claims what is sent to it
	got     []string // the stanzas offered, as handled
	held    []string // MessageHeld: owner, a space, the message
}

func (p *plugins) Handle(_ context.Context, _ *session.Session, el *stream.Element, _ jidprep.JID) bool {
	p.got = append(p.got, string(el.Raw))
	return p.take
}

func (p *plugins) Claims(_ *session.Session, el *stream.Element, _ jidprep.JID) bool {
	return p.claims[el.Name.Local]
}

func (p *plugins) Undeliverable(_ context.Context, _ *session.Session, el *stream.Element, _ jidprep.JID) bool {
	p.got = append(p.got, string(el.Raw))
	return p.take
}

func (p *plugins) ClaimsUndeliverable(*stream.Element) bool { return p.offline }

func (p *plugins) MessageHeld(owner string, msg []byte) {
	p.held = append(p.held, owner+" "+string(msg))
}

func (p *plugins) Service(_ context.Context, _ *session.Session, el *stream.Element, _ jidprep.JID) bool {
	if p.service {
		p.got = append(p.got, string(el.Raw))
	}
	return p.service
}

func (p *plugins) ClaimsService(*stream.Element, jidprep.JID) bool { return p.service }

func (p *plugins) ServiceDomain(string) bool { return p.service }

// later keeps what the router hands it, or refuses.
type later struct {
	refuse bool
	runs   []func(context.Context)
}

func (l *later) Defer(_ *stream.Element, run func(context.Context)) bool {
	if l.refuse {
		return false
	}
	l.runs = append(l.runs, run)
	return true
}

// TestPluginCallsAreHandedOff: with a Deferrer, a stanza a plugin claims
// is handed off instead of being offered on the reader, and goes on from
// there when run: offered to the plugin, then, if it declines, handled as
// if no plugin had claimed it. What no plugin claims is routed at once; a
// refused hand-off is answered with resource-constraint.
func TestPluginCallsAreHandedOff(t *testing.T) {
	tests := []struct {
		name    string
		stanza  string
		p       plugins
		refuse  bool
		handed  bool
		now     map[string]string // what sessions got at once: full JID -> substring
		after   map[string]string // and after the handed-off part ran
		offered bool
	}{
		{name: "claimed IQ to the server, declined", stanza: "<iq type='get' to='localhost' id='q'><q xmlns='urn:x'/></iq>",
			p: plugins{claims: map[string]bool{"iq": true}}, handed: true, offered: true,
			now: map[string]string{"alice@localhost/a": ""}, after: map[string]string{"alice@localhost/a": "service-unavailable"}},
		{name: "claimed IQ to the server, taken", stanza: "<iq type='get' to='localhost' id='q'><q xmlns='urn:x'/></iq>",
			p: plugins{claims: map[string]bool{"iq": true}, take: true}, handed: true, offered: true,
			now: map[string]string{"alice@localhost/a": ""}, after: map[string]string{"alice@localhost/a": ""}},
		{name: "unclaimed IQ to the server", stanza: "<iq type='get' to='localhost' id='q'><q xmlns='urn:x'/></iq>",
			p:   plugins{},
			now: map[string]string{"alice@localhost/a": "service-unavailable"}},
		{name: "refused hand-off", stanza: "<iq type='get' to='localhost' id='q'><q xmlns='urn:x'/></iq>",
			p: plugins{claims: map[string]bool{"iq": true}}, refuse: true,
			now: map[string]string{"alice@localhost/a": "resource-constraint"}},
		{name: "directed presence, declined", stanza: "<presence to='bob@localhost/b' id='p'/>",
			p: plugins{claims: map[string]bool{"presence": true}}, handed: true, offered: true,
			now: map[string]string{"bob@localhost/b": ""}, after: map[string]string{"bob@localhost/b": "id='p'"}},
		{name: "message to an offline account, stored", stanza: "<message to='carol@localhost' type='chat' id='m'><body>x</body></message>",
			p: plugins{offline: true, take: true}, handed: true, offered: true,
			now: map[string]string{"alice@localhost/a": ""}, after: map[string]string{"alice@localhost/a": ""}},
		{name: "message to an offline account, not stored", stanza: "<message to='carol@localhost' type='chat' id='m'><body>x</body></message>",
			p: plugins{offline: true}, handed: true, offered: true,
			now: map[string]string{"alice@localhost/a": ""}, after: map[string]string{"alice@localhost/a": "service-unavailable"}},
		{name: "IQ to a service plugin's domain", stanza: "<iq type='get' to='upload.localhost' id='q'><q xmlns='urn:x'/></iq>",
			p: plugins{service: true}, handed: true, offered: true,
			now: map[string]string{"alice@localhost/a": ""}, after: map[string]string{"alice@localhost/a": ""}},
		{name: "IQ to a domain no service owns", stanza: "<iq type='get' to='upload.localhost' id='q'><q xmlns='urn:x'/></iq>",
			p:   plugins{},
			now: map[string]string{"alice@localhost/a": "remote-server-not-found"}},
		{name: "message to an online account", stanza: "<message to='bob@localhost' type='chat' id='m'><body>x</body></message>",
			p:   plugins{offline: true, claims: map[string]bool{"message": true}},
			now: map[string]string{"bob@localhost/b": "id='m'"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, bind{"alice@localhost/a", true, 0}, bind{"bob@localhost/b", true, 0})
			f.r = New([]string{"localhost"}, f.r.sessions, accounts{"alice": true, "bob": true, "carol": true}, &tt.p, f.r.filters, nil, f.r.log)
			l := &later{refuse: tt.refuse}
			el := element(t, tt.stanza)
			raw := string(el.Raw)
			f.r.Route(context.Background(), f.sessions["alice@localhost/a"], el, nil, l)
			check(t, "at once", f, tt.now)
			if tt.handed != (len(l.runs) == 1) {
				t.Fatalf("handed off %d times, want %v", len(l.runs), tt.handed)
			}
			if !tt.handed {
				return
			}
			if len(tt.p.got) > 0 {
				t.Fatalf("the plugin was offered %q on the reader", tt.p.got)
			}
			// The reader reuses its element for the next stanza.
			copy(el.Raw, strings.Repeat("x", len(el.Raw)))
			l.runs[0](context.Background())
			if tt.offered != (len(tt.p.got) == 1 && tt.p.got[0] == raw) {
				t.Errorf("the plugin was offered %q, want %q", tt.p.got, raw)
			}
			check(t, "after", f, tt.after)
		})
	}
}

func check(t *testing.T, when string, f *fixture, want map[string]string) {
	t.Helper()
	for full, sub := range want {
		got := strings.Join(f.sinks[full].take(), "")
		if sub == "" && got != "" || !strings.Contains(got, sub) {
			t.Errorf("%s, %s got %q, want %q", when, full, got, sub)
		}
	}
}

// recorder is an archive that keeps who each copy was recorded for, and
// whether it had been told to expect it.
type recorder struct {
	copies   []string
	expected map[string]int
}

func (r *recorder) Enabled() bool { return true }
func (r *recorder) Record(owner, _, _ string, _ []byte, outgoing bool) {
	c := fmt.Sprintf("%s outgoing=%v", owner, outgoing)
	if r.expected[owner] > 0 {
		c += " expected"
	}
	r.copies = append(r.copies, c)
}
func (r *recorder) Expect(owner string) func() {
	if r.expected == nil {
		r.expected = map[string]int{}
	}
	r.expected[owner]++
	return func() { r.expected[owner]-- }
}

// TestHandedOffMessageArchivedOnceDelivered: a message handed off to offline
// storage is archived as sent only once storage took it; one that bounces
// is not archived as sent, as on the reader.
func TestHandedOffMessageArchivedOnceDelivered(t *testing.T) {
	for _, take := range []bool{true, false} {
		f := newFixture(t, bind{"alice@localhost/a", true, 0})
		arch := &recorder{}
		p := &plugins{offline: true, take: take}
		f.r = New([]string{"localhost"}, f.r.sessions, accounts{"alice": true, "carol": true}, p, f.r.filters, arch, f.r.log)
		l := &later{}
		f.r.Route(context.Background(), f.sessions["alice@localhost/a"], element(t, "<message to='carol@localhost' type='chat' id='m'><body>x</body></message>"), nil, l)
		if len(arch.copies) != 0 || len(l.runs) != 1 {
			t.Fatalf("before the hand-off ran: archived %q, %d runs", arch.copies, len(l.runs))
		}
		l.runs[0](context.Background())
		sent := slices.Contains(arch.copies, "alice@localhost outgoing=true")
		if sent != take {
			t.Errorf("stored %v: archived %q, want a sent copy %v", take, arch.copies, take)
		}
		// carol may have the stored copy and query her archive before
		// it is recorded: the archive was told to expect it, and is
		// told when the wait is over either way.
		received := slices.Contains(arch.copies, "carol@localhost outgoing=false expected")
		if received != take || arch.expected["carol@localhost"] != 0 {
			t.Errorf("stored %v: archived %q with %d copies still expected, want carol's copy %v, announced, and none left expected", take, arch.copies, arch.expected["carol@localhost"], take)
		}
	}
}
