package filter

import (
	"testing"

	"github.com/switchboard-xmpp/switchboard/core/jidprep"
)

func mustRule(t *testing.T, deny bool, jid string, s Stanzas, report bool) Rule {
	t.Helper()
	r, err := NewRule(deny, jid, s, report)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestCheck(t *testing.T) {
	tb := NewTable()
	const owner = "alice@localhost"
	tb.Set("privacy", owner, []Rule{
		mustRule(t, false, "friend@evil.example", 0, false),
		mustRule(t, true, "evil.example", 0, false),
		mustRule(t, true, "bob@localhost", MessageIn|MessageOut, true),
		mustRule(t, true, "carol@localhost/phone", PresenceOut, false),
		mustRule(t, true, "server.example/bot", IQIn, false),
	})
	tests := []struct {
		peer   string
		kind   Stanzas
		denied bool
		report bool
	}{
		{"friend@evil.example/x", MessageIn, false, false},  // earlier allow wins
		{"enemy@evil.example/x", MessageIn, true, false},    // domain rule
		{"evil.example", PresenceIn, true, false},           // the domain itself
		{"bob@localhost/any", MessageIn, true, true},        // bare rule, any resource
		{"bob@localhost", MessageOut, true, true},           // blocked outbound is reported
		{"bob@localhost/any", PresenceIn, false, false},     // kind not covered
		{"carol@localhost/phone", PresenceOut, true, false}, // full JID rule
		{"carol@localhost/desk", PresenceOut, false, false}, // other resource
		{"server.example/bot", IQIn, true, false},           // domain/resource
		{"x@server.example/bot", IQIn, false, false},        // not the same address
		{"dave@localhost", MessageIn, false, false},         // no rule: allowed
	}
	for _, tt := range tests {
		peer, err := jidprep.Parse(tt.peer)
		if err != nil {
			t.Fatal(err)
		}
		v := tb.Check(owner, peer, tt.kind)
		if v.Denied != tt.denied || v.ReportBlocked != tt.report {
			t.Errorf("Check(%s, %d) = %+v, want denied=%v report=%v", tt.peer, tt.kind, v, tt.denied, tt.report)
		}
	}
	if v := tb.Check("other@localhost", jidprep.JID{Local: "bob", Domain: "localhost"}, MessageIn); v.Denied {
		t.Error("rules leaked to another owner")
	}
	tb.Clear(owner)
	if v := tb.Check(owner, jidprep.JID{Local: "bob", Domain: "localhost"}, MessageIn); v.Denied || tb.owners.Load() != 0 {
		t.Error("Clear left rules behind")
	}
}

func TestRulesBelongToTheirPlugin(t *testing.T) {
	tb := NewTable()
	bob := jidprep.JID{Local: "bob", Domain: "localhost"}
	tb.Set("a", "alice@localhost", []Rule{mustRule(t, false, "bob@localhost", 0, false)})
	tb.Set("b", "alice@localhost", []Rule{mustRule(t, true, "bob@localhost", 0, false)})
	if tb.Check("alice@localhost", bob, MessageIn).Denied {
		t.Error("plugin a's earlier allow should win")
	}
	tb.ClearPlugin("a")
	if !tb.Check("alice@localhost", bob, MessageIn).Denied {
		t.Error("after plugin a stopped, plugin b's deny should apply")
	}
	tb.Set("b", "alice@localhost", nil)
	if tb.owners.Load() != 0 {
		t.Error("an owner without rules is still counted")
	}
}

func TestNewRuleRejectsBadJID(t *testing.T) {
	if _, err := NewRule(true, "a@b@c", 0, false); err == nil {
		t.Fatal("a malformed JID was accepted")
	}
}
