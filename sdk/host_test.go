package sdk_test

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/beevik/etree"
	"github.com/hashicorp/go-hclog"

	"github.com/switchboard-xmpp/switchboard/sdk"
	"github.com/switchboard-xmpp/switchboard/sdk/sdktest"
	"github.com/switchboard-xmpp/switchboard/sdk/stanza"
)

// grabber hands its Host to the test, which then calls the Host service
// through the broker exactly as a handler would.
type grabber struct{ host sdk.Host }

func (g *grabber) Describe() sdk.Description {
	return sdk.Description{
		Name: "grabber", Version: "1",
		Routes: []sdk.Route{{Kind: sdk.IQ, Namespace: "urn:test", To: sdk.ToServer,
			Handle: func(context.Context, *sdk.Request) (*etree.Element, error) { return nil, nil }}},
		Features: []string{"urn:test"},
		Requires: []string{"roster.items"},
	}
}

func (g *grabber) Configure(_ context.Context, c sdk.Config) error {
	g.host = c.Host
	return nil
}

func grab(t *testing.T) (*sdktest.Harness, sdk.Host) {
	t.Helper()
	g := &grabber{}
	h := sdktest.New(t, g, sdktest.Options{Domain: "example.org", Logger: hclog.NewNullLogger()})
	return h, g.host
}

