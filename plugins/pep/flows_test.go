package pep_test

import (
	"strings"
	"testing"
)

// The client flows PEP exists for, with the stanzas as the XEPs' examples
// and the clients that implement them send them.

const avatarID = "111f4b3c50d7b0df729d299bc6f8e9ef9066971f"

// XEP-0084: the owner publishes the image, then its metadata; contacts
// are interested in the metadata only, and fetch the image by id.
func TestFlowAvatar(t *testing.T) {
	w := newWorld(t, nil)
	w.befriend(alice, bob)
	w.online(alice+"/chamber", 0, "urn:xmpp:avatar:metadata+notify")
	w.online(bob+"/home", 0, "urn:xmpp:avatar:metadata+notify")

	data := strings.Repeat("qANQR1DBwU4DX7jmYZnncm", 100)
	m := w.mark()
	w.do(alice+"/chamber", `<iq type='set' id='publish1'>
  <pubsub xmlns='http://jabber.org/protocol/pubsub'>
    <publish node='urn:xmpp:avatar:data'>
      <item id='`+avatarID+`'>
        <data xmlns='urn:xmpp:avatar:data'>`+data+`</data>
      </item>
    </publish>
  </pubsub>
</iq>`)
	w.expectMessages(m) // nobody asks for urn:xmpp:avatar:data+notify

	metadata := `<metadata xmlns='urn:xmpp:avatar:metadata'><info bytes='12345' id='` + avatarID + `' height='64' type='image/png' width='64'/></metadata>`
	w.do(alice+"/chamber", `<iq type='set' id='publish2'>
  <pubsub xmlns='http://jabber.org/protocol/pubsub'>
    <publish node='urn:xmpp:avatar:metadata'>
      <item id='`+avatarID+`'>`+metadata+`</item>
    </publish>
  </pubsub>
</iq>`)
	event := func(to string) string {
		return `<message from='alice@localhost' to='` + to + `' type='headline' id='*'><event xmlns='http://jabber.org/protocol/pubsub#event'><items node='urn:xmpp:avatar:metadata'><item id='` + avatarID + `'>` + metadata + `</item></items></event></message>`
	}
	w.expectMessages(m, event(alice+"/chamber"), event(bob+"/home"))

	res := w.do(bob+"/home", `<iq type='get' to='alice@localhost' id='retrieve1'>
  <pubsub xmlns='http://jabber.org/protocol/pubsub'>
    <items node='urn:xmpp:avatar:data'>
      <item id='`+avatarID+`'/>
    </items>
  </pubsub>
</iq>`)
	want := `<iq type='result' id='retrieve1' from='alice@localhost' to='bob@localhost/home'><pubsub xmlns='http://jabber.org/protocol/pubsub'><items node='urn:xmpp:avatar:data'><item id='` + avatarID + `'><data xmlns='urn:xmpp:avatar:data'>` + data + `</data></item></items></pubsub></iq>`
	if got := canonical(res); got != canonical(mustParse(t, want)) {
		t.Errorf("avatar data:\n %s\nwant\n %s", got, want)
	}

	// Not in alice's roster: presence access keeps the image from carol.
	if got := w.fails(carol+"/web", `<iq type='get' to='alice@localhost' id='retrieve2'><pubsub xmlns='http://jabber.org/protocol/pubsub'><items node='urn:xmpp:avatar:data'><item id='`+avatarID+`'/></items></pubsub></iq>`); !strings.Contains(got, "presence-subscription-required") {
		t.Errorf("a stranger fetching the avatar: %s", got)
	}

	// Disabling the avatar (§4.4) is publishing empty metadata; the node
	// keeps one item, so the image's metadata is replaced.
	m = w.mark()
	w.do(alice+"/chamber", `<iq type='set' id='publish3'><pubsub xmlns='http://jabber.org/protocol/pubsub'><publish node='urn:xmpp:avatar:metadata'><item id='current'><metadata xmlns='urn:xmpp:avatar:metadata'/></item></publish></pubsub></iq>`)
	if got := w.messagesSince(m); len(got) != 2 || !strings.Contains(got[1], `<item id="current"><metadata xmlns="urn:xmpp:avatar:metadata"/></item>`) {
		t.Errorf("disabling the avatar sent %q", got)
	}
	res = w.do(bob+"/home", `<iq type='get' to='alice@localhost' id='r3'><pubsub xmlns='http://jabber.org/protocol/pubsub'><items node='urn:xmpp:avatar:metadata'/></pubsub></iq>`)
	if got := canonical(res); strings.Contains(got, avatarID) || !strings.Contains(got, `<item id="current">`) {
		t.Errorf("metadata after disabling: %s", got)
	}
}

