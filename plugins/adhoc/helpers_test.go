package adhoc_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/beevik/etree"
	"github.com/hashicorp/go-hclog"

	"github.com/switchboard-xmpp/switchboard/plugins/adhoc"
	"github.com/switchboard-xmpp/switchboard/sdk"
	"github.com/switchboard-xmpp/switchboard/sdk/sdktest"
)

const (
	admin    = "juliet@localhost/balcony"
	stranger = "romeo@localhost/orchard"
	nsAdmin  = "http://jabber.org/protocol/admin"
)

// gaps controls what the Host reports for the whole domain — its sessions,
// its accounts — and records the sessions a command ends.
type gaps struct {
	mu       sync.Mutex
	sessions []sdk.Session
	users    []string // candidates for Accounts.List; those that exist are listed
	ended    []string
}

// withGaps is the plugin with a Host whose domain-wide answers come from
// gaps.
type withGaps struct {
	*adhoc.AdHoc
	g *gaps
}

func (w withGaps) Configure(ctx context.Context, c sdk.Config) error {
	c.Host = gapHost{Host: c.Host, g: w.g}
	return w.AdHoc.Configure(ctx, c)
}

type gapHost struct {
	sdk.Host
	g *gaps
}

func (h gapHost) AllSessions(context.Context) ([]sdk.Session, error) {
	h.g.mu.Lock()
	defer h.g.mu.Unlock()
	return slices.Clone(h.g.sessions), nil
}

func (h gapHost) EndSession(_ context.Context, jid string) error {
	h.g.mu.Lock()
	defer h.g.mu.Unlock()
	h.g.ended = append(h.g.ended, jid)
	return nil
}

func (h gapHost) Accounts() sdk.Accounts { return listing{Accounts: h.Host.Accounts(), g: h.g} }

type listing struct {
	sdk.Accounts
	g *gaps
}

func (l listing) List(ctx context.Context) ([]string, error) {
	l.g.mu.Lock()
	users := slices.Clone(l.g.users)
	l.g.mu.Unlock()
	var out []string
	for _, u := range users {
		ok, err := l.Exists(ctx, u)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, u)
		}
	}
	slices.Sort(out)
	return out, nil
}

var adminConfig = map[string]any{"admins": []string{"juliet@localhost"}}

// newHarness runs the plugin with the sdk's Host as it is (full false),
// or with the proposed methods (full true).
func newHarness(t *testing.T, config map[string]any, full bool) (*sdktest.Harness, *gaps) {
	t.Helper()
	g := &gaps{}
	var p sdk.Plugin = adhoc.New()
	if full {
		p = withGaps{AdHoc: adhoc.New(), g: g}
	}
	return sdktest.New(t, p, sdktest.Options{Config: config, Logger: hclog.NewNullLogger()}), g
}

// execute starts a command and returns the <command/> answered.
func execute(t *testing.T, h *sdktest.Harness, from, node string) *etree.Element {
	t.Helper()
	r := h.Handle(`<iq type='set' id='e1' to='localhost'><command xmlns='http://jabber.org/protocol/commands' node='`+node+`' action='execute'/></iq>`, from)
	return commandOf(t, r)
}

// submit completes a command's session with a form of the given fields.
func submit(h *sdktest.Harness, from, node, id, action string, fields map[string][]string) sdktest.Response {
	var b strings.Builder
	b.WriteString(`<iq type='set' id='s1' to='localhost'><command xmlns='http://jabber.org/protocol/commands' node='` + node + `' sessionid='` + id + `'`)
	if action != "" {
		b.WriteString(` action='` + action + `'`)
	}
	b.WriteString(`>`)
	if fields != nil {
		b.WriteString(`<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>` + nsAdmin + `</value></field>`)
		for name, values := range fields {
			b.WriteString(`<field var='` + name + `'>`)
			for _, v := range values {
				b.WriteString(`<value>` + v + `</value>`)
			}
			b.WriteString(`</field>`)
		}
		b.WriteString(`</x>`)
	}
	b.WriteString(`</command></iq>`)
	return h.Handle(b.String(), from)
}

func commandOf(t *testing.T, r sdktest.Response) *etree.Element {
	t.Helper()
	if r.Err != nil || len(r.Replies) != 1 {
		t.Fatalf("got %+v (error %v), want one result", r, r.Err)
	}
	c := r.Replies[0].SelectElement("command")
	if c == nil {
		t.Fatalf("result without <command/>: %v", r.Replies[0])
	}
	return c
}

// values returns the values of a field of the command's result form.
func values(cmd *etree.Element, name string) []string {
	x := cmd.SelectElement("x")
	if x == nil {
		return nil
	}
	for _, f := range x.SelectElements("field") {
		if f.SelectAttrValue("var", "") == name {
			var out []string
			for _, v := range f.SelectElements("value") {
				out = append(out, v.Text())
			}
			return out
		}
	}
	return nil
}

// notes returns the command's notes as "type: text".
func notes(cmd *etree.Element) []string {
	var out []string
	for _, n := range cmd.SelectElements("note") {
		out = append(out, n.SelectAttrValue("type", "")+": "+n.Text())
	}
	return out
}

// wantErr checks the stanza error's condition and, when app is not "",
// its XEP-0050 condition.
func wantErr(t *testing.T, r sdktest.Response, cond, app string) {
	t.Helper()
	if r.Err == nil {
		t.Fatalf("got %+v, want %s", r.Replies, cond)
	}
	if string(r.Err.Condition) != cond || r.Err.AppLocal != app {
		t.Fatalf("error %s (%s), want %s (%s)", r.Err.Condition, r.Err.AppLocal, cond, app)
	}
}
