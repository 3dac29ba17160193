package register

import (
	"context"
	"errors"
	"flag"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/hashicorp/go-hclog"

	"github.com/switchboard-xmpp/switchboard/sdk"
	"github.com/switchboard-xmpp/switchboard/sdk/sdktest"
	"github.com/switchboard-xmpp/switchboard/sdk/stanza"
)

var update = flag.Bool("update", false, "rewrite testdata/*.xml with the actual outcomes")

var open = map[string]any{"allow_registration": true}

// newHarness runs the plugin with juliet@localhost registered (password
// "secret") and its clock at *now.
func newHarness(t *testing.T, cfg map[string]any, now *time.Time) (*Register, *sdktest.Harness) {
	r := New()
	if now != nil {
		r.now = func() time.Time { return *now }
	}
	h := sdktest.New(t, r, sdktest.Options{Config: cfg, Logger: hclog.NewNullLogger()})
	if err := h.Accounts().Create(context.Background(), "juliet", "secret"); err != nil {
		t.Fatal(err)
	}
	return r, h
}

func TestTranscripts(t *testing.T) {
	for file, cfg := range map[string]map[string]any{"register.xml": open, "closed.xml": nil} {
		t.Run(file, func(t *testing.T) {
			_, h := newHarness(t, cfg, nil)
			h.Golden("testdata/"+file, *update)
		})
	}
}

func TestDiscoFeature(t *testing.T) {
	if !slices.Contains(New().Describe().Features, NS) {
		t.Errorf("disco features lack %s", NS)
	}
}

// The stream feature follows allow_registration, reloads included.
func TestStreamFeature(t *testing.T) {
	_, h := newHarness(t, nil, nil)
	for _, tt := range []struct {
		cfg  map[string]any
		want int
	}{{nil, 0}, {open, 1}, {map[string]any{"allow_registration": false}, 0}} {
		if err := h.Configure(tt.cfg); err != nil {
			t.Fatal(err)
		}
		fs := h.StreamFeatures()
		if len(fs) != tt.want {
			t.Fatalf("config %v: stream features %v, want %d", tt.cfg, fs, tt.want)
		}
		if tt.want == 1 && (fs[0].Stage != sdk.StagePreAuth || !strings.Contains(fs[0].XML, NSFeature)) {
			t.Errorf("stream feature %+v, want <register xmlns='%s'/> before authentication", fs[0], NSFeature)
		}
	}
}

func registration(user string) string {
	return "<iq type='set' id='r'><query xmlns='jabber:iq:register'><username>" + user + "</username><password>pw</password></query></iq>"
}

func TestAccountsChange(t *testing.T) {
	ctx := context.Background()
	_, h := newHarness(t, open, nil)
	tests := []struct {
		name, from, iq string
		check          func() bool
	}{
		{"registration creates the account, its name prepared", "", registration("Romeo"), func() bool {
			ok, _ := h.Accounts().Exists(ctx, "romeo")
			return ok
		}},
		{"password change", "juliet@localhost/balcony", "<iq type='set' id='c'><query xmlns='jabber:iq:register'><username>Juliet</username><password>newpass</password></query></iq>", func() bool {
			p, _ := h.Password("juliet")
			return p == "newpass"
		}},
		{"refused password change", "juliet@localhost/balcony", "<iq type='set' id='c'><query xmlns='jabber:iq:register'><username>juliet</username><password/></query></iq>", func() bool {
			p, _ := h.Password("juliet")
			return p == "newpass"
		}},
		{"removal", "juliet@localhost/balcony", "<iq type='set' id='u'><query xmlns='jabber:iq:register'><remove/></query></iq>", func() bool {
			ok, _ := h.Accounts().Exists(ctx, "juliet")
			return !ok
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h.Handle(tt.iq, tt.from)
			if !tt.check() {
				t.Error("the accounts are not as expected")
			}
		})
	}
}

func TestRateLimit(t *testing.T) {
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	_, h := newHarness(t, map[string]any{"allow_registration": true, "registrations_per_address": 2, "registration_window": "1h"}, &now)
	steps := []struct {
		user    string
		advance time.Duration // before the attempt
		wantC   stanza.Condition
	}{
		{"a", 0, ""},
		{"juliet", 0, stanza.Conflict}, // a failed registration does not count
		{"b", 10 * time.Minute, ""},
		{"c", 0, stanza.ResourceConstraint},
		{"c", 49 * time.Minute, stanza.ResourceConstraint}, // "a" is 59 minutes old
		{"c", time.Minute, ""},                             // "a" left the window
		{"d", 0, stanza.ResourceConstraint},
	}
	for i, s := range steps {
		now = now.Add(s.advance)
		r := h.Handle(registration(s.user), "")
		got := stanza.Condition("")
		if r.Err != nil {
			got = r.Err.Condition
		}
		if got != s.wantC {
			t.Fatalf("step %d (%s): got %q, want %q", i, s.user, got, s.wantC)
		}
	}
}

func TestLimiterIgnoresPortsAndForgets(t *testing.T) {
	l := newLimiter()
	now := time.Now()
	if !l.take("192.0.2.1:5000", now, 1, time.Hour) || l.take("192.0.2.1:5001", now, 1, time.Hour) {
		t.Fatal("a second port of one address made a second registration")
	}
	if !l.take("[2001:db8::1]:5000", now, 1, time.Hour) {
		t.Fatal("another address was refused")
	}
	l.take("198.51.100.7", now.Add(2*time.Hour), 1, time.Hour)
	if len(l.seen) != 1 {
		t.Errorf("limiter remembers %d addresses, want only the one within the window", len(l.seen))
	}
}

// sdktest's streams are always encrypted; the handlers are called directly
// for one that is not.
func TestNeedsEncryption(t *testing.T) {
	r, _ := newHarness(t, open, nil)
	tests := []struct {
		name, from, iq string
	}{
		{"registration", "", registration("romeo")},
		{"password change", "juliet@localhost/balcony", "<iq type='set' id='c'><query xmlns='jabber:iq:register'><username>juliet</username><password>x</password></query></iq>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := etree.NewDocument()
			if err := doc.ReadFromString(tt.iq); err != nil {
				t.Fatal(err)
			}
			req := &sdk.Request{Stanza: doc.Root(), From: tt.from, To: "localhost", Authenticated: tt.from != "", RemoteAddr: "192.0.2.1"}
			_, err := r.handle(context.Background(), req)
			var se *stanza.Error
			if !errors.As(err, &se) || se.Condition != stanza.NotAuthorized {
				t.Errorf("got %v, want not-authorized", err)
			}
		})
	}
}

func TestConfig(t *testing.T) {
	tests := []struct {
		name    string
		cfg     map[string]any
		wantErr string
	}{
		{"defaults", nil, ""},
		{"strings, as from the environment", map[string]any{"allow_registration": "true", "registrations_per_address": "10", "registration_window": "30m"}, ""},
		{"no limit", map[string]any{"registrations_per_address": 0, "registration_window": "0s"}, ""},
		{"unknown key", map[string]any{"allow_registrations": true}, `"allow_registrations"`},
		{"negative limit", map[string]any{"registrations_per_address": -1}, "must not be negative"},
		{"limit without window", map[string]any{"registration_window": "0s"}, "registration_window must be positive"},
		{"blank instructions", map[string]any{"instructions": " "}, "instructions must not be blank"},
	}
	_, h := newHarness(t, nil, nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := h.Configure(tt.cfg)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("Configure: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("Configure error = %v, want one containing %s", err, tt.wantErr)
			}
		})
	}
}
