package sasl

import (
	"crypto/tls"
	"strings"
	"testing"

	"github.com/xdg-go/scram"
)

// clientKind says how the xdg-go client treats channel binding.
type clientKind int

const (
	noBinding         clientKind = iota // gs2 flag 'n'
	advertise                           // 'y': supports binding, saw no -PLUS
	exporterBinding                     // 'p=tls-exporter'
	endPointBinding                     // 'p=tls-server-end-point'
	uniqueBinding                       // 'p=tls-unique', as slixmpp sends on any TLS version
	mismatchedBinding                   // 'p=tls-exporter' with another connection's data
	mismatchedUnique                    // 'p=tls-unique' with another connection's data
)

// allSCRAM is the usual configuration: every SCRAM variant offered.
var allSCRAM = []string{"SCRAM-SHA-256-PLUS", "SCRAM-SHA-256", "SCRAM-SHA-1-PLUS", "SCRAM-SHA-1"}

func mechanism(t *testing.T, configured []string, name string) Mechanism {
	t.Helper()
	ms, err := Mechanisms(configured, false)
	if err != nil {
		t.Fatalf("Mechanisms: %v", err)
	}
	for _, m := range ms {
		if m.Name() == name {
			return m
		}
	}
	t.Fatalf("%s not among %v", name, configured)
	return nil
}

