package extdisco_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"flag"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/hashicorp/go-hclog"

	"github.com/switchboard-xmpp/switchboard/plugins/extdisco"
	"github.com/switchboard-xmpp/switchboard/sdk"
	"github.com/switchboard-xmpp/switchboard/sdk/sdktest"
	"github.com/switchboard-xmpp/switchboard/sdk/stanza"
)

var update = flag.Bool("update", false, "rewrite testdata/*.xml with the actual outcomes")

const (
	juliet = "juliet@localhost/balcony"
	secret = "coturn-static-auth-secret"
)

func stunConfig() map[string]any {
	return map[string]any{"services": []any{
		map[string]any{"host": "stun.example.org", "type": "stun"},
		map[string]any{"host": "stun.example.org", "type": "stuns", "name": "STUN over TLS"},
	}}
}

func turnConfig() map[string]any {
	return map[string]any{
		"secret":              secret,
		"credential_lifetime": "1h",
		"services": []any{
			map[string]any{"host": "stun.example.org", "type": "stun"},
			map[string]any{"host": "turn.example.org", "type": "turn"},
			map[string]any{"host": "turn.example.org", "type": "turn", "transport": "tcp", "port": 80},
			map[string]any{"host": "turn.example.org", "type": "turns", "port": 443},
		},
	}
}

func newHarness(t *testing.T, cfg map[string]any) *sdktest.Harness {
	return sdktest.New(t, extdisco.New(), sdktest.Options{Config: cfg, Logger: hclog.NewNullLogger()})
}

func TestTranscript(t *testing.T) {
	newHarness(t, stunConfig()).Golden("testdata/extdisco.xml", *update)
}

func TestDiscoFeature(t *testing.T) {
	d := extdisco.New().Describe()
	if !slices.Contains(d.Features, extdisco.NS) {
		t.Errorf("disco features lack %s", extdisco.NS)
	}
	for _, r := range d.Routes {
		if r.PreAuth {
			t.Errorf("route %s is served before authentication", r.Namespace)
		}
	}
}

// get sends an extdisco request and returns the payload of the result.
func get(t *testing.T, h *sdktest.Harness, from, payload string) *etree.Element {
	t.Helper()
	r := h.Handle("<iq type='get' id='x' to='localhost'>"+payload+"</iq>", from)
	if r.Err != nil || len(r.Replies) != 1 {
		t.Fatalf("%s: got %+v, err %v", payload, r, r.Err)
	}
	return r.Replies[0].ChildElements()[0]
}

// checkCredentials verifies a restricted service's credentials as coturn
// does with use-auth-secret, computed here independently: the password is
// base64(HMAC-SHA1(secret, username)), the username is
// "<expiry>:<label>", and 'expires' is that expiry, lifetime after the
// request.
func checkCredentials(t *testing.T, s *etree.Element, label string, before, after time.Time, lifetime time.Duration) {
	t.Helper()
	username, password := s.SelectAttrValue("username", ""), s.SelectAttrValue("password", "")
	mac := hmac.New(sha1.New, []byte(secret))
	mac.Write([]byte(username))
	if want := base64.StdEncoding.EncodeToString(mac.Sum(nil)); password != want {
		t.Errorf("password %q, want base64(HMAC-SHA1(secret, %q)) = %q", password, username, want)
	}
	ts, got, ok := strings.Cut(username, ":")
	if !ok || got != label {
		t.Errorf("username %q, want <expiry>:%s", username, label)
	}
	unix, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		t.Fatalf("username %q: expiry: %v", username, err)
	}
	expires, err := time.Parse(time.RFC3339, s.SelectAttrValue("expires", ""))
	if err != nil {
		t.Fatalf("expires: %v", err)
	}
	if !strings.HasSuffix(s.SelectAttrValue("expires", ""), "Z") {
		t.Errorf("expires %q is not in UTC (XEP-0215 §2)", s.SelectAttrValue("expires", ""))
	}
	if expires.Unix() != unix {
		t.Errorf("expires %v, but the username says %d", expires, unix)
	}
	if lo, hi := before.Add(lifetime).Add(-time.Second), after.Add(lifetime); expires.Before(lo) || expires.After(hi) {
		t.Errorf("expires %v, want between %v and %v (the request's time plus %v)", expires, lo, hi, lifetime)
	}
	if s.SelectAttrValue("restricted", "") != "1" {
		t.Errorf("restricted = %q, want 1", s.SelectAttrValue("restricted", ""))
	}
}

