package server

import (
	"bytes"
	"encoding/base64"
	"strings"
	"sync"
	"testing"

	"github.com/beevik/etree"
	"github.com/hashicorp/go-hclog"

	"github.com/switchboard-xmpp/switchboard/core/config"
	"github.com/switchboard-xmpp/switchboard/test/rawxmpp"
)

func featureNames(el *etree.Element) []string {
	var names []string
	for _, c := range el.ChildElements() {
		names = append(names, c.Tag)
	}
	return names
}

func mechanismNames(features *etree.Element) []string {
	var names []string
	if m := features.SelectElement("mechanisms"); m != nil {
		for _, c := range m.SelectElements("mechanism") {
			names = append(names, c.Text())
		}
	}
	return names
}

func TestFeaturesAtEachStage(t *testing.T) {
	s := start(t, nil)
	c, err := rawxmpp.Dial(s.starttls)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Conn.Close()
	if err := c.OpenStream(domain); err != nil {
		t.Fatal(err)
	}
	f, err := c.Expect(rawxmpp.Is("features"))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(featureNames(f), ","); got != "starttls" {
		t.Errorf("features before TLS = %s, want only starttls", got)
	}
	if f.FindElement("starttls/required") == nil {
		t.Errorf("starttls is not marked required: %s", rawxmpp.Describe(f))
	}
	if err := c.Send("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Expect(rawxmpp.Is("proceed")); err != nil {
		t.Fatal(err)
	}
	// Re-run the handshake through the helper's path.
	c2, err := rawxmpp.Dial(s.starttls)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Conn.Close()
	if err := c2.OpenStream(domain); err != nil {
		t.Fatal(err)
	}
	if err := c2.StartTLS(domain); err != nil {
		t.Fatal(err)
	}
	f, err = c2.Expect(rawxmpp.Is("features"))
	if err != nil {
		t.Fatal(err)
	}
	want := "SCRAM-SHA-256-PLUS,SCRAM-SHA-1-PLUS,SCRAM-SHA-256,SCRAM-SHA-1,PLAIN"
	if got := strings.Join(mechanismNames(f), ","); got != want {
		t.Errorf("mechanisms after TLS = %s, want %s", got, want)
	}
	if f.SelectElement("sasl-channel-binding") == nil {
		t.Errorf("no XEP-0440 channel binding types advertised: %s", rawxmpp.Describe(f))
	}
	if err := c2.Send("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>AGFsaWNlAHNlY3JldA==</auth>"); err != nil {
		t.Fatal(err)
	}
	if _, err := c2.Expect(rawxmpp.Is("success")); err != nil {
		t.Fatal(err)
	}
	if err := c2.OpenStream(domain); err != nil {
		t.Fatal(err)
	}
	f, err = c2.Expect(rawxmpp.Is("features"))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(featureNames(f), ","); got != "bind,sm,csi,session" {
		t.Errorf("features after SASL = %s, want bind,sm,csi,session", got)
	}
	if f.FindElement("session/optional") == nil {
		t.Errorf("legacy session not marked optional: %s", rawxmpp.Describe(f))
	}
}

func TestPlainNeverOfferedWithoutTLS(t *testing.T) {
	s := start(t, func(c *config.Config) { c.TLS.Required = false })
	c, err := rawxmpp.Dial(s.starttls)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Conn.Close()
	if err := c.OpenStream(domain); err != nil {
		t.Fatal(err)
	}
	f, err := c.Expect(rawxmpp.Is("features"))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(mechanismNames(f), ","); got != "SCRAM-SHA-256,SCRAM-SHA-1" {
		t.Errorf("mechanisms without TLS = %s, want SCRAM-SHA-256,SCRAM-SHA-1", got)
	}
	c.Send("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>AGFsaWNlAHNlY3JldA==</auth>")
	el, err := c.Expect(rawxmpp.Is("failure"))
	if err != nil {
		t.Fatal(err)
	}
	if firstChild(el) != "invalid-mechanism" {
		t.Errorf("PLAIN without TLS: %s, want invalid-mechanism", rawxmpp.Describe(el))
	}
}

func TestLoginMethods(t *testing.T) {
	s := start(t, nil)
	tests := []struct {
		name  string
		login func(c *rawxmpp.Client) error
		dial  func() (*rawxmpp.Client, error)
	}{
		{"starttls plain", func(c *rawxmpp.Client) error { return c.AuthPlain(domain, "alice", "secret") }, nil},
		{"starttls scram-sha-256", func(c *rawxmpp.Client) error { return c.AuthSCRAM(domain, "alice", "secret", false) }, nil},
		{"starttls scram-sha-256-plus", func(c *rawxmpp.Client) error { return c.AuthSCRAM(domain, "alice", "secret", true) }, nil},
		{"direct tls scram-sha-256-plus", func(c *rawxmpp.Client) error { return c.AuthSCRAM(domain, "alice", "secret", true) },
			func() (*rawxmpp.Client, error) { return rawxmpp.DialTLS(s.direct) }},
		{"direct tls plain", func(c *rawxmpp.Client) error { return c.AuthPlain(domain, "alice", "secret") },
			func() (*rawxmpp.Client, error) { return rawxmpp.DialTLS(s.direct) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c *rawxmpp.Client
			var err error
			if tt.dial != nil {
				c, err = tt.dial()
				if err == nil {
					err = c.OpenStream(domain)
				}
			} else {
				c, err = rawxmpp.Dial(s.starttls)
				if err == nil {
					err = c.OpenStream(domain)
				}
				if err == nil {
					err = c.StartTLS(domain)
				}
			}
			if err != nil {
				t.Fatal(err)
			}
			defer c.Conn.Close()
			if err := tt.login(c); err != nil {
				t.Fatal(err)
			}
			full, err := c.Bind("desk")
			if err != nil {
				t.Fatal(err)
			}
			if full != "alice@localhost/desk" {
				t.Errorf("bound %q, want alice@localhost/desk", full)
			}
		})
	}
}

