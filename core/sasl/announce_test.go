package sasl

import (
	"crypto/tls"
	"testing"

	"github.com/xdg-go/scram"
)

// TestTestingAnnouncesEveryTest: the caller throttles password tests per
// account by asking Testing before each Step, so Testing must announce
// every Step that tests a credential or fails as a wrong one would, and
// name the account.
func TestTestingAnnouncesEveryTest(t *testing.T) {
	tls13 := newTLSConn(t, tls.VersionTLS13)
	for _, tt := range []struct {
		msg         string
		wantAccount string
		wantTests   bool
	}{
		{"\x00user\x00pencil", "user", true},
		{"\x00USER\x00wrong", "user", true},
		{"\x00nobody\x00pencil", "nobody", true},
		{"\x00no body\x00pencil", "", true}, // not-authorized, as for a wrong password
		{"user@localhost\x00user\x00pencil", "user", true},
		{"userpencil", "", false},
		{"\x00user\x00", "", false},
	} {
		src := newFakeSource()
		neg := Plain().Start(tls13.server, src)
		account, tests := neg.Testing([]byte(tt.msg))
		if account != tt.wantAccount || tests != tt.wantTests {
			t.Errorf("PLAIN %q: Testing = %q, %v; want %q, %v", tt.msg, account, tests, tt.wantAccount, tt.wantTests)
		}
		_, _, err := neg.Step(t.Context(), []byte(tt.msg))
		if f, ok := err.(*Failure); ok && f.Condition == NotAuthorized && !tests {
			t.Errorf("PLAIN %q failed as a wrong password without being announced", tt.msg)
		}
		if len(src.lookups) > 0 && !tests {
			t.Errorf("PLAIN %q verified a password without announcing it", tt.msg)
		}
		if _, tests := neg.Testing([]byte(tt.msg)); tests {
			t.Errorf("PLAIN %q: a finished exchange still announces a test", tt.msg)
		}
	}
	if _, tests := Plain().Start(tls13.server, newFakeSource()).Testing(nil); tests {
		t.Error("PLAIN without an initial response announces a test")
	}

	neg := SCRAM("SHA-256", false).Start(ConnState{Domain: "localhost"}, newFakeSource())
	client, err := scram.SHA256.NewClient("alice", "wrong", "")
	if err != nil {
		t.Fatal(err)
	}
	conv := client.NewConversation()
	c1, _ := conv.Step("")
	if _, tests := neg.Testing([]byte(c1)); tests {
		t.Error("SCRAM's client-first-message announces a test")
	}
	s1, _, err := neg.Step(t.Context(), []byte(c1))
	if err != nil {
		t.Fatal(err)
	}
	c2, _ := conv.Step(string(s1))
	if account, tests := neg.Testing([]byte(c2)); account != "alice" || !tests {
		t.Errorf("SCRAM's client-final-message: Testing = %q, %v; want alice, true", account, tests)
	}
}
