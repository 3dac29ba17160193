package server

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/core/config"
	"github.com/switchboard-xmpp/switchboard/test/rawxmpp"
)

// sasl2Client opens a stream, runs STARTTLS and returns the client with
// the <authentication/> feature it was offered.
func sasl2Client(t *testing.T, s *testServer) (*rawxmpp.Client, *etree.Element) {
	t.Helper()
	c, err := rawxmpp.Dial(s.starttls)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Conn.Close() })
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
	auth := f.SelectElement("authentication")
	if auth == nil {
		t.Fatalf("no SASL2 in %s", rawxmpp.Describe(f))
	}
	return c, auth
}

const agent = "<user-agent id='d4565fa7-4d72-4749-b3d3-740edbf87770'><software>test</software></user-agent>"

// TestSASL2Bind2FAST follows XEP-0388, XEP-0386, XEP-0198 and XEP-0484
// through a login with a password, inline bind, stream management and a
// token request, then a reconnection with the token that resumes the
// session inline, and checks each answer against the XEPs' examples.
func TestSASL2Bind2FAST(t *testing.T) {
	s := start(t, func(c *config.Config) { c.Limits.ResumeTimeout = time.Hour })
	c, auth := sasl2Client(t, s)
	var mechs []string
	for _, m := range auth.SelectElements("mechanism") {
		mechs = append(mechs, m.Text())
	}
	if !strings.Contains(strings.Join(mechs, " "), "SCRAM-SHA-256") {
		t.Errorf("SASL2 mechanisms %v", mechs)
	}
	for _, path := range []string{"inline/bind/inline/feature[@var='urn:xmpp:sm:3']", "inline/bind/inline/feature[@var='urn:xmpp:csi:0']", "inline/fast/mechanism", "inline/sm"} {
		if auth.FindElement(path) == nil {
			t.Errorf("no %s in %s", path, rawxmpp.Describe(auth))
		}
	}
	success, err := c.SCRAM2("alice", "secret", agent+
		"<bind xmlns='urn:xmpp:bind:0'><tag>AwesomeXMPP</tag><enable xmlns='urn:xmpp:sm:3' resume='true'/><inactive xmlns='urn:xmpp:csi:0'/></bind>"+
		"<request-token xmlns='urn:xmpp:fast:0' mechanism='HT-SHA-256-NONE'/>")
	if err != nil {
		t.Fatal(err)
	}
	full := success.SelectElement("authorization-identifier").Text()
	if !strings.HasPrefix(full, "alice@localhost/AwesomeXMPP.") {
		t.Errorf("authorization-identifier %q: want the tag and a server part", full)
	}
	enabled := success.FindElement("bound/enabled")
	if enabled == nil || enabled.SelectAttrValue("resume", "") != "true" {
		t.Fatalf("no resumable <enabled/> in <bound/>: %s", rawxmpp.Describe(success))
	}
	tok := success.SelectElement("token")
	if tok == nil || len(tok.SelectAttrValue("token", "")) <= 64 {
		t.Fatalf("no token: %s", rawxmpp.Describe(success))
	}
	expiry, err := time.Parse(time.RFC3339, tok.SelectAttrValue("expiry", ""))
	if err != nil || expiry.Before(time.Now()) {
		t.Errorf("token expiry %q: %v", tok.SelectAttrValue("expiry", ""), err)
	}
	token := tok.SelectAttrValue("token", "")

	// No stream restart: the session is bound and in use at once.
	bob, _ := s.login(t, "bob", "b")
	bob.Sendf("<message to='%s' id='m1' type='chat'><body>hi</body></message>", full)
	if _, err := c.Expect(isMessage("m1")); err != nil {
		t.Fatal(err)
	}
	c.Conn.Close()
	bob.Sendf("<message to='%s' id='m2' type='chat'><body>there?</body></message>", full)

	// One round trip back: the token, and the session resumed inline.
	c2, _ := sasl2Client(t, s)
	success, err = c2.FAST("HT-SHA-256-NONE", "alice", token, nil, agent+
		"<fast xmlns='urn:xmpp:fast:0'/><resume xmlns='urn:xmpp:sm:3' previd='"+enabled.SelectAttrValue("id", "")+"' h='1'/>"+
		"<bind xmlns='urn:xmpp:bind:0'><tag>AwesomeXMPP</tag></bind>")
	if err != nil || success.Tag != "success" {
		t.Fatalf("FAST login: %v %s", err, rawxmpp.Describe(success))
	}
	if got := success.SelectElement("authorization-identifier").Text(); got != full {
		t.Errorf("resumed as %q, want %q", got, full)
	}
	if success.SelectElement("resumed") == nil || success.SelectElement("bound") != nil {
		t.Errorf("want <resumed/> and no new binding: %s", rawxmpp.Describe(success))
	}
	if _, err := c2.Expect(isMessage("m2")); err != nil {
		t.Fatalf("the message sent while away: %v", err)
	}
}

