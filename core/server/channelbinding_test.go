package server

import (
	"crypto/tls"
	"encoding/base64"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/xdg-go/scram"

	"github.com/switchboard-xmpp/switchboard/core/config"
	"github.com/switchboard-xmpp/switchboard/test/rawxmpp"
)

// secureStream opens a stream, runs STARTTLS with tlsCfg (nil: the
// helper's default, TLS 1.3) and returns the client with the features
// offered after TLS.
func secureStream(t *testing.T, addr string, tlsCfg *tls.Config) (*rawxmpp.Client, *etree.Element) {
	t.Helper()
	c, err := rawxmpp.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Conn.Close() })
	c.TLS = tlsCfg
	if err := c.OpenStream(domain); err != nil {
		t.Fatal(err)
	}
	if err := c.StartTLS(domain); err != nil {
		t.Fatal(err)
	}
	f, err := c.Expect(rawxmpp.Is("features"))
	if err != nil {
		t.Fatal(err)
	}
	return c, f
}

// authFails sends an <auth/> with msg as the initial response and returns
// the condition of the <failure/> it must get.
func authFails(t *testing.T, c *rawxmpp.Client, mech, msg string) string {
	t.Helper()
	c.Sendf("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='%s'>%s</auth>", mech, base64.StdEncoding.EncodeToString([]byte(msg)))
	el, err := c.Next()
	if err != nil {
		t.Fatalf("%s %q: %v", mech, msg, err)
	}
	if el.Tag != "failure" {
		t.Fatalf("%s %q: got %s, want a SASL failure", mech, msg, rawxmpp.Describe(el))
	}
	return firstChild(el)
}

// TestTLSUniqueOnlyClientLogsIn replays what slixmpp 1.8.3 does with its
// defaults on TLS 1.3, where tls-unique does not exist: SCRAM-SHA-256-PLUS
// and SCRAM-SHA-1-PLUS with p=tls-unique, then SCRAM-SHA-256 and
// SCRAM-SHA-1 with the 'y' flag, then PLAIN. None of the first four tests a
// password, so none may close the stream or count towards a ban, while
// each still fails: a 'y' where we offer -PLUS is what a downgrade looks
// like.
func TestTLSUniqueOnlyClientLogsIn(t *testing.T) {
	s := start(t, func(c *config.Config) {
		c.Limits.TrustedNetworks = nil
		c.Auth.MaxFailures = 3
		c.Auth.BanFailures = 2
		c.Auth.FailureDelay = time.Millisecond
		c.Auth.FailureDelayMax = time.Millisecond
	})
	for round := 1; round <= 2; round++ {
		c, f := secureStream(t, s.starttls, nil)
		if got := mechanismNames(f); !slices.Contains(got, "SCRAM-SHA-256-PLUS") || !slices.Contains(got, "PLAIN") {
			t.Fatalf("mechanisms on TLS 1.3: %q", got)
		}
		attempts := []struct{ mech, msg, want string }{
			{"SCRAM-SHA-256-PLUS", "p=tls-unique,,n=alice,r=slix1", "invalid-mechanism"},
			{"SCRAM-SHA-1-PLUS", "p=tls-unique,,n=alice,r=slix2", "invalid-mechanism"},
			{"SCRAM-SHA-256", "y,,n=alice,r=slix3", "not-authorized"},
			{"SCRAM-SHA-1", "y,,n=alice,r=slix4", "not-authorized"},
		}
		for _, a := range attempts {
			if got := authFails(t, c, a.mech, a.msg); got != a.want {
				t.Errorf("round %d: %s %q failed with %s, want %s", round, a.mech, a.msg, got, a.want)
			}
		}
		if err := c.AuthPlainNow(domain, "alice", "secret"); err != nil {
			t.Fatalf("round %d: PLAIN after the failed negotiations: %v", round, err)
		}
	}
}

// TestTLSUniqueOnTLS12 checks that tls-unique, the binding RFC 5802 makes
// every server implement, is offered (XEP-0440) and works where TLS
// defines it.
func TestTLSUniqueOnTLS12(t *testing.T) {
	s := start(t, nil)
	c, f := secureStream(t, s.starttls, &tls.Config{InsecureSkipVerify: true, MaxVersion: tls.VersionTLS12})
	var types []string
	for _, cb := range f.FindElements("sasl-channel-binding/channel-binding") {
		types = append(types, cb.SelectAttrValue("type", ""))
	}
	if !slices.Equal(types, []string{"tls-server-end-point", "tls-unique"}) {
		t.Errorf("channel-binding types on TLS 1.2 = %q, want tls-server-end-point, tls-unique", types)
	}
	cs := c.Conn.(*tls.Conn).ConnectionState()
	client, err := scram.SHA256.NewClient("alice", "secret", "")
	if err != nil {
		t.Fatal(err)
	}
	conv := client.NewConversationWithChannelBinding(scram.NewTLSUniqueBinding(cs.TLSUnique))
	if err := c.SCRAM(domain, "SCRAM-SHA-256-PLUS", conv); err != nil {
		t.Fatalf("SCRAM-SHA-256-PLUS with tls-unique on TLS 1.2: %v", err)
	}
}

// TestNegotiationFailuresAreBounded checks that failures which test no
// password are free only once per offered mechanism: past that they count
// like wrong passwords, and auth.max_failures of them close the stream.
func TestNegotiationFailuresAreBounded(t *testing.T) {
	s := start(t, func(c *config.Config) { c.Auth.MaxFailures = 3 })
	c, f := secureStream(t, s.starttls, nil)
	free := len(mechanismNames(f))
	for i := 1; i <= free+3; i++ {
		if got := authFails(t, c, "SCRAM-SHA-256", fmt.Sprintf("y,,n=alice,r=n%d", i)); got != "not-authorized" {
			t.Fatalf("attempt %d: %s, want not-authorized", i, got)
		}
	}
	expectStreamError(t, c, "policy-violation")
}
