package disco_test

import (
	"testing"

	"github.com/switchboard-xmpp/switchboard/sdk"
	"github.com/switchboard-xmpp/switchboard/sdk/sdktest"
)

// listing is what adhoc publishes: one command for juliet, one for nobody,
// one for everyone.
const listing = `{"commands":[
	{"node":"http://jabber.org/protocol/admin#add-user","name":"Add User","jids":["juliet@localhost"]},
	{"node":"http://jabber.org/protocol/admin#announce","name":"Send Announcement to Online Users","jids":[]},
	{"node":"ping","name":"Ping","jids":[],"everyone":true}
]}`

func publishCommands(t *testing.T, h *sdktest.Harness, payload string) {
	t.Helper()
	if err := h.Event(sdktest.Event{Kind: sdk.Published, Topic: "adhoc.commands", Payload: []byte(payload)}); err != nil {
		t.Fatal(err)
	}
}

// XEP-0050 §2.2–2.3: disco lists adhoc's commands, to those who may run
// them, and describes their nodes.
func TestCommandsTranscript(t *testing.T) {
	h := newHarness(t, nil)
	h.AddManifest(sdk.Manifest{Name: "adhoc", Features: []string{"http://jabber.org/protocol/commands"}})
	manifestsChanged(t, h)
	publishCommands(t, h, listing)
	h.Golden("testdata/commands.xml", *update)
}

// Without adhoc, the commands node does not exist; a list published by an
// adhoc that is gone since is forgotten when the manifests change.
func TestCommandsNodeWithoutAdhoc(t *testing.T) {
	h := newHarness(t, nil)
	items := "<iq type='get' id='c1' to='localhost'><query xmlns='http://jabber.org/protocol/disco#items' node='http://jabber.org/protocol/commands'/></iq>"
	if r := h.Handle(items, "juliet@localhost/balcony"); r.Err == nil || r.Err.Condition != "item-not-found" {
		t.Fatalf("before any listing: %+v, want item-not-found", r)
	}
	publishCommands(t, h, listing)
	if r := h.Handle(items, "juliet@localhost/balcony"); r.Err != nil {
		t.Fatalf("after the listing: %v", r.Err)
	}
	manifestsChanged(t, h) // the manifests have no adhoc
	if r := h.Handle(items, "juliet@localhost/balcony"); r.Err == nil || r.Err.Condition != "item-not-found" {
		t.Fatalf("after adhoc left: %+v, want item-not-found", r)
	}
}

func TestCommandsListingMalformed(t *testing.T) {
	h := newHarness(t, nil)
	if err := h.Event(sdktest.Event{Kind: sdk.Published, Topic: "adhoc.commands", Payload: []byte("{")}); err == nil {
		t.Fatal("a malformed listing was accepted")
	}
}