func TestSCRAMConversations(t *testing.T) {
	tls12 := newTLSConn(t, tls.VersionTLS12)
	tls13 := newTLSConn(t, tls.VersionTLS13)
	other13 := newTLSConn(t, tls.VersionTLS13)
	other12 := newTLSConn(t, tls.VersionTLS12)
	plainConn := &tlsConn{server: ConnState{Domain: "localhost"}}

	tests := []struct {
		name       string
		configured []string // nil means allSCRAM
		mech       string
		conn       *tlsConn
		client     clientKind
		user, pass string
		authzid    string
		wantStep   int    // 0: success
		wantCond   string // when wantStep != 0
		wantUser   string // when wantStep == 0
		// wantNegotiation: the failure tested no credential (Failure.Negotiation).
		wantNegotiation bool
	}{
		{name: "SHA-1 without TLS", mech: "SCRAM-SHA-1", conn: plainConn, user: "user", pass: "pencil", wantUser: "user"},
		{name: "SHA-256 without TLS", mech: "SCRAM-SHA-256", conn: plainConn, user: "user", pass: "pencil", wantUser: "user"},
		{name: "username is case-mapped", mech: "SCRAM-SHA-256", conn: plainConn, user: "User", pass: "pencil", wantUser: "user"},
		{name: "escaped username", mech: "SCRAM-SHA-256", conn: plainConn, user: "o=k,user", pass: "pw", wantUser: "o=k,user"},
		{name: "wrong password", mech: "SCRAM-SHA-256", conn: plainConn, user: "user", pass: "pen", wantStep: 2, wantCond: NotAuthorized},
		{name: "wrong password SHA-1", mech: "SCRAM-SHA-1", conn: plainConn, user: "user", pass: "pen", wantStep: 2, wantCond: NotAuthorized},
		{name: "unknown user fails at the proof", mech: "SCRAM-SHA-256", conn: plainConn, user: "nobody", pass: "pencil", wantStep: 2, wantCond: NotAuthorized},
		{name: "unpreparable username fails at the proof", mech: "SCRAM-SHA-256", conn: plainConn, user: "no body", pass: "pencil", wantStep: 2, wantCond: NotAuthorized},
		{name: "no SHA-256 keys: a negotiation failure at the proof", mech: "SCRAM-SHA-256", conn: plainConn, user: "imported", pass: "pw", wantStep: 2, wantCond: NotAuthorized, wantNegotiation: true},
		{name: "SHA-1 keys only serve SHA-1", mech: "SCRAM-SHA-1", conn: plainConn, user: "imported", pass: "pw", wantUser: "imported"},
		{name: "storage failure", mech: "SCRAM-SHA-256", conn: plainConn, user: "broken", pass: "pencil", wantStep: 1, wantCond: TemporaryAuthFailure},
		{name: "own bare JID as authzid", mech: "SCRAM-SHA-256", conn: plainConn, user: "user", pass: "pencil", authzid: "User@LocalHost", wantUser: "user"},
		{name: "other user as authzid", mech: "SCRAM-SHA-256", conn: plainConn, user: "user", pass: "pencil", authzid: "alice@localhost", wantStep: 1, wantCond: InvalidAuthzid},
		{name: "other domain as authzid", mech: "SCRAM-SHA-256", conn: plainConn, user: "user", pass: "pencil", authzid: "user@example.org", wantStep: 1, wantCond: InvalidAuthzid},
		{name: "full JID as authzid", mech: "SCRAM-SHA-256", conn: plainConn, user: "user", pass: "pencil", authzid: "user@localhost/res", wantStep: 1, wantCond: InvalidAuthzid},
		{name: "'y' without TLS", mech: "SCRAM-SHA-256", conn: plainConn, client: advertise, user: "user", pass: "pencil", wantUser: "user"},

		{name: "PLUS tls-exporter on TLS 1.3", mech: "SCRAM-SHA-256-PLUS", conn: &tls13, client: exporterBinding, user: "user", pass: "pencil", wantUser: "user"},
		{name: "SHA-1-PLUS tls-exporter on TLS 1.3", mech: "SCRAM-SHA-1-PLUS", conn: &tls13, client: exporterBinding, user: "user", pass: "pencil", wantUser: "user"},
		{name: "PLUS tls-server-end-point on TLS 1.3", mech: "SCRAM-SHA-256-PLUS", conn: &tls13, client: endPointBinding, user: "user", pass: "pencil", wantUser: "user"},
		{name: "PLUS tls-server-end-point on TLS 1.2", mech: "SCRAM-SHA-256-PLUS", conn: &tls12, client: endPointBinding, user: "user", pass: "pencil", wantUser: "user"},
		{name: "PLUS tls-exporter on TLS 1.2", mech: "SCRAM-SHA-256-PLUS", conn: &tls12, client: exporterBinding, user: "user", pass: "pencil", wantStep: 1, wantCond: InvalidMechanism, wantNegotiation: true},
		{name: "PLUS tls-unique on TLS 1.2", mech: "SCRAM-SHA-256-PLUS", conn: &tls12, client: uniqueBinding, user: "user", pass: "pencil", wantUser: "user"},
		{name: "SHA-1-PLUS tls-unique on TLS 1.2", mech: "SCRAM-SHA-1-PLUS", conn: &tls12, client: uniqueBinding, user: "user", pass: "pencil", wantUser: "user"},
		{name: "PLUS tls-unique on TLS 1.3", mech: "SCRAM-SHA-256-PLUS", conn: &tls13, client: uniqueBinding, user: "user", pass: "pencil", wantStep: 1, wantCond: InvalidMechanism, wantNegotiation: true},
		{name: "SHA-1-PLUS tls-unique on TLS 1.3", mech: "SCRAM-SHA-1-PLUS", conn: &tls13, client: uniqueBinding, user: "user", pass: "pencil", wantStep: 1, wantCond: InvalidMechanism, wantNegotiation: true},
		{name: "PLUS tls-unique of another connection", mech: "SCRAM-SHA-256-PLUS", conn: &tls12, client: mismatchedUnique, user: "user", pass: "pencil", wantStep: 2, wantCond: NotAuthorized},
		{name: "PLUS with another connection's binding", mech: "SCRAM-SHA-256-PLUS", conn: &tls13, client: mismatchedBinding, user: "user", pass: "pencil", wantStep: 2, wantCond: NotAuthorized},
		{name: "PLUS wrong password", mech: "SCRAM-SHA-256-PLUS", conn: &tls13, client: exporterBinding, user: "user", pass: "pen", wantStep: 2, wantCond: NotAuthorized},
		{name: "PLUS without binding", mech: "SCRAM-SHA-256-PLUS", conn: &tls13, client: noBinding, user: "user", pass: "pencil", wantStep: 1, wantCond: MalformedRequest},
		{name: "PLUS with 'y'", mech: "SCRAM-SHA-256-PLUS", conn: &tls13, client: advertise, user: "user", pass: "pencil", wantStep: 1, wantCond: MalformedRequest},
		{name: "PLUS without TLS", mech: "SCRAM-SHA-256-PLUS", conn: plainConn, client: endPointBinding, user: "user", pass: "pencil", wantStep: 1, wantCond: InvalidMechanism, wantNegotiation: true},

		{name: "plain SCRAM on TLS", mech: "SCRAM-SHA-256", conn: &tls13, user: "user", pass: "pencil", wantUser: "user"},
		{name: "'y' downgrade on TLS 1.3", mech: "SCRAM-SHA-256", conn: &tls13, client: advertise, user: "user", pass: "pencil", wantStep: 1, wantCond: NotAuthorized, wantNegotiation: true},
		{name: "'y' downgrade on TLS 1.2", mech: "SCRAM-SHA-1", conn: &tls12, client: advertise, user: "user", pass: "pencil", wantStep: 1, wantCond: NotAuthorized, wantNegotiation: true},
		{name: "'y' downgrade with the right password of an unknown user", mech: "SCRAM-SHA-256", conn: &tls13, client: advertise, user: "nobody", pass: "pencil", wantStep: 1, wantCond: NotAuthorized, wantNegotiation: true},
		{name: "'y' when PLUS is not configured", configured: []string{"SCRAM-SHA-256"}, mech: "SCRAM-SHA-256", conn: &tls13, client: advertise, user: "user", pass: "pencil", wantUser: "user"},
		{name: "'y' when only the other hash has PLUS", configured: []string{"SCRAM-SHA-256-PLUS", "SCRAM-SHA-1"}, mech: "SCRAM-SHA-1", conn: &tls13, client: advertise, user: "user", pass: "pencil", wantUser: "user"},
		{name: "binding with plain SCRAM", mech: "SCRAM-SHA-256", conn: &tls13, client: exporterBinding, user: "user", pass: "pencil", wantStep: 1, wantCond: MalformedRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			configured := tt.configured
			if configured == nil {
				configured = allSCRAM
			}
			m := mechanism(t, configured, tt.mech)
			neg := m.Start(tt.conn.server, newFakeSource())
			other := &other13
			if tt.client == mismatchedUnique {
				other = &other12
			}
			client := newClient(t, tt.mech, tt.user, tt.pass, tt.authzid, tt.client, tt.conn, other)
			step, f := converse(t, neg, client)
			if step != tt.wantStep {
				t.Fatalf("failed at step %d (%v), want %d", step, f, tt.wantStep)
			}
			if step != 0 {
				t.Logf("failure: %v", f)
				if f.Condition != tt.wantCond {
					t.Errorf("condition = %s (%v), want %s", f.Condition, f, tt.wantCond)
				}
				if f.Negotiation != tt.wantNegotiation {
					t.Errorf("Negotiation = %v, want %v", f.Negotiation, tt.wantNegotiation)
				}
				if neg.Username() != "" {
					t.Errorf("Username after failure = %q, want empty", neg.Username())
				}
				return
			}
			if neg.Username() != tt.wantUser {
				t.Errorf("Username = %q, want %q", neg.Username(), tt.wantUser)
			}
			if _, _, err := neg.Step(t.Context(), []byte("more")); err == nil {
				t.Error("Step after success did not fail")
			}
		})
	}
}

