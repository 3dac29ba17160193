package mam

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/switchboard-xmpp/switchboard/sdk"

	"github.com/switchboard-xmpp/switchboard/sdk/sdktest"
)

// FuzzMAM queries an archive of four messages between Romeo and Juliet
// (ids j-0 … j-3 in Juliet's), with Romeo in her roster.
func FuzzMAM(f *testing.F) {
	setup := func(h *sdktest.Harness) {
		h.Provide("roster", "items", func(_ context.Context, _ string, owner []byte) ([]byte, error) {
			items := []map[string]any{}
			if string(owner) == juliet {
				items = append(items, map[string]any{"jid": romeo, "subscription": "both"})
			}
			return json.Marshal(map[string]any{"ver": "1", "items": items})
		})
		var all []msg
		for i := range 4 {
			all = append(all, chat(romeoFull, julietFull, "line", t0.Add(time.Duration(i)*time.Minute), i)...)
		}
		var b sdk.ObservedBatch
		for _, m := range all {
			b.Messages = append(b.Messages, sdk.ObservedMessage{Owner: m.owner, StanzaID: m.id, With: m.with, Outgoing: m.outgoing, Time: m.at, Stanza: []byte(m.stanza)})
		}
		if err := h.Observe(b); err != nil {
			f.Fatal(err)
		}
	}
	form := func(fields string) string {
		return "<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE' type='hidden'><value>urn:xmpp:mam:2</value></field>" + fields + "</x>"
	}
	rsm := func(s string) string { return "<set xmlns='http://jabber.org/protocol/rsm'>" + s + "</set>" }
	query := func(body string) string {
		return "<iq type='set' id='q'><query xmlns='urn:xmpp:mam:2' queryid='f27'>" + body + "</query></iq>"
	}
	config := map[string]any{"page_size": 2, "max_page_size": 3}
	sdktest.FuzzStanzas(f, New(), sdktest.Options{Domain: "localhost", Config: config, Setup: setup}, julietFull,
		"<iq type='get' id='f'><query xmlns='urn:xmpp:mam:2'/></iq>",
		query(""),
		query(form(field("with", romeo))+rsm("<max>2</max><before/>")),
		query(form(field("start", "2026-11-25T10:01:00Z")+field("end", "2026-11-25T10:03:00.000Z"))+rsm("<max>1</max><after>j-1</after>")),
		query(form(field("after-id", "j-0")+field("before-id", "j-3")+field("include-groupchat", "true"))+"<flip-page/>"),
		query(form("<field var='ids'><value>j-1</value><value>j-2</value></field>")+rsm("<max>3</max>")),
		"<iq type='set' id='q' to='romeo@localhost'><query xmlns='urn:xmpp:mam:2'/></iq>",
		"<iq type='get' id='p'><prefs xmlns='urn:xmpp:mam:2'/></iq>",
		"<iq type='set' id='p'><prefs xmlns='urn:xmpp:mam:2' default='roster'><always><jid>romeo@localhost</jid></always><never><jid>nurse@localhost</jid></never></prefs></iq>",
		"<iq type='get' id='m'><metadata xmlns='urn:xmpp:mam:2'/></iq>")
}
