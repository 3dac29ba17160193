package muc

import (
	"testing"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/sdk/stanza"
)

func mamBodies(out []*etree.Element) (bodies []string, fin *etree.Element) {
	for _, el := range out {
		if b := el.FindElement("result/forwarded/message/body"); b != nil {
			bodies = append(bodies, b.Text())
		}
		if f := el.FindElement("fin"); f != nil {
			fin = f
		}
	}
	return bodies, fin
}

func TestRoomArchive(t *testing.T) {
	w := newWorld(t, nil)
	w.join(alice, "room", "Alice")
	for _, b := range []string{"one", "two", "three"} {
		w.ok(alice, "<message type='groupchat' to='"+roomJID+"'><body>"+b+"</body></message>")
	}
	q := func(from, set string) []*etree.Element {
		return w.ok(from, "<iq type='set' id='q' to='"+roomJID+"'><query xmlns='urn:xmpp:mam:2' queryid='x'><set xmlns='http://jabber.org/protocol/rsm'>"+set+"</set></query></iq>")
	}
	bodies, fin := mamBodies(q(alice, "<max>2</max>"))
	if len(bodies) != 2 || bodies[0] != "one" || fin == nil || fin.SelectAttrValue("complete", "") == "true" {
		t.Fatalf("first page: %v, fin %v", bodies, fin)
	}
	last := fin.FindElement("set/last").Text()
	bodies, fin = mamBodies(q(alice, "<max>2</max><after>"+last+"</after>"))
	if len(bodies) != 1 || bodies[0] != "three" || fin.SelectAttrValue("complete", "") != "true" {
		t.Fatalf("second page: %v, fin complete %q", bodies, fin.SelectAttrValue("complete", ""))
	}
	if bodies, _ = mamBodies(q(alice, "<max>1</max><before/>")); len(bodies) != 1 || bodies[0] != "three" {
		t.Errorf("last page: %v", bodies)
	}
	out := q(alice, "<max>1</max>")
	msg := out[len(out)-1]
	if res := msg.FindElement("result"); res == nil || res.SelectAttrValue("queryid", "") != "x" || msg.SelectAttrValue("from", "") != roomJID || msg.FindElement("result/forwarded/message/stanza-id") == nil || msg.FindElement("result/forwarded/message").SelectAttrValue("xmlns", "") != "jabber:client" {
		t.Errorf("a result:\n%s", describe(out))
	}
	w.ok(alice, "<iq type='set' id='c' to='"+roomJID+"'><query xmlns='"+NSOwner+"'><x xmlns='jabber:x:data' type='submit'><field var='muc#roomconfig_membersonly'><value>1</value></field></x></query></iq>")
	if r, _ := w.send(bob, "<iq type='set' id='q' to='"+roomJID+"'><query xmlns='urn:xmpp:mam:2'/></iq>"); r.Err == nil || r.Err.Condition != stanza.Forbidden {
		t.Errorf("a stranger reading a members-only room's archive: %v", r.Err)
	}
}