const bookmarkOptions = `<publish-options>
  <x xmlns='jabber:x:data' type='submit'>
    <field var='FORM_TYPE' type='hidden'><value>http://jabber.org/protocol/pubsub#publish-options</value></field>
    <field var='pubsub#persist_items'><value>true</value></field>
    <field var='pubsub#max_items'><value>max</value></field>
    <field var='pubsub#send_last_published_item'><value>never</value></field>
    <field var='pubsub#access_model'><value>whitelist</value></field>
  </x>
</publish-options>`

func bookmark(jid, name string) string {
	return `<iq type='set' id='pip-` + name + `'>
  <pubsub xmlns='http://jabber.org/protocol/pubsub'>
    <publish node='urn:xmpp:bookmarks:1'>
      <item id='` + jid + `'>
        <conference xmlns='urn:xmpp:bookmarks:1' name='` + name + `' autojoin='true'><nick>JC</nick></conference>
      </item>
    </publish>
    ` + bookmarkOptions + `
  </pubsub>
</iq>`
}

// XEP-0402: bookmarks are items of a whitelisted node that keeps them
// all; the account's other devices hear of each addition and removal,
// nobody else sees them, and none is pushed at login.
func TestFlowBookmarks2(t *testing.T) {
	w := newWorld(t, nil)
	w.befriend(alice, bob)
	w.online(alice+"/balcony", 0, "urn:xmpp:bookmarks:1+notify")
	w.online(alice+"/garden", 0, "urn:xmpp:bookmarks:1+notify")
	w.online(bob+"/home", 0, "urn:xmpp:bookmarks:1+notify")

	m := w.mark()
	res := w.do(alice+"/balcony", bookmark("theplay@conference.localhost", "The Play"))
	if got, want := canonical(res), canonical(mustParse(t, `<iq type='result' id='pip-The Play' to='alice@localhost/balcony'><pubsub xmlns='http://jabber.org/protocol/pubsub'><publish node='urn:xmpp:bookmarks:1'><item id='theplay@conference.localhost'/></publish></pubsub></iq>`)); got != want {
		t.Errorf("publish result\n %s\nwant\n %s", got, want)
	}
	w.do(alice+"/balcony", bookmark("orchard@conference.localhost", "The Orchard"))
	if got := w.messagesSince(m); len(got) != 4 || strings.Contains(strings.Join(got, ""), bob) {
		t.Errorf("notifications: %q, want two to each of alice's sessions and none to bob", got)
	}

	res = w.do(alice+"/garden", `<iq type='get' id='b1'><pubsub xmlns='http://jabber.org/protocol/pubsub'><items node='urn:xmpp:bookmarks:1'/></pubsub></iq>`)
	if got := canonical(res); !strings.Contains(got, `<item id="theplay@conference.localhost">`) || !strings.Contains(got, `<item id="orchard@conference.localhost">`) ||
		strings.Index(got, "theplay") > strings.Index(got, "orchard") {
		t.Errorf("bookmarks, oldest first: %s", got)
	}
	if got := w.fails(bob+"/home", `<iq type='get' id='b2' to='alice@localhost'><pubsub xmlns='http://jabber.org/protocol/pubsub'><items node='urn:xmpp:bookmarks:1'/></pubsub></iq>`); !strings.Contains(got, "closed-node") {
		t.Errorf("bob reading alice's bookmarks: %s", got)
	}

	m = w.mark()
	w.do(alice+"/garden", `<iq type='set' id='remove-bookmark1'><pubsub xmlns='http://jabber.org/protocol/pubsub'><retract node='urn:xmpp:bookmarks:1' notify='true'><item id='theplay@conference.localhost'/></retract></pubsub></iq>`)
	retract := func(to string) string {
		return `<message from='alice@localhost' to='` + to + `' type='headline' id='*'><event xmlns='http://jabber.org/protocol/pubsub#event'><items node='urn:xmpp:bookmarks:1'><retract id='theplay@conference.localhost'/></items></event></message>`
	}
	w.expectMessages(m, retract(alice+"/balcony"), retract(alice+"/garden"))

	m = w.mark()
	w.online(alice+"/new", 0, "urn:xmpp:bookmarks:1+notify") // send_last_published_item never
	w.expectMessages(m)

	// An older client with other options meets the precondition.
	old := strings.Replace(bookmark("x@conference.localhost", "X"), "<value>max</value>", "<value>255</value>", 1)
	if got := w.fails(alice+"/balcony", old); !strings.Contains(got, "precondition-not-met") || !strings.Contains(got, "<conflict") {
		t.Errorf("a publish with other options: %s", got)
	}
}

