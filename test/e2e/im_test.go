package e2e

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"mellium.im/sasl"
	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/roster"
	"mellium.im/xmpp/stanza"
)

// expectPresence waits for a presence from one JID of one type ("" for
// available). Presence that arrives meanwhile is kept for later
// expectations: the order between different senders is not guaranteed.
func (c *melliumClient) expectPresence(t *testing.T, from string, typ stanza.PresenceType) {
	t.Helper()
	match := func(p stanza.Presence) bool { return p.From.String() == from && p.Type == typ }
	for i, p := range c.seen {
		if match(p) {
			c.seen = append(c.seen[:i], c.seen[i+1:]...)
			return
		}
	}
	deadline := time.After(10 * time.Second)
	for {
		select {
		case p := <-c.presences:
			if match(p) {
				return
			}
			c.seen = append(c.seen, p)
		case <-deadline:
			t.Fatalf("no presence of type %q from %s; seen %v", typ, from, c.seen)
		}
	}
}

func (c *melliumClient) sendPresence(t *testing.T, to string, typ stanza.PresenceType) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	p := stanza.Presence{Type: typ}
	if to != "" {
		p.To = jid.MustParse(to)
	}
	if err := c.Send(ctx, p.Wrap(nil)); err != nil {
		t.Fatal(err)
	}
}

func rosterOf(t *testing.T, c *melliumClient) map[string]string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	it := roster.Fetch(ctx, c.Session)
	defer it.Close()
	out := map[string]string{}
	for it.Next() {
		item := it.Item()
		out[item.JID.String()] = item.Subscription
	}
	if err := it.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestContactsWithAStockClient: two users with mellium.im/xmpp add each
// other, approve, see each other come and go (alice on two resources), a
// third user sees nothing, and the roster survives a server restart.
func TestContactsWithAStockClient(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "switchboard.yaml")
	os.WriteFile(cfg, []byte("domain: localhost\n"), 0o644)
	for _, u := range []string{"alice", "bob", "carol"} {
		if out, err := run(t, dir, nil, "", "user", "add", u+"@localhost", "--password", "pw", "--config", cfg); err != nil {
			t.Fatalf("user add: %v %s", err, out)
		}
	}
	srv := startServer(t, dir, nil, "--config", cfg)
	srv.waitLog("server started")

	alice := melliumLogin(t, srv.starttls, false, "alice", "pw", sasl.ScramSha256)
	alice2 := melliumLogin(t, srv.direct, true, "alice", "pw", sasl.ScramSha256Plus)
	bob := melliumLogin(t, srv.starttls, false, "bob", "pw", sasl.ScramSha256)
	carol := melliumLogin(t, srv.starttls, false, "carol", "pw", sasl.ScramSha256)
	for _, c := range []*melliumClient{alice, alice2, bob, carol} {
		rosterOf(t, c) // requesting the roster makes a resource get pushes
		sendPresence(t, c)
	}
	aliceJID, alice2JID, bobJID := alice.LocalAddr().String(), alice2.LocalAddr().String(), bob.LocalAddr().String()

	// alice asks, bob approves and asks back, alice approves.
	alice.sendPresence(t, "bob@localhost", stanza.SubscribePresence)
	bob.expectPresence(t, "alice@localhost", stanza.SubscribePresence)
	bob.sendPresence(t, "alice@localhost", stanza.SubscribedPresence)
	bob.sendPresence(t, "alice@localhost", stanza.SubscribePresence)
	alice.expectPresence(t, "bob@localhost", stanza.SubscribePresence)
	alice.sendPresence(t, "bob@localhost", stanza.SubscribedPresence)

	// Each sees the other online: bob both of alice's resources.
	alice.expectPresence(t, bobJID, "")
	bob.expectPresence(t, aliceJID, "")
	bob.expectPresence(t, alice2JID, "")
	if r := rosterOf(t, alice); r["bob@localhost"] != "both" {
		t.Fatalf("alice's roster: %v", r)
	}

	// bob goes offline: both of alice's resources hear it; carol, not a
	// contact, hears nothing of bob.
	bob.Close()
	bob.Conn().Close()
	alice.expectPresence(t, bobJID, stanza.UnavailablePresence)
	alice2.expectPresence(t, bobJID, stanza.UnavailablePresence)
	select {
	case p := <-carol.presences:
		if p.From.Bare().String() == "bob@localhost" {
			t.Errorf("carol, not a contact, got %v from bob", p.Type)
		}
	default:
	}

	// The roster survives a restart.
	if err := srv.stop(); err != nil {
		t.Fatal(err)
	}
	srv2 := startServer(t, dir, nil, "--config", cfg)
	srv2.waitLog("server started")
	bob2 := melliumLogin(t, srv2.starttls, false, "bob", "pw", sasl.ScramSha256)
	if r := rosterOf(t, bob2); r["alice@localhost"] != "both" {
		t.Fatalf("bob's roster after a restart: %v", r)
	}
}
