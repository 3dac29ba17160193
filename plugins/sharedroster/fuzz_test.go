package sharedroster_test

import (
	"context"
	"testing"

	"github.com/switchboard-xmpp/switchboard/plugins/sharedroster"
	"github.com/switchboard-xmpp/switchboard/sdk"
	"github.com/switchboard-xmpp/switchboard/sdk/sdktest"
)

// FuzzSharedRoster sends alice's requests about her group fellows, with
// the groups and accounts of newHarness, max_extra_bytes kept small.
func FuzzSharedRoster(f *testing.F) {
	setup := func(h *sdktest.Harness) {
		r := &fakeRoster{items: map[string][]sharedroster.ManagedItem{}, changed: make(chan struct{}, 1)}
		h.Provide("roster", "managed", r.managed)
		for _, u := range []string{"alice", "bob", "carol", "dave", "frank"} {
			if err := h.Accounts().Create(context.Background(), u, "pw"); err != nil {
				f.Fatal(err)
			}
		}
		if err := h.Event(sdktest.Event{Kind: sdk.ManifestsChanged}); err != nil {
			f.Fatal(err)
		}
	}
	config := map[string]any{"groups": groups["groups"], "max_extra_bytes": 256}
	const (
		get = "<iq type='get' id='x'><query xmlns='jabber:iq:roster-dynamic'>"
		set = "<iq type='set' id='x'><query xmlns='jabber:iq:roster-dynamic'>"
		end = "</query></iq>"
	)
	sdktest.FuzzStanzas(f, sharedroster.New(), sdktest.Options{Domain: "localhost", Config: config, Setup: setup}, "alice@localhost/desk",
		set+"<item jid='bob@localhost'><phone>+22 3344 556677</phone><note>knows the crown is gold</note></item>"+end,
		set+"<item jid='carol@localhost'><note>x</note><email>carol@example.org</email></item><item jid='Bob@localhost'><note>y</note></item>"+end,
		set+"<item jid='bob@localhost'/>"+end,
		get+"<item jid='carol@localhost'/><item jid='bob@localhost'/>"+end,
		get+end,
		"<iq type='get' id='x' to='bob@localhost'><query xmlns='jabber:iq:roster-dynamic'><item jid='alice@localhost'/></query></iq>")
}
