package muc

import (
	"testing"

	"github.com/switchboard-xmpp/switchboard/sdk/stanza"
)

const (
	alice   = "alice@localhost/a"
	bob     = "bob@localhost/b"
	carol   = "carol@localhost/c"
	roomJID = "room@conference.localhost"
)

func TestCreateLockedUntilConfigured(t *testing.T) {
	w := newWorld(t, nil)
	out := w.ok(alice, "<presence to='"+roomJID+"/Alice'><x xmlns='"+NS+"'/></presence>")
	if len(out) != 1 || !hasCode(out, codeCreated) || !hasCode(out, codeSelf) || out[0].FindElement("x/item[@affiliation='owner'][@role='moderator']") == nil {
		t.Fatalf("creation:\n%s", describe(out))
	}
	if r, _ := w.send(bob, "<presence to='"+roomJID+"/Bob'><x xmlns='"+NS+"'/></presence>"); r.Err == nil || r.Err.Condition != stanza.ItemNotFound {
		t.Fatalf("joining a locked room: %v", r.Err)
	}
	form := w.ok(alice, "<iq type='get' id='f' to='"+roomJID+"'><query xmlns='"+NSOwner+"'/></iq>")
	if form[0].FindElement("query/x/field[@var='muc#roomconfig_persistentroom']") == nil {
		t.Fatalf("config form:\n%s", describe(form))
	}
	w.ok(alice, "<iq type='set' id='c' to='"+roomJID+"'><query xmlns='"+NSOwner+"'><x xmlns='jabber:x:data' type='submit'/></query></iq>")
	out = w.join(bob, "room", "Bob")
	self := to(out, bob)
	if len(self) != 3 || self[0].SelectAttrValue("from", "") != roomJID+"/Alice" || !hasCode(self[1:2], codeSelf) || self[2].SelectElement("subject") == nil {
		t.Fatalf("bob's join (alice, self, subject):\n%s", describe(out))
	}
	if got := to(out, alice); len(got) != 1 || got[0].SelectAttrValue("from", "") != roomJID+"/Bob" || got[0].FindElement("x/item[@jid='"+bob+"']") == nil {
		t.Fatalf("alice, a moderator, told of bob with his JID:\n%s", describe(got))
	}
}
