package accounts

import (
	"errors"
	"testing"

	"github.com/xdg-go/scram"

	"github.com/switchboard-xmpp/switchboard/core/sasl"
)

// TestSASLSource authenticates through the real mechanisms against keys that
// the Service stored, with an independent SCRAM client.
func TestSASLSource(t *testing.T) {
	ctx := t.Context()
	s := newService(t, 0)
	if err := s.Create(ctx, "localhost", "alice", "wonder land"); err != nil {
		t.Fatalf("Create: %v", err)
	}
	src := s.SASLSource("localhost")
	cs := sasl.ConnState{Domain: "localhost"}

	tests := []struct {
		mech     string
		hash     scram.HashGeneratorFcn
		user, pw string
		wantOK   bool
	}{
		{"SCRAM-SHA-256", scram.SHA256, "alice", "wonder land", true},
		{"SCRAM-SHA-1", scram.SHA1, "alice", "wonder land", true},
		{"SCRAM-SHA-256", scram.SHA256, "Alice", "wonder land", true},
		{"SCRAM-SHA-256", scram.SHA256, "alice", "wonderland", false},
		{"SCRAM-SHA-256", scram.SHA256, "bob", "wonder land", false},
	}
	for _, tt := range tests {
		ms, err := sasl.Mechanisms([]string{tt.mech}, false)
		if err != nil {
			t.Fatal(err)
		}
		neg := ms[0].Start(cs, src)
		client, err := tt.hash.NewClient(tt.user, tt.pw, "")
		if err != nil {
			t.Fatal(err)
		}
		conv := client.NewConversation()
		msg, err := conv.Step("")
		if err != nil {
			t.Fatal(err)
		}
		var done bool
		for !done && err == nil {
			var out []byte
			out, done, err = neg.Step(ctx, []byte(msg))
			if err == nil {
				msg, err = conv.Step(string(out))
				if err != nil {
					t.Fatalf("%s %s: client rejected server: %v", tt.mech, tt.user, err)
				}
			}
		}
		if ok := err == nil; ok != tt.wantOK {
			t.Errorf("%s as %s/%q: success = %v (%v), want %v", tt.mech, tt.user, tt.pw, ok, err, tt.wantOK)
		}
		if tt.wantOK && neg.Username() != "alice" {
			t.Errorf("%s: Username = %q, want alice", tt.mech, neg.Username())
		}
	}

	if _, err := src.SCRAM(ctx, "bob", true); !errors.Is(err, sasl.ErrUnknownUser) {
		t.Errorf("SCRAM of unknown user: err = %v, want ErrUnknownUser", err)
	}
	for pw, want := range map[string]bool{"wonder land": true, "x": false} {
		if ok, err := src.VerifyPlain(ctx, "alice", pw); ok != want || err != nil {
			t.Errorf("VerifyPlain(%q) = %v, %v; want %v", pw, ok, err, want)
		}
	}
}
