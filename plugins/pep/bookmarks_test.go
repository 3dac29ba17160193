package pep_test

import (
	"encoding/json"
	"strings"
	"testing"
)

const legacyNotify = "storage:bookmarks+notify"

// legacyEvent is the notification a legacy client gets: the whole list
// as one item (XEP-0048 §3.1), every room in publish order.
func legacyEvent(to, storage string) string {
	return `<message from='alice@localhost' to='` + to + `' type='headline' id='*'><event xmlns='http://jabber.org/protocol/pubsub#event'><items node='storage:bookmarks'><item id='current'>` + storage + `</item></items></event></message>`
}

// XEP-0402 §5.3 through the legacy PEP node (#compat-pep): a room that a
// new client bookmarks shows up for an old client, in its form, read or
// pushed; the old client's whole-list publish becomes publishes and
// retracts that the new client hears of, its extensions kept.
func TestBookmarksLegacyPEP(t *testing.T) {
	w := newWorld(t, nil)
	w.online(alice+"/new", 0, "urn:xmpp:bookmarks:1+notify")
	w.online(alice+"/old", 0, legacyNotify)

	m := w.mark()
	w.do(alice+"/new", `<iq type='set' id='p1'><pubsub xmlns='http://jabber.org/protocol/pubsub'><publish node='urn:xmpp:bookmarks:1'><item id='play@conference.localhost'><conference xmlns='urn:xmpp:bookmarks:1' name='The Play' autojoin='1'><nick>JC</nick><extensions><state xmlns='urn:example'/></extensions></conference></item></publish>`+bookmarkOptions+`</pubsub></iq>`)
	play := `<conference jid='play@conference.localhost' name='The Play' autojoin='true'><nick>JC</nick></conference>`
	w.expectMessages(m,
		`<message from='alice@localhost' to='alice@localhost/new' type='headline' id='*'><event xmlns='http://jabber.org/protocol/pubsub#event'><items node='urn:xmpp:bookmarks:1'><item id='play@conference.localhost'><conference xmlns='urn:xmpp:bookmarks:1' name='The Play' autojoin='1'><nick>JC</nick><extensions><state xmlns='urn:example'/></extensions></conference></item></items></event></message>`,
		legacyEvent(alice+"/old", `<storage xmlns='storage:bookmarks'>`+play+`</storage>`))

	res := w.do(alice+"/old", `<iq type='get' id='g1'><pubsub xmlns='http://jabber.org/protocol/pubsub'><items node='storage:bookmarks'/></pubsub></iq>`)
	if got, want := canonical(res), canonical(mustParse(t, `<iq type='result' id='g1' to='alice@localhost/old'><pubsub xmlns='http://jabber.org/protocol/pubsub'><items node='storage:bookmarks'><item id='current'><storage xmlns='storage:bookmarks'>`+play+`</storage></item></items></pubsub></iq>`)); got != want {
		t.Errorf("legacy read\n %s\nwant\n %s", got, want)
	}

	// The old client renames the play, adds the orchard: one publish each;
	// the play keeps its extensions.
	m = w.mark()
	w.do(alice+"/old", `<iq type='set' id='p2'><pubsub xmlns='http://jabber.org/protocol/pubsub'><publish node='storage:bookmarks'><item id='current'><storage xmlns='storage:bookmarks'><conference jid='play@conference.localhost' name='Play' autojoin='true'><nick>JC</nick></conference><conference jid='orchard@conference.localhost' name='Orchard'/></storage></item></publish></pubsub></iq>`)
	got := strings.Join(w.messagesSince(m), "\n")
	for _, want := range []string{
		`<item id="play@conference.localhost"><conference xmlns="urn:xmpp:bookmarks:1" autojoin="true" name="Play"><nick>JC</nick><extensions><state xmlns="urn:example"/></extensions></conference></item>`,
		`<item id="orchard@conference.localhost"><conference xmlns="urn:xmpp:bookmarks:1" name="Orchard"/></item>`,
	} {
		if want = canonical(mustParse(t, want)); !strings.Contains(got, want) {
			t.Errorf("after the legacy publish, no notification with %s in\n%s", want, got)
		}
	}

	// Removing the play from the list retracts its item.
	m = w.mark()
	w.do(alice+"/old", `<iq type='set' id='p3'><pubsub xmlns='http://jabber.org/protocol/pubsub'><publish node='storage:bookmarks'><item id='current'><storage xmlns='storage:bookmarks'><conference jid='orchard@conference.localhost' name='Orchard'/></storage></item></publish></pubsub></iq>`)
	w.expectMessages(m,
		`<message from='alice@localhost' to='alice@localhost/new' type='headline' id='*'><event xmlns='http://jabber.org/protocol/pubsub#event'><items node='urn:xmpp:bookmarks:1'><retract id='play@conference.localhost'/></items></event></message>`,
		legacyEvent(alice+"/old", `<storage xmlns='storage:bookmarks'><conference jid='orchard@conference.localhost' name='Orchard'/></storage>`))
	res = w.do(alice+"/new", `<iq type='get' id='g2'><pubsub xmlns='http://jabber.org/protocol/pubsub'><items node='urn:xmpp:bookmarks:1'/></pubsub></iq>`)
	if got := canonical(res); strings.Contains(got, "play@") || !strings.Contains(got, "orchard@") {
		t.Errorf("bookmarks after the legacy removal: %s", got)
	}

	// A retract by the new client reaches the old one as the list without it.
	m = w.mark()
	w.do(alice+"/new", `<iq type='set' id='r1'><pubsub xmlns='http://jabber.org/protocol/pubsub'><retract node='urn:xmpp:bookmarks:1' notify='true'><item id='orchard@conference.localhost'/></retract></pubsub></iq>`)
	if got := w.messagesSince(m); len(got) != 2 || got[1] != canonical(mustParse(t, legacyEvent(alice+"/old", `<storage xmlns='storage:bookmarks'/>`))) {
		t.Errorf("after a retract: %q", got)
	}

	if got := w.fails(alice+"/old", `<iq type='set' id='p4'><pubsub xmlns='http://jabber.org/protocol/pubsub'><publish node='storage:bookmarks'><item id='current'><storage xmlns='storage:bookmarks'><conference name='no jid'/></storage></item></publish></pubsub></iq>`); !strings.Contains(got, "bad-request") {
		t.Errorf("a conference without jid: %s", got)
	}
}