func TestHostStore(t *testing.T) {
	_, host := grab(t)
	ctx := context.Background()
	s := host.Store("alice@example.org")
	for _, k := range []string{"b/2", "a/1", "b/1", "b/3", "c"} {
		if err := s.Put(ctx, k, []byte("v"+k)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := host.Store("bob@example.org").Get(ctx, "a/1"); !errors.Is(err, sdk.ErrNotFound) {
		t.Errorf("another owner's key: err = %v, want ErrNotFound", err)
	}
	tests := []struct {
		name          string
		prefix, after string
		limit         int
		reverse       bool
		want          []string
	}{
		{"prefix", "b/", "", 0, false, []string{"b/1", "b/2", "b/3"}},
		{"after", "b/", "b/1", 0, false, []string{"b/2", "b/3"}},
		{"limit", "b/", "", 2, false, []string{"b/1", "b/2"}},
		{"reverse", "b/", "", 0, true, []string{"b/3", "b/2", "b/1"}},
		{"reverse before", "b/", "b/3", 1, true, []string{"b/2"}},
		{"everything", "", "", 0, false, []string{"a/1", "b/1", "b/2", "b/3", "c"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kvs, err := s.Scan(ctx, tt.prefix, tt.after, tt.limit, tt.reverse)
			if err != nil {
				t.Fatal(err)
			}
			var keys []string
			for _, kv := range kvs {
				keys = append(keys, kv.Key)
				if string(kv.Value) != "v"+kv.Key {
					t.Errorf("%s = %q", kv.Key, kv.Value)
				}
			}
			if !reflect.DeepEqual(keys, tt.want) {
				t.Errorf("keys %v, want %v", keys, tt.want)
			}
		})
	}
	if err := s.Delete(ctx, "c"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(ctx, "c"); !errors.Is(err, sdk.ErrNotFound) {
		t.Errorf("deleted key: err = %v, want ErrNotFound", err)
	}
}

func TestHostErrorsAreTyped(t *testing.T) {
	h, host := grab(t)
	ctx := context.Background()
	accounts := host.Accounts()
	if err := accounts.Create(ctx, "alice", "secret"); err != nil {
		t.Fatal(err)
	}
	var se *stanza.Error
	if err := accounts.Create(ctx, "alice", "again"); !errors.As(err, &se) || se.Condition != stanza.Conflict {
		t.Errorf("creating twice: err = %v, want conflict", err)
	}
	if err := accounts.SetPassword(ctx, "bob", "x"); !errors.As(err, &se) || se.Condition != stanza.ItemNotFound {
		t.Errorf("missing account: err = %v, want item-not-found", err)
	}
	if pw, _ := h.Password("alice"); pw != "secret" {
		t.Errorf("password %q", pw)
	}

	h.Provide("roster", "items", func(context.Context, string, []byte) ([]byte, error) {
		return nil, &stanza.Error{Condition: stanza.Forbidden, Text: "ask nicely"}
	})
	if _, err := host.Call(ctx, "roster", "items", nil); !errors.As(err, &se) || se.Condition != stanza.Forbidden || se.Text != "ask nicely" {
		t.Errorf("Call: err = %v, want the provider's forbidden", err)
	}
	if _, err := host.Call(ctx, "vcard", "get", nil); err == nil || errors.As(err, &se) {
		t.Errorf("Call of a method not required: err = %v, want a plain refusal", err)
	}
}

func TestHostSendIQ(t *testing.T) {
	h, host := grab(t)
	ctx := context.Background()
	ask := func() (*etree.Element, error) {
		iq := sdk.NewIQ("get", "example.org", "alice@example.org/phone", "")
		iq.AddChild(sdk.NewElement("urn:xmpp:ping", "ping"))
		return host.SendIQ(ctx, iq)
	}
	var se *stanza.Error
	if _, err := ask(); !errors.As(err, &se) || se.Condition != stanza.RecipientUnavailable {
		t.Errorf("unanswered: err = %v, want recipient-unavailable", err)
	}
	h.AnswerIQ(func(iq *etree.Element) *etree.Element {
		if iq.SelectAttrValue("id", "") == "" {
			t.Error("SendIQ sent an IQ without id")
		}
		answer := sdk.NewIQ("error", iq.SelectAttrValue("to", ""), "example.org", iq.SelectAttrValue("id", ""))
		e := answer.CreateElement("error")
		e.CreateAttr("type", "cancel")
		e.AddChild(sdk.NewElement(stanza.NSStanzas, "feature-not-implemented"))
		return answer
	})
	answer, err := ask()
	if answer == nil || answer.SelectAttrValue("type", "") != "error" {
		t.Errorf("answer = %v, want the error IQ", answer)
	}
	if !errors.As(err, &se) || se.Condition != stanza.FeatureNotImplemented || se.Type != stanza.Cancel {
		t.Errorf("err = %v, want feature-not-implemented", err)
	}
	if n := len(h.Sent()); n != 2 {
		t.Errorf("%d stanzas recorded, want 2", n)
	}
}

func TestHostSendChecksFrom(t *testing.T) {
	h, host := grab(t)
	msg := sdk.NewMessage("evil.example", "alice@example.org", "")
	if err := host.Send(context.Background(), msg); err == nil {
		t.Error("a stanza from another domain was sent")
	}
	if n := len(h.Sent()); n != 0 {
		t.Errorf("%d stanzas recorded", n)
	}
}

func TestHostSessionsAndFilters(t *testing.T) {
	h, host := grab(t)
	ctx := context.Background()
	want := []sdk.Session{{JID: "alice@example.org/phone", SessionID: "s1", Available: true, Priority: 5}}
	h.SetSessions("alice@example.org", want...)
	if got, err := host.Sessions(ctx, "alice@example.org"); err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("Sessions = %+v, %v", got, err)
	}
	rules := []sdk.FilterRule{{Action: sdk.Deny, JID: "spam.example", Stanzas: sdk.MessageIn | sdk.PresenceIn, ReportBlocked: true}}
	if err := host.SetFilters(ctx, "alice@example.org", rules); err != nil {
		t.Fatal(err)
	}
	if got := h.Filters("alice@example.org"); !reflect.DeepEqual(got, rules) {
		t.Errorf("Filters = %+v", got)
	}
}

// Long lists come in chunks (sdktest streams two a chunk, the core a
// thousand); the Host hands back the whole list.
func TestHostListsInChunks(t *testing.T) {
	h, host := grab(t)
	ctx := context.Background()
	var names []string
	for _, u := range []string{"a", "b", "c", "d", "e"} {
		if err := h.Accounts().Create(ctx, u, "pw"); err != nil {
			t.Fatal(err)
		}
		names = append(names, u)
		presence, _ := sdk.UnmarshalElement([]byte("<presence from='" + u + "@example.org/r'><show>away</show></presence>"))
		h.SetSessions(u+"@example.org", sdk.Session{JID: u + "@example.org/r", SessionID: u, Available: true, Presence: presence})
	}
	got, err := host.Accounts().List(ctx)
	if err != nil || !reflect.DeepEqual(got, names) {
		t.Errorf("Accounts().List = %q, %v; want %q", got, err, names)
	}
	all, err := host.AllSessions(ctx)
	if err != nil || len(all) != 5 {
		t.Fatalf("AllSessions = %+v, %v; want 5 sessions", all, err)
	}
	for _, s := range all {
		if s.Presence == nil || s.Presence.SelectElement("show") == nil || s.Presence.SelectAttrValue("from", "") != s.JID {
			t.Errorf("session %s came without its presence: %+v", s.JID, s)
		}
	}
}

func TestHostManifests(t *testing.T) {
	h, host := grab(t)
	other := sdk.Manifest{
		Name: "roster", Version: "3",
		Routes:   []sdk.Route{{Kind: sdk.IQ, Namespace: "jabber:iq:roster", To: sdk.ToBare}},
		Events:   []sdk.EventKind{sdk.AccountDeleted},
		Features: []string{"jabber:iq:roster"}, Provides: []string{"items"},
	}
	h.AddManifest(other)
	got, err := host.Manifests(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := []sdk.Manifest{(&grabber{}).Describe().Manifest(), other}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Manifests\n got %+v\nwant %+v", got, want)
	}
	if host.Domain() != "example.org" {
		t.Errorf("Domain = %q", host.Domain())
	}
}

func TestHostBatches(t *testing.T) {
	h, host := grab(t)
	ctx := context.Background()
	err := host.StoreBatch(ctx, []sdk.StoreOp{
		{Owner: "alice@example.org", Key: "k", Value: []byte("1")},
		{Owner: "bob@example.org", Key: "k", Value: []byte("2")},
		{Owner: "alice@example.org", Key: "k", Delete: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := host.Store("alice@example.org").Get(ctx, "k"); !errors.Is(err, sdk.ErrNotFound) {
		t.Errorf("a batched delete after a put left %v", err)
	}
	if v, err := host.Store("bob@example.org").Get(ctx, "k"); err != nil || string(v) != "2" {
		t.Errorf("bob's key = %q, %v", v, err)
	}
	var batch []*etree.Element
	for _, id := range []string{"1", "2", "3"} {
		m := sdk.NewMessage("example.org", "alice@example.org/r", "headline")
		m.CreateAttr("id", id)
		batch = append(batch, m)
	}
	if err := host.SendBatch(ctx, batch); err != nil {
		t.Fatal(err)
	}
	sent := h.Sent()
	if len(sent) != 3 || sent[0].SelectAttrValue("id", "") != "1" || sent[2].SelectAttrValue("id", "") != "3" {
		t.Errorf("SendBatch delivered %d stanzas out of order or lost", len(sent))
	}
}
