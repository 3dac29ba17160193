package e2e

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

const bookmarks2 = "urn:xmpp:bookmarks:1"

// TestSlixmppBookmarksBothWays: one account, two slixmpp clients, one
// keeping bookmarks as XEP-0402 items (PEP), the other as XEP-0048's
// <storage/> in private XML storage or the legacy PEP node. A room
// bookmarked on either shows up on the other; the XEP-0402 client is told
// of every change the other makes, retractions included (XEP-0402 §5.3).
func TestSlixmppBookmarksBothWays(t *testing.T) {
	srv := slixmppServer(t, "alice")
	modern := slixmppLogin(t, srv, "alice")
	legacy := slixmppLogin(t, srv, "alice")

	info := modern.do(t, map[string]any{"cmd": "disco_info", "jid": "alice@localhost"})
	for _, f := range []string{bookmarks2 + "#compat", bookmarks2 + "#compat-pep"} {
		if !slices.Contains(info.Features, f) {
			t.Errorf("the account's disco#info lacks %s: %q", f, info.Features)
		}
	}
	modern.do(t, map[string]any{"cmd": "interest", "nodes": []string{bookmarks2}})

	// XEP-0402 publish, read back as XEP-0048 from private storage and
	// from the legacy PEP node.
	play := "play@conference.localhost"
	modern.do(t, map[string]any{"cmd": "bm2_publish", "room": play, "name": "The Play", "nick": "Romeo", "autojoin": true})
	want := []slixBookmark{{JID: play, Name: "The Play", Nick: "Romeo", Autojoin: true}}
	for _, method := range []string{"xep_0049", "xep_0223"} {
		if got := legacy.do(t, map[string]any{"cmd": "bm_get", "method": method}).Bookmarks; !slices.Equal(got, want) {
			t.Errorf("XEP-0048 through %s reads %+v, want %+v", method, got, want)
		}
	}

	// XEP-0048 set through private storage adds a room: the XEP-0402
	// client is told. The server learns the client's interest from its
	// caps asynchronously, so the set is repeated, each time with a new
	// name, until the notification comes.
	orchard := "orchard@conference.localhost"
	deadline := time.Now().Add(20 * time.Second)
	for n := 0; ; n++ {
		name := fmt.Sprintf("Orchard %d", n)
		legacy.do(t, map[string]any{"cmd": "bm_set", "method": "xep_0049", "bookmarks": []map[string]any{
			{"jid": play, "name": "The Play", "nick": "Romeo", "autojoin": true},
			{"jid": orchard, "name": name, "nick": "Romeo"},
		}})
		if ev, ok := modern.waitFor(t, 2*time.Second, func(ev slixEvent) bool {
			return ev.Event == "pep_publish" && ev.Node == bookmarks2 && ev.ID == orchard && ev.Name == name
		}); ok {
			t.Logf("notified of %s after %d sets", ev.ID, n+1)
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the XEP-0402 client was never told of the room set through private storage")
		}
	}
	items := modern.do(t, map[string]any{"cmd": "bm2_items"}).Items
	if len(items) != 2 || items[play] != "The Play" || items[orchard] == "" {
		t.Errorf("XEP-0402 items after the XEP-0048 set: %v", items)
	}

	// Leaving a room out of the list retracts its item, and the other
	// resource is told.
	legacy.do(t, map[string]any{"cmd": "bm_set", "method": "xep_0049", "bookmarks": []map[string]any{
		{"jid": orchard, "name": "Orchard", "nick": "Romeo"},
	}})
	modern.wait(t, "the retraction of the play", func(ev slixEvent) bool {
		return ev.Event == "pep_retract" && ev.Node == bookmarks2 && ev.ID == play
	})

	// The legacy PEP node's publish works the same way.
	legacy.do(t, map[string]any{"cmd": "bm_set", "method": "xep_0223", "bookmarks": []map[string]any{
		{"jid": orchard, "name": "Orchard", "nick": "Romeo"},
		{"jid": "garden@conference.localhost", "name": "Garden", "nick": "Romeo"},
	}})
	modern.wait(t, "the garden's publish", func(ev slixEvent) bool {
		return ev.Event == "pep_publish" && ev.Node == bookmarks2 && ev.ID == "garden@conference.localhost" && ev.Name == "Garden"
	})

	// XEP-0402 retracts, XEP-0048 reads what is left.
	modern.do(t, map[string]any{"cmd": "bm2_retract", "room": orchard})
	modern.wait(t, "the retraction of the orchard", func(ev slixEvent) bool {
		return ev.Event == "pep_retract" && ev.Node == bookmarks2 && ev.ID == orchard
	})
	want = []slixBookmark{{JID: "garden@conference.localhost", Name: "Garden", Nick: "Romeo"}}
	if got := legacy.do(t, map[string]any{"cmd": "bm_get", "method": "xep_0049"}).Bookmarks; !slices.Equal(got, want) {
		t.Errorf("XEP-0048 after the XEP-0402 retraction reads %+v, want %+v", got, want)
	}
}

// waitFor is wait with a deadline of its own that is not a failure: it
// reports whether an event matched within d.
func (c *slixClient) waitFor(t *testing.T, d time.Duration, match func(slixEvent) bool) (slixEvent, bool) {
	t.Helper()
	for i, ev := range c.queued {
		if match(ev) {
			c.queued = append(c.queued[:i], c.queued[i+1:]...)
			return ev, true
		}
	}
	timeout := time.After(d)
	for {
		select {
		case ev, ok := <-c.events:
			if !ok {
				t.Fatalf("slixmpp %s exited; stderr:\n%s", c.name, c.errors())
			}
			if match(ev) {
				return ev, true
			}
			c.queued = append(c.queued, ev)
		case <-timeout:
			return slixEvent{}, false
		}
	}
}
