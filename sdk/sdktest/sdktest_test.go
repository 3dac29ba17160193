package sdktest_test

import (
	"context"
	"flag"
	"regexp"
	"strings"
	"testing"

	"github.com/beevik/etree"
	"github.com/hashicorp/go-hclog"

	"github.com/switchboard-xmpp/switchboard/sdk"
	"github.com/switchboard-xmpp/switchboard/sdk/sdktest"
	"github.com/switchboard-xmpp/switchboard/sdk/stanza"
)

const alice = "alice@localhost/phone"

func start(t *testing.T) (*sdktest.Harness, *lockedBuffer) {
	t.Helper()
	log := &lockedBuffer{}
	h := sdktest.New(t, &tiny{}, sdktest.Options{
		Config: map[string]any{"greeting": "hi"},
		Logger: hclog.New(&hclog.LoggerOptions{Output: log, Level: hclog.Trace}),
	})
	return h, log
}

func xml(t *testing.T, el *etree.Element) string {
	t.Helper()
	doc := etree.NewDocument()
	doc.SetRoot(el.Copy())
	s, err := doc.WriteToString()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestRouting(t *testing.T) {
	h, _ := start(t)
	tests := []struct {
		name, stanza, from string
		want               string // the one reply, "" for none
		noRoute            bool
		err                stanza.Condition
	}{
		{"iq to the server", `<iq type='get' id='1' to='localhost'><q xmlns='urn:test:echo'/></iq>`, alice,
			`<iq type="result" id="1" from="localhost" to="alice@localhost/phone"><q xmlns="urn:test:echo"/></iq>`, false, ""},
		{"to is prepared", `<iq type='get' id='1' to='LocalHost'><q xmlns='urn:test:echo'/></iq>`, alice,
			`<iq type="result" id="1" from="localhost" to="alice@localhost/phone"><q xmlns="urn:test:echo"/></iq>`, false, ""},
		{"pre-auth without to", `<iq type='get' id='2'><q xmlns='urn:test:echo'/></iq>`, "",
			`<iq type="result" id="2"><q xmlns="urn:test:echo"/></iq>`, false, ""},
		{"iq to own account without to", `<iq type='get' id='3'><q xmlns='urn:test:store'/></iq>`, alice,
			`<iq type="result" id="3" to="alice@localhost/phone"><stored xmlns="urn:test:store">alice@localhost/phone</stored></iq>`, false, ""},
		{"type not taken", `<iq type='set' id='4' to='localhost'><q xmlns='urn:test:echo'/></iq>`, alice, "", true, stanza.ServiceUnavailable},
		{"unknown namespace", `<iq type='get' id='5' to='localhost'><q xmlns='urn:test:none'/></iq>`, alice, "", true, stanza.ServiceUnavailable},
		{"not pre-auth", `<iq type='get' id='6'><q xmlns='urn:test:store'/></iq>`, "", "", true, stanza.ServiceUnavailable},
		{"results never reach routes", `<iq type='result' id='7' to='localhost'><q xmlns='urn:test:echo'/></iq>`, alice, "", true, ""},
		{"remote domain", `<iq type='get' id='8' to='example.org'><q xmlns='urn:test:echo'/></iq>`, alice, "", true, ""},
		{"iq to a full JID goes to the client", `<iq type='get' id='10' to='bob@localhost/pc'><q xmlns='urn:test:echo'/></iq>`, alice, "", true, ""},
		{"malformed to", `<iq type='get' id='9' to='a@b@c'><q xmlns='urn:test:echo'/></iq>`, alice, "", true, stanza.JIDMalformed},
		{"message type not taken", `<message to='bob@localhost/pc'><body>x</body></message>`, alice, "", true, ""},
		{"message to the server", `<message to='localhost'><body>x</body></message>`, alice, "", true, stanza.ServiceUnavailable},
		{"headline to the server", `<message type='headline' to='localhost'><body>x</body></message>`, alice, "", true, ""},
		{"message to an account", `<message to='bob@localhost'><body>x</body></message>`, alice, "", true, ""},
		{"broadcast presence", `<presence/>`, alice, "", false, ""},
		{"directed presence", `<presence to='bob@localhost'/>`, alice, "", true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := h.Handle(tt.stanza, tt.from)
			if r.NoRoute != tt.noRoute {
				t.Errorf("NoRoute = %v, want %v", r.NoRoute, tt.noRoute)
			}
			if got := condition(r.Err); got != tt.err {
				t.Errorf("error = %q, want %q", got, tt.err)
			}
			var got string
			if len(r.Replies) == 1 {
				got = xml(t, r.Replies[0])
			} else if len(r.Replies) > 1 {
				t.Fatalf("%d replies", len(r.Replies))
			}
			if got != tt.want {
				t.Errorf("reply\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

func condition(e *stanza.Error) stanza.Condition {
	if e == nil {
		return ""
	}
	return e.Condition
}

func TestSendGoesThroughHost(t *testing.T) {
	h, _ := start(t)
	r := h.Handle(`<message type='chat' to='bob@localhost/pc'><body>yo</body></message>`, alice)
	if r.NoRoute || r.Err != nil || len(r.Replies) != 0 {
		t.Fatalf("response = %+v", r)
	}
	sent := h.Sent()
	want := `<message type="chat" from="bob@localhost/pc" to="alice@localhost/phone"><body>hi</body></message>`
	if len(sent) != 1 || xml(t, sent[0]) != want {
		t.Fatalf("sent %d stanzas, want\n%s", len(sent), want)
	}
}

var errorID = regexp.MustCompile(`^internal error, id ([0-9a-f]{8})$`)

// TestUnexpectedFailures: a plain error and a panic both reach the client
// as internal-server-error whose id is in the log exactly once.
func TestUnexpectedFailures(t *testing.T) {
	for _, mode := range []string{"error", "panic"} {
		t.Run(mode, func(t *testing.T) {
			h, log := start(t)
			r := h.Handle(`<iq type='set' id='1' to='localhost'><q xmlns='urn:test:fail' mode='`+mode+`'/></iq>`, alice)
			if condition(r.Err) != stanza.InternalServerError {
				t.Fatalf("error = %v, want internal-server-error", r.Err)
			}
			m := errorID.FindStringSubmatch(r.Err.Text)
			if m == nil {
				t.Fatalf("error text %q carries no id", r.Err.Text)
			}
			if n := strings.Count(log.String(), m[1]); n != 1 {
				t.Errorf("id %s is %d times in the log:\n%s", m[1], n, log)
			}
		})
	}
}

func TestTypedErrorRoundTrip(t *testing.T) {
	h, _ := start(t)
	r := h.Handle(`<iq type='set' id='1' to='localhost'><q xmlns='urn:test:fail' mode='stanza'/></iq>`, alice)
	want := &stanza.Error{Type: stanza.Cancel, Condition: stanza.NotAllowed, Text: "not today", AppSpace: "urn:test:errors", AppLocal: "busy"}
	if r.Err == nil || r.Err.String() != want.String() {
		t.Fatalf("error = %#v, want %#v", r.Err, want)
	}
}

func TestNotMine(t *testing.T) {
	h, _ := start(t)
	r := h.Handle(`<iq type='set' id='1' to='localhost'><q xmlns='urn:test:fail' mode='decline'/></iq>`, alice)
	if !r.Declined || r.NoRoute || condition(r.Err) != stanza.ServiceUnavailable {
		t.Fatalf("response = %+v, want declined, answered service-unavailable", r)
	}
}

func TestConfig(t *testing.T) {
	h, _ := start(t)
	tests := []struct {
		name    string
		config  map[string]any
		wantErr string
	}{
		{"empty keeps defaults", nil, ""},
		{"known key", map[string]any{"greeting": "hey"}, ""},
		{"unknown key is named", map[string]any{"colour": "red"}, `"colour"`},
		{"Validate runs", map[string]any{"greeting": " "}, "greeting must not be empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := h.Configure(tt.config)
			if tt.wantErr == "" && err != nil {
				t.Fatalf("Configure: %v", err)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("Configure error = %v, want one containing %s", err, tt.wantErr)
			}
		})
	}
}

func TestHostStoreThroughBroker(t *testing.T) {
	h, _ := start(t)
	r := h.Handle(`<iq type='get' id='1' to='alice@localhost'><q xmlns='urn:test:store'/></iq>`, alice)
	if r.Err != nil {
		t.Fatal(r.Err)
	}
	v, err := h.Store("alice@localhost").Get(context.Background(), "last")
	if err != nil || string(v) != alice {
		t.Fatalf("stored %q, %v; want %q", v, err, alice)
	}
}

func TestCallRelaysTypedErrors(t *testing.T) {
	h, _ := start(t)
	r := h.Handle(`<iq type='get' id='1' to='localhost'><q xmlns='urn:test:call'/></iq>`, alice)
	if condition(r.Err) != stanza.InternalServerError {
		t.Errorf("without a provider: error = %v, want internal-server-error (the core's refusal is not a stanza error)", r.Err)
	}
	h.Provide("roster", "items", func(_ context.Context, caller string, _ []byte) ([]byte, error) {
		return nil, stanza.Errorf(stanza.ItemNotFound, "no roster for "+caller)
	})
	r = h.Handle(`<iq type='get' id='2' to='localhost'><q xmlns='urn:test:call'/></iq>`, alice)
	if condition(r.Err) != stanza.ItemNotFound || r.Err.Text != "no roster for tiny" {
		t.Fatalf("error = %v, want the provider's item-not-found", r.Err)
	}
}

func TestInvoke(t *testing.T) {
	h, _ := start(t)
	got, err := h.Invoke("upper", "other", []byte("abc"))
	if err != nil || string(got) != "ABC" {
		t.Fatalf("Invoke = %q, %v", got, err)
	}
	_, err = h.Invoke("upper", "other", nil)
	if se, ok := err.(*stanza.Error); !ok || se.Condition != stanza.BadRequest {
		t.Fatalf("Invoke error = %v, want bad-request", err)
	}
	_, err = h.Invoke("lower", "other", nil)
	if se, ok := err.(*stanza.Error); !ok || se.Condition != stanza.FeatureNotImplemented {
		t.Fatalf("unknown method: error = %v, want feature-not-implemented", err)
	}
}

func TestEvents(t *testing.T) {
	h, _ := start(t)
	if err := h.Event(sdktest.Event{Kind: sdk.SessionBound, JID: alice, SessionID: "s1"}); err != nil {
		t.Fatal(err)
	}
	if v, err := h.Store("").Get(context.Background(), "bound/s1"); err != nil || string(v) != alice {
		t.Fatalf("bound/s1 = %q, %v", v, err)
	}
	if err := h.Event(sdktest.Event{Kind: sdk.AccountDeleted, JID: "alice@localhost"}); err == nil {
		t.Fatal("an event the plugin did not ask for was delivered")
	}
}

func TestCleanupRunsWhenTheTestEnds(t *testing.T) {
	p := &tiny{}
	t.Run("inner", func(t *testing.T) {
		sdktest.New(t, p, sdktest.Options{Logger: hclog.NewNullLogger()})
	})
	if !p.cleaned {
		t.Fatal("Cleanup was not called")
	}
}

var update = flag.Bool("update", false, "rewrite testdata/*.xml with the actual outcomes")

func TestGolden(t *testing.T) {
	h, _ := start(t)
	h.Golden("testdata/tiny.xml", *update)
}

// TestFailedReloadKeepsTheRunningConfiguration: a config that does not
// validate leaves the plugin working with the Host it had.
func TestFailedReloadKeepsTheRunningConfiguration(t *testing.T) {
	h, _ := start(t)
	if err := h.Configure(map[string]any{"greeting": ""}); err == nil {
		t.Fatal("an empty greeting was accepted")
	}
	if r := h.Handle(`<iq type='get' id='1'><q xmlns='urn:test:store'/></iq>`, alice); r.Err != nil {
		t.Fatalf("after a failed reload: %v", r.Err)
	}
	if err := h.Configure(map[string]any{"greeting": "hey"}); err != nil {
		t.Fatal(err)
	}
	h.Handle(`<message type='chat' to='bob@localhost/pc'/>`, alice)
	if sent := h.Sent(); len(sent) != 1 || sent[0].FindElement("body").Text() != "hey" {
		t.Fatalf("after a reload the plugin sent %d stanzas", len(sent))
	}
}

// TestSetupRunsBeforeNewReturns: what Setup provides is there for the
// first stanza, which is what FuzzStanzas needs.
func TestSetupRunsBeforeNewReturns(t *testing.T) {
	h := sdktest.New(t, &tiny{}, sdktest.Options{
		Config: map[string]any{"greeting": "hi"},
		Logger: hclog.NewNullLogger(),
		Setup: func(h *sdktest.Harness) {
			h.Provide("roster", "items", func(context.Context, string, []byte) ([]byte, error) {
				return nil, stanza.Errorf(stanza.ItemNotFound, "from setup")
			})
		},
	})
	r := h.Handle(`<iq type='get' id='1' to='localhost'><q xmlns='urn:test:call'/></iq>`, alice)
	if condition(r.Err) != stanza.ItemNotFound || r.Err.Text != "from setup" {
		t.Fatalf("error = %v, want the item-not-found provided in Setup", r.Err)
	}
}