// TestFASTFailures: a wrong token, a token used from another user agent,
// and every token after a password change fail with not-authorized; a
// request the XEPs do not allow fails with malformed-request, and the
// client may try again.
func TestFASTFailures(t *testing.T) {
	s := start(t, nil)
	c, _ := sasl2Client(t, s)
	success, err := c.SCRAM2("alice", "secret", agent+"<request-token xmlns='urn:xmpp:fast:0' mechanism='HT-SHA-256-NONE'/>")
	if err != nil {
		t.Fatal(err)
	}
	if success.SelectElement("bound") != nil || success.SelectElement("authorization-identifier").Text() != "alice@localhost" {
		t.Errorf("without Bind2: want the bare JID and no binding: %s", rawxmpp.Describe(success))
	}
	if _, err := c.BindNow("after"); err != nil {
		t.Fatalf("binding after SASL2 without a restart: %v", err)
	}
	token := success.SelectElement("token").SelectAttrValue("token", "")
	other := "<user-agent id='another-device'/>"
	cases := []struct {
		name, mech, token, inline, want string
	}{
		{"wrong token", "HT-SHA-256-NONE", token + "x", agent, "not-authorized"},
		{"other user agent", "HT-SHA-256-NONE", token, other, "not-authorized"},
		{"no user agent", "HT-SHA-256-NONE", token, "", "malformed-request"},
		{"unknown mechanism", "HT-SHA-256-XYZ", token, agent, "invalid-mechanism"},
		{"unknown element", "HT-SHA-256-NONE", token, agent + "<foo xmlns='urn:example'/>", "malformed-request"},
		{"request for an unknown mechanism", "HT-SHA-256-NONE", token, agent + "<request-token xmlns='urn:xmpp:fast:0' mechanism='HT-MD5-NONE'/>", "malformed-request"},
		{"bad count", "HT-SHA-256-NONE", token, agent + "<fast xmlns='urn:xmpp:fast:0' count='-1'/>", "malformed-request"},
	}
	for _, tc := range cases {
		// A stream of its own each: failures count towards max_failures.
		c2, _ := sasl2Client(t, s)
		el, err := c2.FAST(tc.mech, "alice", tc.token, nil, tc.inline)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if el.Tag != "failure" || el.SelectAttrValue("xmlns", "") != rawxmpp.NSSASL2 || el.SelectElement(tc.want) == nil {
			t.Errorf("%s: got %s, want a SASL2 failure %s", tc.name, rawxmpp.Describe(el), tc.want)
		}
	}
	c2, _ := sasl2Client(t, s)
	el, err := c2.FAST("HT-SHA-256-NONE", "alice", token, nil, agent)
	if err != nil || el.Tag != "success" {
		t.Fatalf("the right token after failures: %v %s", err, rawxmpp.Describe(el))
	}
	if err := s.Accounts().SetPassword(context.Background(), domain, "alice", "new"); err != nil {
		t.Fatal(err)
	}
	c3, _ := sasl2Client(t, s)
	el, err = c3.FAST("HT-SHA-256-NONE", "alice", token, nil, agent)
	if err != nil || el.SelectElement("not-authorized") == nil {
		t.Errorf("token after a password change: %v %s", err, rawxmpp.Describe(el))
	}
}