func TestWrongPasswordIsRetriedThenStreamClosed(t *testing.T) {
	s := start(t, func(c *config.Config) { c.Auth.MaxFailures = 3 })
	c, err := rawxmpp.Dial(s.starttls)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Conn.Close()
	if err := c.OpenStream(domain); err != nil {
		t.Fatal(err)
	}
	if err := c.StartTLS(domain); err != nil {
		t.Fatal(err)
	}
	bad := "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>AGFsaWNlAHdyb25n</auth>" // alice / wrong
	for i := 1; i <= 3; i++ {
		c.Send(bad)
		el, err := c.Expect(rawxmpp.Is("failure"))
		if err != nil {
			t.Fatalf("attempt %d: %v", i, err)
		}
		if firstChild(el) != "not-authorized" {
			t.Fatalf("attempt %d: %s, want not-authorized", i, rawxmpp.Describe(el))
		}
	}
	expectStreamError(t, c, "policy-violation")
}

func TestResourceBinding(t *testing.T) {
	s := start(t, nil)
	t.Run("server generated", func(t *testing.T) {
		_, full := s.login(t, "alice", "")
		if !strings.HasPrefix(full, "alice@localhost/") || len(full) <= len("alice@localhost/") {
			t.Errorf("generated JID %q", full)
		}
	})
	t.Run("conflict replaces the older session", func(t *testing.T) {
		old, _ := s.login(t, "bob", "phone")
		_, full := s.login(t, "bob", "phone")
		if full != "bob@localhost/phone" {
			t.Fatalf("second bind got %q", full)
		}
		expectStreamError(t, old, "conflict")
	})
	t.Run("legacy session", func(t *testing.T) {
		c, full := s.login(t, "carol", "Psi+")
		c.Send("<iq type='set' id='ab46a'><session xmlns='urn:ietf:params:xml:ns:xmpp-session'/></iq>")
		el, err := c.Expect(rawxmpp.ID("ab46a"))
		if err != nil {
			t.Fatal(err)
		}
		if el.SelectAttrValue("type", "") != "result" || el.SelectAttrValue("to", "") != full {
			t.Errorf("session reply %s", rawxmpp.Describe(el))
		}
	})
}

// TestLegacyAuth logs in with XEP-0078, as older clients do: fields, a
// wrong password, then username, password and resource in one step.
func TestLegacyAuth(t *testing.T) {
	s := start(t, nil)
	c, err := rawxmpp.Dial(s.starttls)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Conn.Close()
	c.OpenStream(domain)
	if err := c.StartTLS(domain); err != nil {
		t.Fatal(err)
	}
	f, err := c.Expect(rawxmpp.Is("features"))
	if err != nil || f.SelectElement("auth") == nil {
		t.Fatalf("iq-auth not offered: %s %v", rawxmpp.Describe(f), err)
	}
	c.Send("<iq type='get' id='a1'><query xmlns='jabber:iq:auth'><username>alice</username></query></iq>")
	r, err := c.Expect(rawxmpp.ID("a1"))
	if err != nil || r.FindElement("query/password") == nil || r.FindElement("query/resource") == nil {
		t.Fatalf("fields: %s %v", rawxmpp.Describe(r), err)
	}
	c.Send("<iq type='set' id='a2'><query xmlns='jabber:iq:auth'><username>alice</username><password>nope</password><resource>old</resource></query></iq>")
	expectStanzaError(t, c, "a2", "not-authorized")
	c.Send("<iq type='set' id='a3'><query xmlns='jabber:iq:auth'><username>alice</username><password>secret</password><resource>old</resource></query></iq>")
	r, err = c.Expect(rawxmpp.ID("a3"))
	if err != nil || r.SelectAttrValue("type", "") != "result" {
		t.Fatalf("login: %s %v", rawxmpp.Describe(r), err)
	}
	bob, _ := s.login(t, "bob", "b")
	bob.Send("<message to='alice@localhost/old' id='hi'/>")
	if _, err := c.Expect(rawxmpp.ID("hi")); err != nil {
		t.Fatalf("the legacy session does not receive: %v", err)
	}
}

// TestTraceLogsTheWireButNoPassword: at log level trace the server logs
// what each stream reads and writes, so an operator can see what a client
// does, but never the content of an authentication exchange.
func TestTraceLogsTheWireButNoPassword(t *testing.T) {
	var out syncBuffer
	s := startLogged(t, testConfig(t, nil), Options{}, hclog.New(&hclog.LoggerOptions{Name: "test", Level: hclog.Trace, Output: &out}))
	alice, aliceJID := s.login(t, "alice", "a")
	alice.Sendf("<message to='%s' id='traced'><body>look at me</body></message>", aliceJID)
	if _, err := alice.Expect(isMessage("traced")); err != nil {
		t.Fatal(err)
	}
	log := out.String()
	if n := strings.Count(log, "look at me"); n < 2 {
		t.Errorf("the message appears %d times in the trace log, want as received and as sent:\n%s", n, log)
	}
	plain := base64.StdEncoding.EncodeToString([]byte("\x00alice\x00secret"))
	if strings.Contains(log, plain) || strings.Contains(log, "secret") {
		t.Errorf("the trace log holds alice's credentials:\n%s", log)
	}
}

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
