package sasl

import (
	"crypto/tls"
	"errors"
	"testing"
)

// FuzzSCRAMServer feeds arbitrary client-first and client-final messages to
// every SCRAM variant, with and without TLS. Whatever arrives, the server
// must not panic, must fail with a known condition, and must never
// authenticate anyone: no input can carry a proof for a nonce it has not
// seen yet. A failure marked Negotiation must not have looked up any
// credentials, since it is then spared the failed-login penalties.
func FuzzSCRAMServer(f *testing.F) {
	tls13 := newTLSConn(f, tls.VersionTLS13).server
	plainConn := ConnState{Domain: "localhost"}
	mechs, err := Mechanisms(allSCRAM, false)
	if err != nil {
		f.Fatal(err)
	}
	conditions := map[string]bool{
		MalformedRequest: true, NotAuthorized: true, InvalidAuthzid: true, TemporaryAuthFailure: true, InvalidMechanism: true,
	}
	f.Add([]byte("n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL"), []byte("c=biws,r=fyko+d2lbbFgONRv9qkxdawL,p=AAAA"))
	f.Fuzz(func(t *testing.T, first, final []byte) {
		for _, m := range mechs {
			for _, cs := range []ConnState{plainConn, tls13} {
				src := newFakeSource()
				neg := m.Start(cs, src)
				_, _, err := neg.Step(t.Context(), first)
				if err == nil {
					_, _, err = neg.Step(t.Context(), final)
				}
				if err == nil {
					if len(first) == 0 {
						continue // the empty challenge, then a client-first
					}
					t.Fatalf("%s authenticated %q from %q, %q", m.Name(), neg.Username(), first, final)
				}
				var fail *Failure
				if !errors.As(err, &fail) || !conditions[fail.Condition] {
					t.Fatalf("%s: error %v is not a known failure", m.Name(), err)
				}
				if fail.Negotiation && len(src.lookups) > 0 {
					t.Fatalf("%s: negotiation failure %v after looking up %q", m.Name(), err, src.lookups)
				}
				if neg.Username() != "" {
					t.Fatalf("%s: failed negotiation has username %q", m.Name(), neg.Username())
				}
			}
		}
	})
}
