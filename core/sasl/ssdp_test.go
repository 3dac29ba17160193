package sasl

import (
	"crypto/sha1"
	"crypto/sha256"
	"crypto/tls"
	"encoding/base64"
	"hash"
	"strings"
	"testing"
)

// TestSCRAMDowngradeProtection: with the offered mechanisms known, the
// server-first-message carries XEP-0474's d= (computed here as a client
// does, from the lists it saw), and a client that signs the message with
// it is accepted, -PLUS or not, on SHA-1 and SHA-256.
func TestSCRAMDowngradeProtection(t *testing.T) {
	tls13 := newTLSConn(t, tls.VersionTLS13)
	offered := []string{"SCRAM-SHA-256-PLUS", "SCRAM-SHA-1-PLUS", "SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN"}
	cs := tls13.server
	cs.Offered = offered
	want := func(h func() hash.Hash) string {
		// Sorted, 0x1E between names, 0x1F before the bindings.
		sum := h()
		sum.Write([]byte("PLAIN\x1eSCRAM-SHA-1\x1eSCRAM-SHA-1-PLUS\x1eSCRAM-SHA-256\x1eSCRAM-SHA-256-PLUS\x1ftls-exporter\x1etls-server-end-point"))
		return base64.StdEncoding.EncodeToString(sum.Sum(nil))
	}
	for _, tc := range []struct {
		mech string
		kind clientKind
		h    func() hash.Hash
	}{
		{"SCRAM-SHA-256", noBinding, sha256.New},
		{"SCRAM-SHA-1", noBinding, sha1.New},
		{"SCRAM-SHA-256-PLUS", exporterBinding, sha256.New},
	} {
		t.Run(tc.mech, func(t *testing.T) {
			m, _ := byName(tc.mech)
			neg := m.Start(cs, newFakeSource())
			client := newClient(t, tc.mech, "user", "pencil", "", tc.kind, &tls13, nil)
			c1, _ := client.Step("")
			s1, _, err := neg.Step(t.Context(), []byte(c1))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasSuffix(string(s1), ",d="+want(tc.h)) {
				t.Fatalf("server-first-message %q: want d=%s", s1, want(tc.h))
			}
			// The proof signs the message with d=.
			c2, err := client.Step(string(s1))
			if err != nil {
				t.Fatal(err)
			}
			s2, done, err := neg.Step(t.Context(), []byte(c2))
			if err != nil || !done {
				t.Fatalf("final: %v", err)
			}
			if _, err := client.Step(string(s2)); err != nil || !client.Valid() {
				t.Fatalf("client rejected the server signature: %v", err)
			}
		})
	}
}
