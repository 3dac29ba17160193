package server

import (
	"testing"

	"github.com/switchboard-xmpp/switchboard/test/rawxmpp"
)

const starttls = "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"

// plainStream opens a stream and reads its features, ready for STARTTLS.
func plainStream(t *testing.T, addr string) *rawxmpp.Client {
	t.Helper()
	c, err := rawxmpp.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Conn.Close() })
	if err := c.OpenStream(domain); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Expect(rawxmpp.Is("features")); err != nil {
		t.Fatal(err)
	}
	return c
}

// TestStartTLSWithTrailingWhitespace checks that whitespace after
// <starttls/>, which may come between elements, does not end the stream:
// go-xmpp (go-sendxmpp) writes a newline after every element, in the same
// write; another client may send it in a segment that arrives after our
// <proceed/>.
func TestStartTLSWithTrailingWhitespace(t *testing.T) {
	s := start(t, nil)
	tests := []struct{ name, with, after string }{
		{"newline in the same write", starttls + "\n", ""},
		{"whitespace arriving after proceed", starttls, " \r\n\t"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := plainStream(t, s.starttls)
			c.Send(tt.with)
			if _, err := c.Expect(rawxmpp.Is("proceed")); err != nil {
				t.Fatal(err)
			}
			if tt.after != "" {
				c.Send(tt.after)
			}
			if err := c.UpgradeTLS(domain); err != nil {
				t.Fatal(err)
			}
			if err := c.OpenStream(domain); err != nil {
				t.Fatal(err)
			}
			if err := c.AuthPlain(domain, "alice", "secret"); err != nil {
				t.Fatalf("login over the new TLS stream: %v", err)
			}
		})
	}
}

// TestStartTLSInjectionIsRefused checks the STARTTLS command-injection
// defence (CVE-2011-0411): anything but whitespace sent after <starttls/>
// in plaintext never reaches the encrypted stream.
func TestStartTLSInjectionIsRefused(t *testing.T) {
	s := start(t, nil)
	for _, injected := range []string{
		"<iq type='get' id='x'><query xmlns='jabber:iq:roster'/></iq>",
		"\n<presence/>",
		"x",
	} {
		t.Run("in the same write: "+injected, func(t *testing.T) {
			c := plainStream(t, s.starttls)
			c.Send(starttls + injected)
			if _, err := c.Expect(rawxmpp.Is("proceed")); err != nil {
				t.Fatal(err)
			}
			expectStreamError(t, c, "policy-violation")
		})
	}
	t.Run("arriving after proceed", func(t *testing.T) {
		c := plainStream(t, s.starttls)
		c.Send(starttls)
		if _, err := c.Expect(rawxmpp.Is("proceed")); err != nil {
			t.Fatal(err)
		}
		c.Send("\n<presence/>")
		if err := c.UpgradeTLS(domain); err == nil {
			t.Fatal("TLS handshake after injected plaintext succeeded")
		}
	})
}
