package e2e

import (
	"crypto/tls"
	"strings"
	"testing"
	"time"

	goxmpp "github.com/xmppo/go-xmpp"
	"mellium.im/sasl"
)

// TestGoXMPPFAST: go-xmpp, which speaks SASL2 and Bind2 when offered,
// checks SCRAM's downgrade protection (XEP-0474) on its password login,
// asks for a XEP-0484 token on it, picks the
// channel-bound HT-SHA-256-EXPR on TLS 1.3, and its next connection logs
// in with the token alone, bound to that connection's TLS; with
// invalidate the token is forgotten and cannot log in again.
func TestGoXMPPFAST(t *testing.T) {
	dir := t.TempDir()
	for _, u := range []string{"alice", "bob"} {
		if out, err := run(t, dir, nil, "", "user", "add", u+"@localhost", "--password", "pw-"+u); err != nil {
			t.Fatalf("user add %s: %v\n%s", u, err, out)
		}
	}
	srv := startServer(t, dir, nil)
	defer func() {
		if t.Failed() {
			t.Log(srv.logText())
		}
	}()
	trust := serverCerts(t, srv.direct)
	bob := melliumLogin(t, srv.starttls, false, "bob", "pw-bob", sasl.ScramSha256)
	sendPresence(t, bob)

	opts := func(token, mech string, invalidate bool) goxmpp.Options {
		return goxmpp.Options{
			Host: srv.direct, User: "alice@localhost", Password: "pw-alice",
			DialTimeout: 10 * time.Second,
			TLSConfig:   &tls.Config{RootCAs: trust, ServerName: "localhost"},
			UserAgentSW: "gofast", UserAgentID: "0b6f1a52-8a3c-4b7e-9d0e-3f1c2a4b5c6d",
			Fast: true, FastToken: token, FastMechanism: mech, FastInvalidate: invalidate,
			// XEP-0474: go-xmpp checks the d= of SCRAM against the
			// SASL2 mechanisms and XEP-0440 bindings it was offered.
			SSDP: true,
		}
	}
	o := opts("", "", false)
	first, err := o.NewClient()
	if err != nil {
		t.Fatalf("password login: %v", err)
	}
	defer first.Close()
	if first.Fast.Token == "" || first.Fast.Mechanism != "HT-SHA-256-EXPR" {
		t.Fatalf("go-xmpp got token %q for %q, want one for HT-SHA-256-EXPR", first.Fast.Token, first.Fast.Mechanism)
	}
	if !strings.HasPrefix(first.JID(), "alice@localhost/gofast.") {
		t.Errorf("Bind2 JID %q, want the tag gofast and a server part", first.JID())
	}

	o = opts(first.Fast.Token, first.Fast.Mechanism, false)
	o.Password = "" // nothing but the token
	second, err := o.NewClient()
	if err != nil {
		t.Fatalf("token login: %v", err)
	}
	defer second.Close()
	srv.waitLogWhere("alice authenticated with HT-SHA-256-EXPR", func(l map[string]any) bool {
		return l["@message"] == "authenticated" && l["user"] == "alice" && l["mechanism"] == "HT-SHA-256-EXPR"
	})
	if _, _, err := second.Send(goxmpp.Chat{Remote: "bob@localhost", Type: "chat", Text: "back with a token"}); err != nil {
		t.Fatal(err)
	}
	bob.expectChat(t, second.JID(), "back with a token")

	o = opts(first.Fast.Token, first.Fast.Mechanism, true)
	o.Password = ""
	third, err := o.NewClient()
	if err != nil {
		t.Fatalf("token login that invalidates the token: %v", err)
	}
	third.Close()
	o = opts(first.Fast.Token, first.Fast.Mechanism, false)
	o.Password = ""
	if c, err := o.NewClient(); err == nil {
		c.Close()
		t.Fatal("an invalidated token logged in")
	}
}