// OMEMO (XEP-0384, as Conversations and Gajim do it): the device list and
// bundles are open to anyone, so that members of a room who share no
// presence can encrypt to each other.
func TestFlowOMEMO(t *testing.T) {
	const devicelist = "eu.siacs.conversations.axolotl.devicelist"
	w := newWorld(t, nil)
	w.befriend(alice, bob)
	w.online(bob+"/home", 0, devicelist+"+notify")
	open := `<publish-options><x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE' type='hidden'><value>http://jabber.org/protocol/pubsub#publish-options</value></field><field var='pubsub#access_model'><value>open</value></field></x></publish-options>`
	list := `<list xmlns='eu.siacs.conversations.axolotl'><device id='1234567'/></list>`
	publishList := `<iq type='set' id='dl'><pubsub xmlns='http://jabber.org/protocol/pubsub'><publish node='` + devicelist + `'><item id='current'>` + list + `</item></publish>` + open + `</pubsub></iq>`

	// The node exists already, from a client that did not ask for open
	// access: the precondition fails, the client reconfigures the node
	// (Gajim submits the one field) and publishes again.
	w.do(alice+"/phone", `<iq type='set' id='old'><pubsub xmlns='http://jabber.org/protocol/pubsub'><publish node='`+devicelist+`'><item id='current'>`+list+`</item></publish></pubsub></iq>`)
	if got := w.fails(alice+"/phone", publishList); !strings.Contains(got, "precondition-not-met") {
		t.Fatalf("publishing with open access to a presence node: %s", got)
	}
	w.do(alice+"/phone", `<iq type='set' id='cfg'><pubsub xmlns='http://jabber.org/protocol/pubsub#owner'><configure node='`+devicelist+`'><x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE' type='hidden'><value>http://jabber.org/protocol/pubsub#node_config</value></field><field var='pubsub#access_model'><value>open</value></field></x></configure></pubsub></iq>`)
	m := w.mark()
	w.do(alice+"/phone", publishList)
	w.expectMessages(m, `<message from='alice@localhost' to='bob@localhost/home' type='headline' id='*'><event xmlns='http://jabber.org/protocol/pubsub#event'><items node='`+devicelist+`'><item id='current'>`+list+`</item></items></event></message>`)

	bundle := `<bundle xmlns='eu.siacs.conversations.axolotl'><signedPreKeyPublic signedPreKeyId='1'>BASE64</signedPreKeyPublic><signedPreKeySignature>SIG</signedPreKeySignature><identityKey>IK</identityKey><prekeys><preKeyPublic preKeyId='1'>PK1</preKeyPublic></prekeys></bundle>`
	w.do(alice+"/phone", `<iq type='set' id='bn'><pubsub xmlns='http://jabber.org/protocol/pubsub'><publish node='eu.siacs.conversations.axolotl.bundles:1234567'><item id='current'>`+bundle+`</item></publish>`+open+`</pubsub></iq>`)

	// carol shares a room with alice, not presence.
	res := w.do(carol+"/web", `<iq type='get' id='f1' to='alice@localhost'><pubsub xmlns='http://jabber.org/protocol/pubsub'><items node='`+devicelist+`'/></pubsub></iq>`)
	if got := canonical(res); !strings.Contains(got, `<device id="1234567"/>`) {
		t.Errorf("device list for a stranger: %s", got)
	}
	res = w.do(carol+"/web", `<iq type='get' id='f2' to='alice@localhost'><pubsub xmlns='http://jabber.org/protocol/pubsub'><items node='eu.siacs.conversations.axolotl.bundles:1234567' max_items='1'/></pubsub></iq>`)
	if got, want := canonical(res), canonical(mustParse(t, `<iq type='result' id='f2' from='alice@localhost' to='carol@localhost/web'><pubsub xmlns='http://jabber.org/protocol/pubsub'><items node='eu.siacs.conversations.axolotl.bundles:1234567'><item id='current'>`+bundle+`</item></items></pubsub></iq>`)); got != want {
		t.Errorf("bundle:\n %s\nwant\n %s", got, want)
	}
}

// XEP-0172: a nickname published once reaches the contacts online now and
// those who come online later.
func TestFlowNick(t *testing.T) {
	w := newWorld(t, nil)
	w.befriend(alice, bob)
	w.online(bob+"/home", 0, nickNS+"+notify")
	m := w.mark()
	w.do(alice+"/balcony", `<iq type='set' id='pub1'>
  <pubsub xmlns='http://jabber.org/protocol/pubsub'>
    <publish node='http://jabber.org/protocol/nick'>
      <item>
        <nick xmlns='http://jabber.org/protocol/nick'>Juliet</nick>
      </item>
    </publish>
  </pubsub>
</iq>`)
	got := w.messagesSince(m)
	if len(got) != 1 || !strings.Contains(got[0], `<nick xmlns="http://jabber.org/protocol/nick">Juliet</nick>`) || !strings.Contains(got[0], `to="bob@localhost/home"`) {
		t.Fatalf("nick notification: %q", got)
	}
	m = w.mark()
	w.online(bob+"/laptop", 0, nickNS+"+notify")
	if got := w.messagesSince(m); len(got) != 1 || !strings.Contains(got[0], "Juliet") || !strings.Contains(got[0], "urn:xmpp:delay") {
		t.Errorf("nick at login: %q", got)
	}
}