func TestServicesWithCredentials(t *testing.T) {
	tests := []struct {
		name     string
		extra    map[string]any
		label    string
		lifetime time.Duration
	}{
		{"labelled with the user's bare JID", nil, "juliet@localhost", time.Hour},
		{"a fixed label keeps JIDs out of the TURN server's log", map[string]any{"username_label": "switchboard"}, "switchboard", time.Hour},
		{"default lifetime", map[string]any{"credential_lifetime": nil}, "juliet@localhost", 24 * time.Hour},
		{"short lifetime", map[string]any{"credential_lifetime": "10m"}, "juliet@localhost", 10 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := turnConfig()
			for k, v := range tt.extra {
				if v == nil {
					delete(cfg, k)
				} else {
					cfg[k] = v
				}
			}
			h := newHarness(t, cfg)
			before := time.Now()
			q := get(t, h, juliet, "<services xmlns='urn:xmpp:extdisco:2'/>")
			after := time.Now()
			var got []string
			for _, s := range q.SelectElements("service") {
				typ := s.SelectAttrValue("type", "")
				got = append(got, typ+" "+s.SelectAttrValue("host", "")+":"+s.SelectAttrValue("port", "")+"/"+s.SelectAttrValue("transport", ""))
				if typ == "stun" {
					if s.SelectAttr("username") != nil || s.SelectAttr("password") != nil || s.SelectAttr("restricted") != nil {
						t.Errorf("STUN service with credentials: %v", s.Attr)
					}
					continue
				}
				checkCredentials(t, s, tt.label, before, after, tt.lifetime)
			}
			want := []string{"stun stun.example.org:3478/udp", "turn turn.example.org:3478/udp", "turn turn.example.org:80/tcp", "turns turn.example.org:443/tcp"}
			if !slices.Equal(got, want) {
				t.Errorf("services\n got %q\nwant %q", got, want)
			}
		})
	}
}

func TestTypeFilter(t *testing.T) {
	h := newHarness(t, turnConfig())
	q := get(t, h, juliet, "<services xmlns='urn:xmpp:extdisco:2' type='turn'/>")
	if q.SelectAttrValue("type", "") != "turn" {
		t.Errorf("answer's type = %q, want turn", q.SelectAttrValue("type", ""))
	}
	ss := q.SelectElements("service")
	if len(ss) != 2 {
		t.Fatalf("got %d services, want the 2 of type turn", len(ss))
	}
	for _, s := range ss {
		if s.SelectAttrValue("type", "") != "turn" {
			t.Errorf("type filter turn let through %v", s.Attr)
		}
	}
}

func TestCredentialsRequest(t *testing.T) {
	h := newHarness(t, turnConfig())
	tests := []struct {
		name    string
		service string
		want    []string // host:port/transport of each service answered
		wantErr stanza.Condition
	}{
		{"host and type: every port", "<service host='turn.example.org' type='turn'/>", []string{"3478/udp", "80/tcp"}, ""},
		{"and port", "<service host='turn.example.org' type='turn' port='80'/>", []string{"80/tcp"}, ""},
		{"turns", "<service host='turn.example.org' type='turns'/>", []string{"443/tcp"}, ""},
		{"several at once", "<service host='turn.example.org' type='turns'/><service host='turn.example.org' type='turn' port='3478'/>", []string{"443/tcp", "3478/udp"}, ""},
		{"unknown host", "<service host='turn.elsewhere.example' type='turn'/>", nil, stanza.ItemNotFound},
		{"unknown port", "<service host='turn.example.org' type='turn' port='3479'/>", nil, stanza.ItemNotFound},
		{"a service that needs none", "<service host='stun.example.org' type='stun'/>", nil, stanza.ItemNotFound},
		{"no type", "<service host='turn.example.org'/>", nil, stanza.BadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := time.Now()
			r := h.Handle("<iq type='get' id='c' to='localhost'><credentials xmlns='urn:xmpp:extdisco:2'>"+tt.service+"</credentials></iq>", juliet)
			after := time.Now()
			if tt.wantErr != "" {
				if r.Err == nil || r.Err.Condition != tt.wantErr {
					t.Fatalf("got %+v, want %s", r, tt.wantErr)
				}
				return
			}
			if r.Err != nil || len(r.Replies) != 1 {
				t.Fatalf("got %+v, err %v", r, r.Err)
			}
			c := r.Replies[0].SelectElement("credentials")
			var got []string
			for _, s := range c.SelectElements("service") {
				got = append(got, s.SelectAttrValue("port", "")+"/"+s.SelectAttrValue("transport", ""))
				checkCredentials(t, s, "juliet@localhost", before, after, time.Hour)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("credentials for %q, want %q", got, tt.want)
			}
		})
	}
}

