package muc

import (
	"testing"

	"github.com/switchboard-xmpp/switchboard/sdk/sdktest"
)

// FuzzMUC sends alice's stanzas to a room she owns, in which bob is an
// occupant, and to the service.
func FuzzMUC(f *testing.F) {
	setup := func(h *sdktest.Harness) {
		for _, s := range []struct{ from, xml string }{
			{alice, "<presence to='" + roomJID + "/Alice'><x xmlns='" + NS + "'/></presence>"},
			{alice, "<iq type='set' id='c' to='" + roomJID + "'><query xmlns='" + NSOwner + "'><x xmlns='jabber:x:data' type='submit'/></query></iq>"},
			{bob, "<presence to='" + roomJID + "/Bob'><x xmlns='" + NS + "'/></presence>"},
		} {
			if r := h.Handle(s.xml, s.from); r.Err != nil || r.NoRoute {
				f.Fatalf("%s: no route %v, error %v", s.xml, r.NoRoute, r.Err)
			}
		}
	}
	sdktest.FuzzStanzas(f, New(), sdktest.Options{Domain: "localhost", Setup: setup}, alice,
		"<presence to='"+roomJID+"/Alice'><show>away</show></presence>",
		"<presence to='"+roomJID+"/Alicia'/>",
		"<presence to='"+roomJID+"/Alice' type='unavailable'/>",
		"<presence to='other@conference.localhost/A'><x xmlns='"+NS+"'><password>x</password><history maxstanzas='3' maxchars='100' seconds='60' since='2020-01-01T00:00:00Z'/></x></presence>",
		"<message type='groupchat' to='"+roomJID+"'><body>hi</body></message>",
		"<message type='groupchat' to='"+roomJID+"'><subject>topic</subject></message>",
		"<message type='chat' to='"+roomJID+"/Bob'><body>psst</body></message>",
		"<message to='"+roomJID+"'><x xmlns='"+NSUser+"'><invite to='carol@localhost'><reason>r</reason></invite></x></message>",
		"<iq type='set' id='a' to='"+roomJID+"'><query xmlns='"+NSAdmin+"'><item nick='Bob' role='none'><reason>r</reason></item></query></iq>",
		"<iq type='set' id='a' to='"+roomJID+"'><query xmlns='"+NSAdmin+"'><item jid='bob@localhost' affiliation='outcast'/></query></iq>",
		"<iq type='get' id='a' to='"+roomJID+"'><query xmlns='"+NSAdmin+"'><item affiliation='owner'/></query></iq>",
		"<iq type='get' id='o' to='"+roomJID+"'><query xmlns='"+NSOwner+"'/></iq>",
		"<iq type='set' id='o' to='"+roomJID+"'><query xmlns='"+NSOwner+"'><x xmlns='jabber:x:data' type='submit'><field var='muc#roomconfig_maxusers'><value>5</value></field></x></query></iq>",
		"<iq type='set' id='o' to='"+roomJID+"'><query xmlns='"+NSOwner+"'><destroy jid='x@conference.localhost'><reason>r</reason></destroy></query></iq>",
		"<iq type='get' id='d' to='"+roomJID+"'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>",
		"<iq type='get' id='d' to='conference.localhost'><query xmlns='http://jabber.org/protocol/disco#items'/></iq>",
		"<iq type='get' id='p' to='"+roomJID+"/Alice'><ping xmlns='urn:xmpp:ping'/></iq>",
		"<iq type='set' id='m' to='"+roomJID+"'><query xmlns='urn:xmpp:mam:2'><set xmlns='http://jabber.org/protocol/rsm'><max>1</max><before/></set></query></iq>")
}
