package offline

import (
	"context"
	"fmt"
	"testing"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/sdk"
	"github.com/switchboard-xmpp/switchboard/sdk/sdktest"
)

// deliveredAtOnce is the plugin whose recipient comes online right after
// each message is stored, so that every message stored is also read back
// and delivered. A stored message that cannot be delivered would block
// its queue for good: the fuzz treats that as a crash.
type deliveredAtOnce struct{ *Offline }

func (w deliveredAtOnce) Describe() sdk.Description {
	d := w.Offline.Describe()
	handle := d.Routes[0].Handle
	d.Routes[0].Handle = func(ctx context.Context, req *sdk.Request) (*etree.Element, error) {
		reply, err := handle(ctx, req)
		if err != nil {
			return reply, err
		}
		ev := sdk.Event{Kind: sdk.SessionAvailable, JID: bareOf(req.To) + "/fuzz", SessionID: "fuzz", Stanza: etree.NewElement("presence")}
		if err := w.deliver(ctx, ev); err != nil {
			panic(fmt.Sprintf("a stored message was not delivered: %v", err))
		}
		return reply, nil
	}
	return d
}

func FuzzOffline(f *testing.F) {
	sdktest.FuzzStanzas(f, deliveredAtOnce{New()}, sdktest.Options{Domain: "localhost", Config: map[string]any{"max_messages": 3}}, romeo,
		"<message type='chat' to='juliet@localhost' id='m1'><body>Juliet?</body></message>",
		"<message to='juliet@localhost' id='m2'><subject>Tonight</subject><body>Meet me.</body><thread>t1</thread></message>",
		"<message type='chat' to='juliet@localhost' id='m3'><body>There?</body><delay xmlns='urn:xmpp:delay' from='localhost' stamp='2026-11-25T09:59:00Z'/></message>",
		"<message type='chat' to='juliet@localhost' id='m4'><composing xmlns='http://jabber.org/protocol/chatstates'/></message>",
		"<message type='chat' to='juliet@localhost' id='m5'><active xmlns='http://jabber.org/protocol/chatstates'/><store xmlns='urn:xmpp:hints'/></message>",
		"<message type='chat' to='juliet@localhost' id='m6'><body>x</body><no-store xmlns='urn:xmpp:hints'/></message>",
		"<message type='chat' to='juliet@localhost' id='m7'><received xmlns='urn:xmpp:receipts' id='m1'/></message>")
}