// syncBuffer is a log output that tests read while the plugin writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.b.Reset()
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// With nothing configured, clients get an empty list rather than
// service-unavailable, and the operator a WARN that says what to set.
func TestNothingConfigured(t *testing.T) {
	var log syncBuffer
	h := sdktest.New(t, extdisco.New(), sdktest.Options{Logger: hclog.New(&hclog.LoggerOptions{Output: &log, Level: hclog.Info})})
	q := get(t, h, juliet, "<services xmlns='urn:xmpp:extdisco:2'/>")
	if n := len(q.ChildElements()); n != 0 {
		t.Errorf("got %d services, want none", n)
	}
	if !strings.Contains(log.String(), "[WARN]") || !strings.Contains(log.String(), "plugins.extdisco.config.services") {
		t.Errorf("no WARN naming plugins.extdisco.config.services in the log:\n%s", log.String())
	}
	log.Reset()
	if err := h.Configure(stunConfig()); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(log.String(), "[WARN]") {
		t.Errorf("WARN with services configured:\n%s", log.String())
	}
}

func TestConfig(t *testing.T) {
	svc := func(kv ...any) map[string]any {
		m := map[string]any{"host": "turn.example.org", "type": "turn"}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	tests := []struct {
		name    string
		cfg     map[string]any
		wantErr string // "" for none
	}{
		{"defaults", nil, ""},
		{"an empty list, as in switchboard.example.yaml", map[string]any{"services": []any{}}, ""},
		{"turn with a secret", map[string]any{"secret": "s", "services": []any{svc()}}, ""},
		{"as from the environment", map[string]any{"secret": "s", "credential_lifetime": "12h", "services": []any{svc("port", "3478", "restricted", "true")}}, ""},
		{"turn without a secret", map[string]any{"services": []any{svc()}}, "set secret"},
		{"unrestricted turn needs no secret", map[string]any{"services": []any{svc("restricted", false)}}, ""},
		{"no type", map[string]any{"services": []any{map[string]any{"host": "h"}}}, "type is required"},
		{"unknown type", map[string]any{"services": []any{svc("type", "ftp")}}, `type "ftp"`},
		{"no host", map[string]any{"secret": "s", "services": []any{svc("host", "")}}, "host"},
		{"bad port", map[string]any{"secret": "s", "services": []any{svc("port", 70000)}}, "port 70000"},
		{"bad transport", map[string]any{"secret": "s", "services": []any{svc("transport", "sctp")}}, `transport "sctp"`},
		{"listed twice", map[string]any{"secret": "s", "services": []any{svc(), svc("port", 3478)}}, "listed twice"},
		{"short lifetime", map[string]any{"credential_lifetime": "10s"}, "at least 1m"},
		{"label with a colon", map[string]any{"username_label": "a:b"}, "username_label"},
		{"unknown key", map[string]any{"secrets": "s"}, `"secrets"`},
		{"unknown service key", map[string]any{"services": []any{map[string]any{"host": "h", "type": "stun", "user": "x"}}}, `"services[0].user"`},
	}
	h := newHarness(t, nil)
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

// pushes returns the services pushed to each full JID, as
// "action type host:port".
func pushes(t *testing.T, sent []*etree.Element) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, iq := range sent {
		if iq.SelectAttrValue("type", "") != "set" || iq.SelectAttrValue("from", "") != "localhost" || iq.SelectAttrValue("id", "") == "" {
			t.Errorf("push is not an IQ set from the server with an id: %s", sdk.MarshalElement(iq))
		}
		q := iq.SelectElement("services")
		if q == nil || q.NamespaceURI() != extdisco.NS {
			t.Fatalf("push without <services/>: %s", sdk.MarshalElement(iq))
		}
		to := iq.SelectAttrValue("to", "")
		for _, s := range q.SelectElements("service") {
			out[to] = append(out[to], s.SelectAttrValue("action", "")+" "+s.SelectAttrValue("type", "")+" "+s.SelectAttrValue("host", "")+":"+s.SelectAttrValue("port", ""))
		}
	}
	return out
}

// A reload that changes the services is pushed to the sessions that
// asked, within the type each asked for (XEP-0215 §3.2).
func TestPushOnReload(t *testing.T) {
	h := newHarness(t, turnConfig())
	get(t, h, juliet, "<services xmlns='urn:xmpp:extdisco:2'/>")
	get(t, h, "romeo@localhost/orchard", "<services xmlns='urn:xmpp:extdisco:2' type='stun'/>")
	get(t, h, "nurse@localhost/kitchen", "<services xmlns='urn:xmpp:extdisco:2'/>")
	if err := h.Event(sdktest.Event{Kind: sdk.SessionClosed, JID: "nurse@localhost/kitchen", SessionID: "nurse@localhost/kitchen"}); err != nil {
		t.Fatal(err)
	}

	// The same configuration again: nothing to tell.
	if err := h.Configure(turnConfig()); err != nil {
		t.Fatal(err)
	}
	if sent := h.Sent(); len(sent) != 0 {
		t.Fatalf("a reload that changed nothing pushed %d stanzas", len(sent))
	}

	cfg := turnConfig()
	cfg["secret"] = "a-new-secret" // every TURN credential given so far is void
	cfg["services"] = []any{
		map[string]any{"host": "stun2.example.org", "type": "stun"},
		map[string]any{"host": "turn.example.org", "type": "turn"},
		map[string]any{"host": "turn.example.org", "type": "turn", "transport": "tcp", "port": 80},
		map[string]any{"host": "turn.example.org", "type": "turns", "port": 443},
	}
	before := time.Now()
	if err := h.Configure(cfg); err != nil {
		t.Fatal(err)
	}
	sent := h.Sent()
	got := pushes(t, sent)
	want := map[string][]string{
		juliet: {
			"add stun stun2.example.org:3478",
			"modify turn turn.example.org:3478",
			"modify turn turn.example.org:80",
			"modify turns turn.example.org:443",
			"delete stun stun.example.org:3478",
		},
		"romeo@localhost/orchard": {"add stun stun2.example.org:3478", "delete stun stun.example.org:3478"},
	}
	if len(got) != len(want) {
		t.Errorf("pushed to %d sessions, want %d: %q", len(got), len(want), got)
	}
	for to, w := range want {
		if !slices.Equal(got[to], w) {
			t.Errorf("pushed to %s\n got %q\nwant %q", to, got[to], w)
		}
	}
	// The modified TURN services carry credentials made with the new
	// secret.
	for _, iq := range sent {
		for _, s := range iq.FindElements("services/service[@action='modify']") {
			mac := hmac.New(sha1.New, []byte("a-new-secret"))
			mac.Write([]byte(s.SelectAttrValue("username", "")))
			if s.SelectAttrValue("password", "") != base64.StdEncoding.EncodeToString(mac.Sum(nil)) {
				t.Errorf("pushed credentials are not made with the new secret: %v", s.Attr)
			}
			if exp, err := time.Parse(time.RFC3339, s.SelectAttrValue("expires", "")); err != nil || exp.Before(before.Add(time.Hour-time.Second)) {
				t.Errorf("pushed credentials expire at %q", s.SelectAttrValue("expires", ""))
			}
		}
	}
}