// The methods private XML storage calls (#compat): the legacy view of
// the items, and a set that creates the node as XEP-0402 wants it, so
// that a new client's publish with XEP-0402's options then succeeds.
func TestBookmarksLegacyMethods(t *testing.T) {
	w := newWorld(t, nil)
	w.online(alice+"/new", 0, "urn:xmpp:bookmarks:1+notify")
	set, _ := json.Marshal(map[string]any{"owner": alice, "storage": `<storage xmlns="storage:bookmarks"><conference jid="play@conference.localhost" autojoin="true" name="Play"><nick>JC</nick><password>pw</password></conference><url url="https://example.org/" name="dropped"/></storage>`})
	m := w.mark()
	if _, err := w.h.Invoke("set_legacy_bookmarks", "private", set); err != nil {
		t.Fatal(err)
	}
	w.expectMessages(m, `<message from='alice@localhost' to='alice@localhost/new' type='headline' id='*'><event xmlns='http://jabber.org/protocol/pubsub#event'><items node='urn:xmpp:bookmarks:1'><item id='play@conference.localhost'><conference xmlns='urn:xmpp:bookmarks:1' name='Play' autojoin='true'><nick>JC</nick><password>pw</password></conference></item></items></event></message>`)
	w.do(alice+"/new", bookmark("orchard@conference.localhost", "Orchard"))

	out, err := w.h.Invoke("legacy_bookmarks", "private", []byte(`{"owner":"`+alice+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	var res struct{ Storage string }
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatal(err)
	}
	want := `<storage xmlns="storage:bookmarks"><conference autojoin="true" jid="play@conference.localhost" name="Play"><nick>JC</nick><password>pw</password></conference><conference autojoin="true" jid="orchard@conference.localhost" name="Orchard"><nick>JC</nick></conference></storage>`
	if got := canonical(mustParse(t, res.Storage)); got != want {
		t.Errorf("legacy view\n %s\nwant\n %s", got, want)
	}
	if _, err := w.h.Invoke("legacy_bookmarks", "private", []byte(`{}`)); err == nil || !strings.Contains(err.Error(), "bad-request") {
		t.Errorf("no owner: %v", err)
	}
}