// TestSASL2Exchange: without an initial response the client gets an
// empty challenge in the SASL2 namespace; <abort/> gets a SASL2 failure
// with aborted; a SASL2 <response/> with nothing in progress is refused;
// after <success/> without Bind2 the stream is not restarted, and the
// features that follow offer resource binding.
func TestSASL2Exchange(t *testing.T) {
	s := start(t, nil)
	c, _ := sasl2Client(t, s)
	c.Send("<authenticate xmlns='urn:xmpp:sasl:2' mechanism='PLAIN'/>")
	ch, err := c.Next()
	if err != nil || ch.Tag != "challenge" || ch.SelectAttrValue("xmlns", "") != rawxmpp.NSSASL2 {
		t.Fatalf("want an empty SASL2 challenge: %v %s", err, rawxmpp.Describe(ch))
	}
	c.Send("<abort xmlns='urn:xmpp:sasl:2'/>")
	f, err := c.Next()
	if err != nil || f.Tag != "failure" || f.SelectAttrValue("xmlns", "") != rawxmpp.NSSASL2 || f.SelectElement("aborted") == nil {
		t.Fatalf("want a SASL2 failure with aborted: %v %s", err, rawxmpp.Describe(f))
	}
	c.Send("<response xmlns='urn:xmpp:sasl:2'>AAAA</response>")
	if f, err = c.Next(); err != nil || f.SelectElement("malformed-request") == nil {
		t.Fatalf("a response with nothing in progress: %v %s", err, rawxmpp.Describe(f))
	}
	c.Send("<authenticate xmlns='urn:xmpp:sasl:2' mechanism='PLAIN'><initial-response>AGFsaWNlAHNlY3JldA==</initial-response></authenticate>")
	ok, err := c.Next()
	if err != nil || ok.Tag != "success" {
		t.Fatalf("PLAIN through SASL2: %v %s", err, rawxmpp.Describe(ok))
	}
	features, err := c.Next()
	if err != nil || features.Tag != "features" || features.SelectElement("bind") == nil || features.SelectElement("authentication") != nil {
		t.Fatalf("want the authenticated stream's features at once: %v %s", err, rawxmpp.Describe(features))
	}
	c.Send("<authenticate xmlns='urn:xmpp:sasl:2' mechanism='PLAIN'/>")
	expectStreamError(t, c, "policy-violation")
}

// TestBind2Inline: CSI inactive enabled inline holds presence back until
// the client is active; a resumption that fails inline is reported in
// <success/> and Bind2 binds a new session; an account with no room left
// fails the authentication with a SASL2 failure.
func TestBind2Inline(t *testing.T) {
	s := start(t, func(c *config.Config) {
		c.Limits.ResumeTimeout = time.Hour
		c.Limits.MaxResources = 2
	})
	c, _ := sasl2Client(t, s)
	success, err := c.SCRAM2("alice", "secret", "<bind xmlns='urn:xmpp:bind:0'><inactive xmlns='urn:xmpp:csi:0'/></bind>"+
		"<resume xmlns='urn:xmpp:sm:3' previd='nosuchsession' h='0'/>")
	if err != nil {
		t.Fatal(err)
	}
	if success.FindElement("failed/item-not-found") == nil || success.SelectElement("bound") == nil {
		t.Fatalf("want <failed/> for the resumption and a new binding: %s", rawxmpp.Describe(success))
	}
	full := success.SelectElement("authorization-identifier").Text()
	bob, _ := s.login(t, "bob", "b")
	bob.Sendf("<presence to='%s' id='p1'/>", full)
	bob.Sendf("<message to='%s' id='m1'><body>1</body></message>", full)
	el, err := c.Expect(func(el *etree.Element) bool { return el.Tag == "message" || el.Tag == "presence" })
	if err != nil || el.Tag != "message" {
		t.Fatalf("an inactive client got %s before the message: %v", rawxmpp.Describe(el), err)
	}
	c.Send("<active xmlns='urn:xmpp:csi:0'/>")
	if _, err := c.Expect(rawxmpp.ID("p1")); err != nil {
		t.Fatalf("the held presence after <active/>: %v", err)
	}

	// alice has two sessions now: the limit.
	s.login(t, "alice", "other")
	c2, _ := sasl2Client(t, s)
	if _, err := c2.SCRAM2("alice", "secret", "<bind xmlns='urn:xmpp:bind:0'/>"); err == nil || !strings.Contains(err.Error(), "temporary-auth-failure") {
		t.Errorf("Bind2 past max_resources: %v, want a temporary-auth-failure", err)
	}
}
