package sharedroster_test

import (
	"flag"
	"slices"
	"strings"
	"testing"

	"github.com/switchboard-xmpp/switchboard/plugins/sharedroster"
)

var update = flag.Bool("update", false, "rewrite testdata/*.xml with the actual outcomes")

// jabber:iq:roster-dynamic: members keep extra data about each other,
// shared by everyone who has the contact in a shared group.
func TestExtraTranscript(t *testing.T) {
	h, _ := newHarness(t, map[string]any{"groups": groups["groups"], "max_extra_bytes": 200})
	h.Golden("testdata/extra.xml", *update)
}

func TestDiscoFeature(t *testing.T) {
	d := sharedroster.New().Describe()
	if !slices.Contains(d.Features, sharedroster.NS) {
		t.Errorf("disco features lack %s", sharedroster.NS)
	}
	if !slices.Contains(d.Requires, "roster.managed") {
		t.Error("the plugin does not require roster.managed: the core would start it without the roster method that makes the feature work")
	}
}

// Extra data that was written is kept under the contact, so that deleting
// the contact's account deletes it.
func TestExtraStoredUnderTheContact(t *testing.T) {
	h, _ := newHarness(t, groups)
	r := h.Handle(`<iq type='set' id='x1'><query xmlns='jabber:iq:roster-dynamic'><item jid='Bob@localhost'><phone>+1 555</phone></item></query></iq>`, "alice@localhost/desk")
	if r.Err != nil {
		t.Fatal(r.Err)
	}
	b, err := h.Store("bob@localhost").Get(t.Context(), "extra")
	if err != nil || !strings.Contains(string(b), "+1 555") || !strings.Contains(string(b), `jid="bob@localhost"`) {
		t.Errorf("stored %q (%v), want bob's item with the prepared JID", b, err)
	}
}
