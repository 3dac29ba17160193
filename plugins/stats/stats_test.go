package stats_test

import (
	"context"
	"errors"
	"flag"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"

	"github.com/switchboard-xmpp/switchboard/plugins/stats"
	"github.com/switchboard-xmpp/switchboard/sdk"
	"github.com/switchboard-xmpp/switchboard/sdk/sdktest"
)

var update = flag.Bool("update", false, "rewrite testdata/*.xml with the actual outcomes")

// withGaps gives the plugin a Host that reports three users online, one
// of them twice, and three accounts. With fail, listing the sessions
// fails.
type withGaps struct {
	*stats.Stats
	fail bool
}

func (w withGaps) Configure(ctx context.Context, c sdk.Config) error {
	c.Host = gapHost{c.Host, w.fail}
	return w.Stats.Configure(ctx, c)
}

type gapHost struct {
	sdk.Host
	fail bool
}

func (h gapHost) AllSessions(context.Context) ([]sdk.Session, error) {
	if h.fail {
		return nil, errors.New("the session table is on fire")
	}
	return []sdk.Session{
		{JID: "romeo@localhost/orchard"}, {JID: "romeo@localhost/phone"},
		{JID: "juliet@localhost/balcony"}, {JID: "nurse@localhost/kitchen"},
	}, nil
}

func (h gapHost) Accounts() sdk.Accounts { return listing{h.Host.Accounts()} }

type listing struct{ sdk.Accounts }

func (listing) List(context.Context) ([]string, error) {
	return []string{"juliet", "nurse", "romeo", "tybalt"}, nil
}

func newHarness(t *testing.T, config map[string]any, full bool) *sdktest.Harness {
	t.Helper()
	var p sdk.Plugin = stats.New()
	if full {
		p = withGaps{Stats: stats.New()}
	}
	return sdktest.New(t, p, sdktest.Options{Config: config, Logger: hclog.NewNullLogger()})
}

func TestTranscript(t *testing.T) {
	newHarness(t, nil, true).Golden("testdata/stats.xml", *update)
}

func TestDiscoFeature(t *testing.T) {
	if !slices.Contains(stats.New().Describe().Features, stats.NS) {
		t.Errorf("disco features lack %s", stats.NS)
	}
}

// Only what can be computed is offered: with today's sdk, the uptime.
func TestOffered(t *testing.T) {
	for _, tt := range []struct {
		name string
		full bool
		want []string
	}{
		{"sdk host", false, []string{"time/uptime", "users/online", "users/total"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, nil, tt.full)
			r := h.Handle(`<iq type='get' id='s1' to='localhost'><query xmlns='http://jabber.org/protocol/stats'/></iq>`, "romeo@localhost/orchard")
			if r.Err != nil || len(r.Replies) != 1 {
				t.Fatalf("got %+v", r)
			}
			var got []string
			for _, st := range r.Replies[0].SelectElement("query").SelectElements("stat") {
				got = append(got, st.SelectAttrValue("name", ""))
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("offered %v, want %v", got, tt.want)
			}
		})
	}
}

// The uptime is counted from the server's start, in seconds.
func TestUptime(t *testing.T) {
	h := newHarness(t, nil, false)
	r := h.Handle(`<iq type='get' id='s1' to='localhost'><query xmlns='http://jabber.org/protocol/stats'><stat name='time/uptime'/></query></iq>`, "romeo@localhost/orchard")
	if r.Err != nil || len(r.Replies) != 1 {
		t.Fatalf("got %+v", r)
	}
	st := r.Replies[0].SelectElement("query").SelectElement("stat")
	v, err := strconv.ParseFloat(st.SelectAttrValue("value", ""), 64)
	if err != nil || v < 0 || v > 600 || st.SelectAttrValue("units", "") != "seconds" {
		t.Errorf("uptime %v, want seconds since the harness started", st)
	}
}

// A statistic that cannot be computed gets error 500; the others are
// answered.
func TestStatFails(t *testing.T) {
	h := sdktest.New(t, withGaps{Stats: stats.New(), fail: true}, sdktest.Options{Logger: hclog.NewNullLogger()})
	r := h.Handle(`<iq type='get' id='s1' to='localhost'><query xmlns='http://jabber.org/protocol/stats'><stat name='users/online'/><stat name='users/total'/></query></iq>`, "romeo@localhost/orchard")
	if r.Err != nil || len(r.Replies) != 1 {
		t.Fatalf("got %+v", r)
	}
	st := r.Replies[0].SelectElement("query").SelectElements("stat")
	if e := st[0].SelectElement("error"); e == nil || e.SelectAttrValue("code", "") != "500" || st[0].SelectAttr("value") != nil {
		t.Errorf("failed statistic answered %v, want error 500", st[0])
	}
	if st[1].SelectAttrValue("value", "") != "4" {
		t.Errorf("the other statistic answered %v, want its value", st[1])
	}
}

func TestAdminsOnly(t *testing.T) {
	h := newHarness(t, map[string]any{"admins_only": true, "admins": []string{"juliet@localhost"}}, true)
	q := `<iq type='get' id='s1' to='localhost'><query xmlns='http://jabber.org/protocol/stats'/></iq>`
	if r := h.Handle(q, "romeo@localhost/orchard"); r.Err == nil || r.Err.Condition != "forbidden" {
		t.Errorf("a user who is no admin got %+v, want forbidden", r)
	}
	if r := h.Handle(q, "juliet@localhost/balcony"); r.Err != nil {
		t.Errorf("the admin got %v", r.Err)
	}
}

func TestConfigErrors(t *testing.T) {
	h := newHarness(t, nil, false)
	for _, tt := range []struct {
		name   string
		config map[string]any
		want   string
	}{
		{"unknown key", map[string]any{"public": true}, `"public"`},
		{"admins only, no admins", map[string]any{"admins_only": true}, "admins_only"},
		{"not an account", map[string]any{"admins": []string{"localhost"}}, "admins[0]"},
		{"another domain", map[string]any{"admins": []string{"juliet@example.org"}}, "admins[0]"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if err := h.Configure(tt.config); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Configure error = %v, want one mentioning %s", err, tt.want)
			}
		})
	}
}