func newClient(t *testing.T, mech, user, pass, authzid string, kind clientKind, conn, other *tlsConn) *scram.ClientConversation {
	t.Helper()
	h := scram.SHA256
	if strings.HasPrefix(mech, "SCRAM-SHA-1") {
		h = scram.SHA1
	}
	c, err := h.NewClient(user, pass, authzid)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	var cb scram.ChannelBinding
	switch kind {
	case noBinding:
		return c.NewConversation()
	case advertise:
		return c.NewConversationAdvertisingChannelBinding()
	case exporterBinding:
		cb = scram.ChannelBinding{Type: scram.ChannelBindingTLSExporter, Data: []byte("no tls")}
		if conn.client.Version != 0 {
			// On TLS 1.2 the client may still export keying material
			// (extended master secret); the server must refuse the type.
			if b, err := scram.NewTLSExporterBinding(&conn.client); err == nil {
				cb = b
			}
		}
	case endPointBinding:
		cb = scram.ChannelBinding{Type: scram.ChannelBindingTLSServerEndpoint, Data: []byte("no tls")}
		if conn.client.Version != 0 {
			cb, err = scram.NewTLSServerEndpointBinding(&conn.client)
			if err != nil {
				t.Fatalf("client tls-server-end-point: %v", err)
			}
		}
	case uniqueBinding:
		// On TLS 1.3 the client has no tls-unique from crypto/tls; slixmpp
		// sends OpenSSL's Finished message there, which we cannot check.
		cb = scram.NewTLSUniqueBinding([]byte("finished message"))
		if len(conn.client.TLSUnique) > 0 {
			cb = scram.NewTLSUniqueBinding(conn.client.TLSUnique)
		}
	case mismatchedUnique:
		cb = scram.NewTLSUniqueBinding(other.client.TLSUnique)
	case mismatchedBinding:
		cb, err = scram.NewTLSExporterBinding(&other.client)
		if err != nil {
			t.Fatalf("client tls-exporter: %v", err)
		}
	}
	return c.NewConversationWithChannelBinding(cb)
}

// TestUnsupportedBindingSaysWhatWouldWork checks the answer to a -PLUS
// request for a type the connection cannot provide: RFC 5802's error name
// and the types the client could use instead, as slixmpp's tls-unique on
// TLS 1.3 gets it, and tls-unique on a TLS 1.2 session that has none.
func TestUnsupportedBindingSaysWhatWouldWork(t *testing.T) {
	tls12 := newTLSConn(t, tls.VersionTLS12)
	tls13 := newTLSConn(t, tls.VersionTLS13)
	resumed := tls12
	resumed.server = withoutTLSUnique(tls12.server)
	tests := []struct {
		name string
		conn *tlsConn
		want string
	}{
		{"TLS 1.3", &tls13, "unsupported-channel-binding-type: this connection supports tls-exporter, tls-server-end-point"},
		{"TLS 1.2 without tls-unique", &resumed, "unsupported-channel-binding-type: this connection supports tls-server-end-point"},
	}
	for _, tt := range tests {
		neg := mechanism(t, allSCRAM, "SCRAM-SHA-256-PLUS").Start(tt.conn.server, newFakeSource())
		client := newClient(t, "SCRAM-SHA-256-PLUS", "user", "pencil", "", uniqueBinding, tt.conn, nil)
		step, f := converse(t, neg, client)
		if step != 1 {
			t.Fatalf("%s: failed at step %d (%v), want 1", tt.name, step, f)
		}
		if f.Condition != InvalidMechanism || f.Text != tt.want || !f.Negotiation {
			t.Errorf("%s: failure %+v, want %s with text %q, marked Negotiation", tt.name, f, InvalidMechanism, tt.want)
		}
	}
}
