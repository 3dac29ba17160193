package sasl

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/tls"
	"errors"
	"strings"
	"testing"
)

// tokenKeys serves the key of one token for alice and one mechanism.
type tokenKeys struct {
	mech, token string
	err         error
}

func (k tokenKeys) TokenKeys(_ context.Context, username, mechanism string) ([][]byte, error) {
	if k.err != nil {
		return nil, k.err
	}
	if username != "alice" || mechanism != k.mech {
		return nil, nil
	}
	return [][]byte{TokenKey(k.token)}, nil
}

// clientProof is the HT initiator message as a client computes it, keyed
// with the token itself, not the stored hash.
func clientProof(user, token, role string, cb []byte) []byte {
	mac := hmac.New(sha256.New, []byte(token))
	mac.Write([]byte(role))
	mac.Write(cb)
	return append([]byte(user+"\x00"), mac.Sum(nil)...)
}

func htByName(t *testing.T, name string) HT {
	t.Helper()
	for _, m := range HTMechanisms() {
		if m.Name() == name {
			return m
		}
	}
	t.Fatalf("no %s", name)
	return HT{}
}

// TestHT: each HT variant accepts the token's proof over its channel
// binding and answers with the responder proof, and refuses a wrong token,
// another connection's binding, a token of another mechanism and
// malformed messages.
func TestHT(t *testing.T) {
	tls13 := newTLSConn(t, tls.VersionTLS13)
	tls12 := newTLSConn(t, tls.VersionTLS12)
	other := newTLSConn(t, tls.VersionTLS13)
	token := strings.Repeat("k", 80)
	binding := func(c tlsConn, typ string) []byte {
		cb, err := channelBinding(c.server, typ)
		if err != nil {
			t.Fatal(err)
		}
		return cb.Data
	}
	tests := []struct {
		name, mech string
		conn       ConnState
		in         []byte
		keys       tokenKeys
		wantCond   string
		cb         []byte
		untested   bool // no account to throttle
	}{
		{name: "NONE", mech: "HT-SHA-256-NONE", conn: ConnState{}, in: clientProof("alice", token, "Initiator", nil)},
		{name: "NONE, name prepared", mech: "HT-SHA-256-NONE", conn: ConnState{}, in: clientProof("Alice", token, "Initiator", nil)},
		{name: "EXPR", mech: "HT-SHA-256-EXPR", conn: tls13.server, in: clientProof("alice", token, "Initiator", binding(tls13, TLSExporter)), cb: binding(tls13, TLSExporter)},
		{name: "ENDP", mech: "HT-SHA-256-ENDP", conn: tls13.server, in: clientProof("alice", token, "Initiator", binding(tls13, TLSServerEndPoint)), cb: binding(tls13, TLSServerEndPoint)},
		{name: "UNIQ", mech: "HT-SHA-256-UNIQ", conn: tls12.server, in: clientProof("alice", token, "Initiator", binding(tls12, TLSUnique)), cb: binding(tls12, TLSUnique)},
		{name: "EXPR of another connection", mech: "HT-SHA-256-EXPR", conn: tls13.server, in: clientProof("alice", token, "Initiator", binding(other, TLSExporter)), wantCond: NotAuthorized},
		{name: "EXPR without TLS", mech: "HT-SHA-256-EXPR", conn: ConnState{}, in: clientProof("alice", token, "Initiator", nil), wantCond: InvalidMechanism},
		{name: "wrong token", mech: "HT-SHA-256-NONE", in: clientProof("alice", token+"x", "Initiator", nil), wantCond: NotAuthorized},
		{name: "responder proof as initiator", mech: "HT-SHA-256-NONE", in: clientProof("alice", token, "Responder", nil), wantCond: NotAuthorized},
		{name: "token of another mechanism", mech: "HT-SHA-256-NONE", keys: tokenKeys{mech: "HT-SHA-256-EXPR", token: token}, in: clientProof("alice", token, "Initiator", nil), wantCond: NotAuthorized},
		{name: "unknown user", mech: "HT-SHA-256-NONE", in: clientProof("bob", token, "Initiator", nil), wantCond: NotAuthorized},
		{name: "no NUL", mech: "HT-SHA-256-NONE", in: []byte("alice"), wantCond: MalformedRequest, untested: true},
		{name: "short proof", mech: "HT-SHA-256-NONE", in: []byte("alice\x00abc"), wantCond: MalformedRequest},
		{name: "storage fails", mech: "HT-SHA-256-NONE", keys: tokenKeys{err: errors.New("disk on fire")}, in: clientProof("alice", token, "Initiator", nil), wantCond: TemporaryAuthFailure},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			keys := tc.keys
			if keys.mech == "" && keys.err == nil {
				keys = tokenKeys{mech: tc.mech, token: token}
			}
			n := htByName(t, tc.mech).Start(tc.conn, keys)
			if _, tests := n.Testing(tc.in); tests == tc.untested {
				t.Errorf("Testing = %v", tests)
			}
			out, done, err := n.Step(t.Context(), tc.in)
			if tc.wantCond != "" {
				var f *Failure
				if !errors.As(err, &f) || f.Condition != tc.wantCond {
					t.Fatalf("err = %v, want %s", err, tc.wantCond)
				}
				return
			}
			if err != nil || !done || n.Username() != "alice" {
				t.Fatalf("Step = %v, %v, user %q", done, err, n.Username())
			}
			want := clientProof("", token, "Responder", tc.cb)[1:]
			if !hmac.Equal(out, want) {
				t.Error("wrong responder proof")
			}
			if _, _, err := n.Step(t.Context(), tc.in); err == nil {
				t.Error("a second step succeeded")
			}
		})
	}
}

// TestHTAvailable: the channel-bound variants are offered only where the
// connection provides their binding, as the SCRAM -PLUS ones are.
func TestHTAvailable(t *testing.T) {
	tls13 := newTLSConn(t, tls.VersionTLS13)
	tls12 := newTLSConn(t, tls.VersionTLS12)
	names := func(cs ConnState) string {
		var s []string
		for _, m := range HTMechanisms() {
			if m.Available(cs) {
				s = append(s, m.Name())
			}
		}
		return strings.Join(s, " ")
	}
	for _, tc := range []struct {
		name string
		cs   ConnState
		want string
	}{
		{"plain", ConnState{}, "HT-SHA-256-NONE"},
		{"TLS 1.3", tls13.server, "HT-SHA-256-EXPR HT-SHA-256-ENDP HT-SHA-256-NONE"},
		{"TLS 1.2", tls12.server, "HT-SHA-256-ENDP HT-SHA-256-UNIQ HT-SHA-256-NONE"},
	} {
		if got := names(tc.cs); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
	}
	// The XEP-0440 list and the HT list agree on what a connection binds.
	if got := ChannelBindingTypes(tls13.server); strings.Join(got, " ") != TLSExporter+" "+TLSServerEndPoint {
		t.Errorf("TLS 1.3 binding types %v", got)
	}
}
