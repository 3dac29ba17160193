package server

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-xmpp/switchboard/core/config"
	"github.com/switchboard-xmpp/switchboard/test/rawxmpp"
)

const header = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='localhost' version='1.0'>"

// TestStreamErrorsBeforeAuth sends each bad input on a fresh connection and
// expects the stream error RFC 6120 §4.9.3 prescribes.
func TestStreamErrorsBeforeAuth(t *testing.T) {
	s := start(t, func(c *config.Config) { c.Limits.MaxStanzaBytesPreauth = 2048 })
	tests := []struct {
		name, input, condition string
	}{
		{"stanza before auth", header + "<message to='bob@localhost'><body>hi</body></message>", "not-authorized"},
		{"iq before auth", header + "<iq type='get' id='1'><query xmlns='jabber:iq:roster'/></iq>", "not-authorized"},
		{"not well formed", header + "<message><body></message>", "not-well-formed"},
		{"invalid utf-8", header + "<message><body>\xff\xfe</body></message>", "not-well-formed"},
		{"DTD", "<?xml version='1.0'?><!DOCTYPE lolz [<!ENTITY lol 'lol'>]>" + header[len("<?xml version='1.0'?>"):], "restricted-xml"},
		{"entity reference", header + "<message><body>&lol;</body></message>", "restricted-xml"},
		{"processing instruction", header + "<?foo bar?>", "restricted-xml"},
		{"comment", header + "<!-- hello -->", "restricted-xml"},
		{"wrong default namespace", "<stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams' to='localhost' version='1.0'>", "invalid-namespace"},
		{"wrong stream namespace", "<stream:stream xmlns='jabber:client' xmlns:stream='urn:wrong' to='localhost' version='1.0'>", "invalid-namespace"},
		{"unknown host", "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='example.org' version='1.0'>", "host-unknown"},
		{"stanza over the limit", header + "<message><body>" + strings.Repeat("x", 4096) + "</body></message>", "policy-violation"},
		{"unknown top-level element", header + "<foo xmlns='urn:example'/>", "unsupported-stanza-type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := rawxmpp.Dial(s.starttls)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Conn.Close()
			if err := c.Send(tt.input); err != nil {
				t.Fatal(err)
			}
			if err := c.ReadHeader(); err != nil {
				t.Fatal(err)
			}
			expectStreamError(t, c, tt.condition)
		})
	}
}

func TestStreamErrorsAfterBind(t *testing.T) {
	s := start(t, func(c *config.Config) { c.Limits.MaxStanzaBytes = 8192; c.Limits.MaxStanzaBytesPreauth = 4096 })
	tests := []struct {
		name, input, condition string
	}{
		{"spoofed from", "<message from='bob@localhost/x' to='carol@localhost'><body>x</body></message>", "invalid-from"},
		{"spoofed bare from", "<message from='bob@localhost' to='carol@localhost'/>", "invalid-from"},
		{"stanza over the limit", "<message to='bob@localhost'><body>" + strings.Repeat("x", 9000) + "</body></message>", "policy-violation"},
		{"mismatched tags", "<message><body></bdy></message>", "not-well-formed"},
		{"undeclared prefix", "<message><x:body/></message>", "not-well-formed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := s.login(t, "alice", "")
			c.Send(tt.input)
			expectStreamError(t, c, tt.condition)
		})
	}
}

func TestWhitespaceKeepalive(t *testing.T) {
	s := start(t, nil)
	alice, _ := s.login(t, "alice", "a")
	bob, _ := s.login(t, "bob", "b")
	alice.Send(" \n\t \r\n")
	alice.Send("<message to='bob@localhost/b' id='after-ka'/>  ")
	if _, err := bob.Expect(rawxmpp.ID("after-ka")); err != nil {
		t.Fatal(err)
	}
}

func TestPreauthTimeout(t *testing.T) {
	s := start(t, func(c *config.Config) { c.Limits.PreauthTimeout = 300 * time.Millisecond })
	c, err := rawxmpp.Dial(s.starttls)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Conn.Close()
	if err := c.OpenStream(domain); err != nil {
		t.Fatal(err)
	}
	expectStreamError(t, c, "connection-timeout")
}

func TestIdleTimeout(t *testing.T) {
	s := start(t, func(c *config.Config) { c.Limits.IdleTimeout = 300 * time.Millisecond })
	c, _ := s.login(t, "alice", "")
	expectStreamError(t, c, "connection-timeout")
}

// TestNoIdleTimeoutOutlivesThePreauthDeadline: with limits.idle_timeout 0
// an authenticated session is never cut off, in particular not when the
// time it had to authenticate runs out.
func TestNoIdleTimeoutOutlivesThePreauthDeadline(t *testing.T) {
	const preauth = time.Second
	s := start(t, func(c *config.Config) { c.Limits.IdleTimeout, c.Limits.PreauthTimeout = 0, preauth })
	connected := time.Now()
	c, _ := s.login(t, "alice", "a")
	// The session has to outlive the pre-auth deadline; only time passing
	// shows that.
	time.Sleep(time.Until(connected.Add(preauth + 500*time.Millisecond)))
	c.Send("<iq type='set' id='alive'><session xmlns='urn:ietf:params:xml:ns:xmpp-session'/></iq>")
	if el, err := c.Expect(rawxmpp.ID("alive")); err != nil || el.SelectAttrValue("type", "") != "result" {
		t.Fatalf("an IQ after the pre-auth deadline: %v %v", el, err)
	}
}

func TestShutdownSendsSystemShutdown(t *testing.T) {
	s := start(t, nil)
	alice, _ := s.login(t, "alice", "a")
	pending, err := rawxmpp.Dial(s.starttls) // not even a stream header yet
	if err != nil {
		t.Fatal(err)
	}
	defer pending.Conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- s.Shutdown(ctx) }()
	expectStreamError(t, alice, "system-shutdown")
	if err := pending.ReadHeader(); err != nil {
		t.Fatal(err)
	}
	expectStreamError(t, pending, "system-shutdown")
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
