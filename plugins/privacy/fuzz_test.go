package privacy

import (
	"testing"

	"github.com/switchboard-xmpp/switchboard/sdk/sdktest"
)

// FuzzPrivacy edits juliet's lists and blocklist in the world of
// newHarness: her roster with a contact of each subscription and groups,
// two sessions of hers online (so that pushes go out) and romeo's.
func FuzzPrivacy(f *testing.F) {
	setup := func(h *sdktest.Harness) { populate(h) }
	const (
		q = "<iq type='set' id='q'><query xmlns='jabber:iq:privacy'>"
		e = "</query></iq>"
	)
	sdktest.FuzzStanzas(f, New(), sdktest.Options{Domain: "localhost", Config: map[string]any{"max_lists": 4, "max_items": 8}, Setup: setup}, juliet+"/balcony",
		"<iq type='get' id='g'><query xmlns='jabber:iq:privacy'/></iq>",
		"<iq type='get' id='g'><query xmlns='jabber:iq:privacy'><list name='public'/></query></iq>",
		q+"<list name='public'><item type='jid' value='tybalt@localhost' action='deny' order='1'/><item type='jid' value='example.org/res' action='deny' order='2'><message/><iq/></item><item action='allow' order='3'/></list>"+e,
		q+"<list name='private'><item type='subscription' value='both' action='allow' order='10'><presence-in/></item><item type='subscription' value='none' action='deny' order='11'><presence-out/></item><item action='deny' order='15'/></list>"+e,
		q+"<list name='special'><item type='group' value='Friends' action='allow' order='6'><presence-out/><message/></item><item action='deny' order='666'/></list>"+e,
		q+"<active name='public'/>"+e,
		q+"<default name='private'/>"+e,
		q+"<default/>"+e,
		q+"<list name='special'/>"+e,
		"<iq type='get' id='b'><blocklist xmlns='urn:xmpp:blocking'/></iq>",
		"<iq type='set' id='b'><block xmlns='urn:xmpp:blocking'><item jid='romeo@localhost'/><item jid='example.org'/><item jid='Tybalt@localhost/Res'/></block></iq>",
		"<iq type='set' id='b'><unblock xmlns='urn:xmpp:blocking'><item jid='romeo@localhost'/></unblock></iq>",
		"<iq type='set' id='b' to='juliet@localhost'><unblock xmlns='urn:xmpp:blocking'/></iq>")
}
