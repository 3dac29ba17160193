package muc

import (
	"strings"
	"testing"

	"github.com/switchboard-xmpp/switchboard/sdk"
	"github.com/switchboard-xmpp/switchboard/sdk/sdktest"

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
	if len(out) != 2 || !hasCode(out, codeCreated) || !hasCode(out, codeSelf) || out[0].FindElement("x/item[@affiliation='owner'][@role='moderator']") == nil {
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

func TestGroupchatOneBatchWithIDs(t *testing.T) {
	w := newWorld(t, nil)
	w.join(alice, "room", "Alice")
	w.join(bob, "room", "Bob")
	w.join("bob@localhost/phone", "room", "Bob") // a second device, same nick
	out := w.ok(alice, "<message type='groupchat' id='m1' to='"+roomJID+"'><body>hi</body><stanza-id xmlns='urn:xmpp:sid:0' id='forged' by='"+roomJID+"'/><occupant-id xmlns='urn:xmpp:occupant-id:0' id='forged'/></message>")
	if len(out) != 3 {
		t.Fatalf("a message to a room of two occupants on three sessions:\n%s", describe(out))
	}
	var ids []string
	for _, m := range out {
		sids := m.SelectElements("stanza-id")
		oids := m.SelectElements("occupant-id")
		if m.SelectAttrValue("from", "") != roomJID+"/Alice" || m.SelectAttrValue("id", "") != "m1" || len(sids) != 1 || len(oids) != 1 || oids[0].SelectAttrValue("id", "") == "forged" || sids[0].SelectAttrValue("by", "") != roomJID {
			t.Fatalf("the message as delivered:\n%s", describe(out))
		}
		ids = append(ids, sids[0].SelectAttrValue("id", ""))
	}
	if ids[0] == "forged" || ids[0] != ids[1] || ids[1] != ids[2] {
		t.Errorf("stanza-ids %v: one per message, given by the room", ids)
	}
	// Bob's devices share one occupant id; alice's differs.
	a := w.ok(bob, "<message type='groupchat' id='m2' to='"+roomJID+"'><body>yo</body></message>")
	if a[0].SelectElement("occupant-id").SelectAttrValue("id", "") == out[0].SelectElement("occupant-id").SelectAttrValue("id", "") {
		t.Errorf("alice and bob have the same occupant id")
	}
	if r, _ := w.send(carol, "<message type='groupchat' to='"+roomJID+"'><body>x</body></message>"); r.Err == nil || r.Err.Condition != stanza.NotAcceptable {
		t.Errorf("a non-occupant's message: %v", r.Err)
	}
}

func TestSecondDeviceJoinsTheSameOccupant(t *testing.T) {
	w := newWorld(t, nil)
	w.join(alice, "room", "Alice")
	w.join(bob, "room", "Bob")
	out := w.join("bob@localhost/phone", "room", "Bob")
	if len(to(out, alice)) != 0 {
		t.Errorf("alice told of bob's second device:\n%s", describe(out))
	}
	if !hasCode(to(out, "bob@localhost/phone"), codeSelf) {
		t.Errorf("the second device got no self-presence:\n%s", describe(out))
	}
	out = w.ok(bob, "<presence type='unavailable' to='"+roomJID+"/Bob'/>")
	if len(to(out, alice)) != 0 || !hasCode(to(out, bob), codeSelf) {
		t.Errorf("one device of two leaving:\n%s", describe(out))
	}
	out = w.ok("bob@localhost/phone", "<presence type='unavailable' to='"+roomJID+"/Bob'/>")
	if got := to(out, alice); len(got) != 1 || got[0].SelectAttrValue("type", "") != "unavailable" {
		t.Errorf("the last device leaving:\n%s", describe(out))
	}
	if r, _ := w.send(carol, "<presence to='"+roomJID+"/Alice'><x xmlns='"+NS+"'/></presence>"); r.Err == nil || r.Err.Condition != stanza.Conflict {
		t.Errorf("another account taking alice's nick: %v", r.Err)
	}
}

func TestNickChange(t *testing.T) {
	w := newWorld(t, nil)
	w.join(alice, "room", "Alice")
	w.join(bob, "room", "Bob")
	out := w.ok(bob, "<presence to='"+roomJID+"/Robert'/>")
	got := to(out, alice)
	if len(got) != 2 || got[0].SelectAttrValue("type", "") != "unavailable" || !hasCode(got[:1], codeNickChanged) || got[0].FindElement("x/item[@nick='Robert']") == nil || got[1].SelectAttrValue("from", "") != roomJID+"/Robert" {
		t.Fatalf("alice told of the nick change:\n%s", describe(out))
	}
	if self := to(out, bob); len(self) != 2 || !hasCode(self, codeSelf) {
		t.Fatalf("bob told of his nick change:\n%s", describe(out))
	}
	if r, _ := w.send(bob, "<presence to='"+roomJID+"/Alice'/>"); r.Err == nil || r.Err.Condition != stanza.Conflict {
		t.Errorf("changing to a nick in use: %v", r.Err)
	}
}

func TestKickBanVoice(t *testing.T) {
	w := newWorld(t, nil)
	w.join(alice, "room", "Alice")
	w.join(bob, "room", "Bob")
	w.join(carol, "room", "Carol")
	if r, _ := w.send(bob, "<iq type='set' id='k' to='"+roomJID+"'><query xmlns='"+NSAdmin+"'><item nick='Carol' role='none'/></query></iq>"); r.Err == nil || r.Err.Condition != stanza.Forbidden {
		t.Fatalf("a participant kicking: %v", r.Err)
	}
	out := w.ok(alice, "<iq type='set' id='v' to='"+roomJID+"'><query xmlns='"+NSAdmin+"'><item nick='Bob' role='visitor'/></query></iq>")
	if len(to(out, carol)) != 1 || to(out, carol)[0].FindElement("x/item[@role='visitor']") == nil {
		t.Fatalf("voice revoked:\n%s", describe(out))
	}
	if r, _ := w.send(bob, "<message type='groupchat' to='"+roomJID+"'><body>x</body></message>"); r.Err == nil || r.Err.Condition != stanza.Forbidden {
		t.Errorf("a visitor speaking: %v", r.Err)
	}
	out = w.ok(alice, "<iq type='set' id='k' to='"+roomJID+"'><query xmlns='"+NSAdmin+"'><item nick='Carol' role='none'><reason>spam</reason></item></query></iq>")
	if self := to(out, carol); len(self) != 1 || !hasCode(self, codeKicked) || !hasCode(self, codeSelf) || self[0].FindElement("x/item/reason").Text() != "spam" || self[0].FindElement("x/item/actor[@nick='Alice']") == nil {
		t.Fatalf("carol kicked:\n%s", describe(out))
	}
	if got := to(out, bob); len(got) != 1 || !hasCode(got, codeKicked) {
		t.Fatalf("bob told of the kick:\n%s", describe(out))
	}
	out = w.ok(alice, "<iq type='set' id='b' to='"+roomJID+"'><query xmlns='"+NSAdmin+"'><item jid='bob@localhost' affiliation='outcast'/></query></iq>")
	if !hasCode(to(out, bob), codeBanned) {
		t.Fatalf("bob banned:\n%s", describe(out))
	}
	if r, _ := w.send(bob, "<presence to='"+roomJID+"/Bob'><x xmlns='"+NS+"'/></presence>"); r.Err == nil || r.Err.Condition != stanza.Forbidden {
		t.Errorf("a banned account joining: %v", r.Err)
	}
	list := w.ok(alice, "<iq type='get' id='l' to='"+roomJID+"'><query xmlns='"+NSAdmin+"'><item affiliation='outcast'/></query></iq>")
	if list[0].FindElement("query/item[@jid='bob@localhost']") == nil {
		t.Errorf("the outcast list:\n%s", describe(list))
	}
	if r, _ := w.send(alice, "<iq type='set' id='o' to='"+roomJID+"'><query xmlns='"+NSAdmin+"'><item jid='alice@localhost' affiliation='member'/></query></iq>"); r.Err == nil || r.Err.Condition != stanza.Conflict {
		t.Errorf("the last owner stepping down: %v", r.Err)
	}
}

func TestEntryRules(t *testing.T) {
	w := newWorld(t, nil)
	w.join(alice, "room", "Alice")
	w.ok(alice, "<iq type='set' id='c' to='"+roomJID+"'><query xmlns='"+NSOwner+"'><x xmlns='jabber:x:data' type='submit'>"+
		"<field var='muc#roomconfig_passwordprotectedroom'><value>1</value></field><field var='muc#roomconfig_roomsecret'><value>s3cret</value></field>"+
		"<field var='muc#roomconfig_maxusers'><value>2</value></field></x></query></iq>")
	if r, _ := w.send(bob, "<presence to='"+roomJID+"/Bob'><x xmlns='"+NS+"'/></presence>"); r.Err == nil || r.Err.Condition != stanza.NotAuthorized {
		t.Errorf("joining without the password: %v", r.Err)
	}
	w.ok(bob, "<presence to='"+roomJID+"/Bob'><x xmlns='"+NS+"'><password>s3cret</password></x></presence>")
	if r, _ := w.send(carol, "<presence to='"+roomJID+"/Carol'><x xmlns='"+NS+"'><password>s3cret</password></x></presence>"); r.Err == nil || r.Err.Condition != stanza.ServiceUnavailable {
		t.Errorf("joining a full room: %v", r.Err)
	}
	if r, _ := w.send(alice, "<iq type='set' id='c' to='"+roomJID+"'><query xmlns='"+NSOwner+"'><x xmlns='jabber:x:data' type='submit'><field var='muc#roomconfig_maxusers'><value>100000</value></field></x></query></iq>"); r.Err == nil || r.Err.Condition != stanza.NotAcceptable {
		t.Errorf("max users over max_occupants: %v", r.Err)
	}
	out := w.ok(alice, "<iq type='set' id='c' to='"+roomJID+"'><query xmlns='"+NSOwner+"'><x xmlns='jabber:x:data' type='submit'><field var='muc#roomconfig_membersonly'><value>1</value></field><field var='muc#roomconfig_whois'><value>anyone</value></field></x></query></iq>")
	if !hasCode(to(out, bob), codeConfigChanged) || !hasCode(to(out, bob), codeNowNonAnon) {
		t.Errorf("config change told:\n%s", describe(out))
	}
	if got := to(out, bob); !hasCode(got, codeMembersOnly) || got[len(got)-1].SelectAttrValue("type", "") != "unavailable" {
		t.Errorf("bob, no member, removed from the room now members-only (322):\n%s", describe(out))
	}
	if r, _ := w.send(bob, "<presence to='"+roomJID+"/Bob'><x xmlns='"+NS+"'><password>s3cret</password></x></presence>"); r.Err == nil || r.Err.Condition != stanza.RegistrationRequired {
		t.Errorf("a non-member joining a members-only room: %v", r.Err)
	}
}

func TestRateLimit(t *testing.T) {
	w := newWorld(t, map[string]any{"messages_per_second": 0.001, "message_burst": 2})
	w.join(alice, "room", "Alice")
	for i := 0; i < 2; i++ {
		w.ok(alice, "<message type='groupchat' to='"+roomJID+"'><body>x</body></message>")
	}
	r, out := w.send(alice, "<message type='groupchat' to='"+roomJID+"'><body>x</body></message>")
	if r.Err == nil || r.Err.Condition != stanza.ResourceConstraint || r.Err.ErrorType() != stanza.Wait || len(out) != 0 {
		t.Errorf("a message over the burst: %v, sent %d", r.Err, len(out))
	}
}

func TestRoomsPerUser(t *testing.T) {
	w := newWorld(t, map[string]any{"max_rooms_per_user": 1})
	w.join(alice, "one", "Alice")
	if r, _ := w.send(alice, "<presence to='two@conference.localhost/Alice'><x xmlns='"+NS+"'/></presence>"); r.Err == nil || r.Err.Condition != stanza.NotAllowed {
		t.Errorf("a second room over max_rooms_per_user: %v", r.Err)
	}
	w.join(bob, "two", "Bob")
}

func TestHistoryOnJoin(t *testing.T) {
	w := newWorld(t, nil)
	w.join(alice, "room", "Alice")
	for _, b := range []string{"one", "two", "three"} {
		w.ok(alice, "<message type='groupchat' to='"+roomJID+"'><body>"+b+"</body></message>")
	}
	out := to(w.join(bob, "room", "Bob"), bob)
	var bodies []string
	for _, m := range out {
		if b := m.SelectElement("body"); b != nil && m.SelectElement("delay") != nil {
			bodies = append(bodies, b.Text())
		}
	}
	if len(bodies) != 3 || bodies[0] != "one" {
		t.Errorf("history: %v", bodies)
	}
	out = to(w.ok(carol, "<presence to='"+roomJID+"/Carol'><x xmlns='"+NS+"'><history maxstanzas='1'/></x></presence>"), carol)
	n := 0
	for _, m := range out {
		if m.SelectElement("body") != nil {
			n++
			if m.SelectElement("body").Text() != "three" {
				t.Errorf("maxstanzas=1 gave %s", m.SelectElement("body").Text())
			}
		}
	}
	if n != 1 {
		t.Errorf("maxstanzas=1 gave %d messages", n)
	}
}

func TestPrivateMessageAndSelfPing(t *testing.T) {
	w := newWorld(t, nil)
	w.join(alice, "room", "Alice")
	w.join(bob, "room", "Bob")
	out := w.ok(alice, "<message type='chat' to='"+roomJID+"/Bob'><body>psst</body></message>")
	if len(out) != 1 || out[0].SelectAttrValue("to", "") != bob || out[0].SelectAttrValue("from", "") != roomJID+"/Alice" || out[0].SelectElement("x") == nil {
		t.Fatalf("private message:\n%s", describe(out))
	}
	if r, _ := w.send(alice, "<message type='chat' to='"+roomJID+"/Nobody'><body>psst</body></message>"); r.Err == nil || r.Err.Condition != stanza.ItemNotFound {
		t.Errorf("a private message to no one: %v", r.Err)
	}
	w.ok(alice, "<iq type='get' id='p' to='"+roomJID+"/Alice'><ping xmlns='urn:xmpp:ping'/></iq>")
	if r, _ := w.send(carol, "<iq type='get' id='p' to='"+roomJID+"/Carol'><ping xmlns='urn:xmpp:ping'/></iq>"); r.Err == nil || r.Err.Condition != stanza.NotAcceptable {
		t.Errorf("self-ping when not joined: %v", r.Err)
	}
}

func TestDiscoAndDestroy(t *testing.T) {
	w := newWorld(t, nil)
	w.join(alice, "room", "Alice")
	w.ok(alice, "<iq type='set' id='c' to='"+roomJID+"'><query xmlns='"+NSOwner+"'><x xmlns='jabber:x:data' type='submit'><field var='muc#roomconfig_publicroom'><value>1</value></field><field var='muc#roomconfig_roomname'><value>The Room</value></field></x></query></iq>")
	w.join(alice, "hidden", "Alice")
	items := w.ok(bob, "<iq type='get' id='i' to='conference.localhost'><query xmlns='http://jabber.org/protocol/disco#items'/></iq>")
	if got := items[0].FindElements("query/item"); len(got) != 1 || got[0].SelectAttrValue("jid", "") != roomJID || got[0].SelectAttrValue("name", "") != "The Room" {
		t.Errorf("disco#items lists the public room only:\n%s", describe(items))
	}
	info := w.ok(bob, "<iq type='get' id='i' to='"+roomJID+"'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>")
	for _, f := range []string{NS, "muc_public", "muc_temporary", "muc_open", "muc_semianonymous", "muc_unsecured", "muc_unmoderated", nsOccupantID} {
		if info[0].FindElement("query/feature[@var='"+f+"']") == nil {
			t.Errorf("room disco#info lacks %s", f)
		}
	}
	if info[0].FindElement("query/x/field[@var='muc#roominfo_occupants']/value").Text() != "1" {
		t.Errorf("roominfo:\n%s", describe(info))
	}
	w.join(bob, "room", "Bob")
	out := w.ok(alice, "<iq type='set' id='d' to='"+roomJID+"'><query xmlns='"+NSOwner+"'><destroy jid='other@conference.localhost'><reason>moved</reason></destroy></query></iq>")
	if got := to(out, bob); len(got) != 1 || got[0].FindElement("x/destroy[@jid='other@conference.localhost']/reason") == nil {
		t.Fatalf("destroy told:\n%s", describe(out))
	}
	if r, _ := w.send(bob, "<iq type='get' id='i' to='"+roomJID+"'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>"); r.Err == nil || r.Err.Condition != stanza.ItemNotFound {
		t.Errorf("a destroyed room's disco#info: %v", r.Err)
	}
}

func TestMediatedInvitation(t *testing.T) {
	w := newWorld(t, nil)
	w.join(alice, "room", "Alice")
	out := w.ok(alice, "<message to='"+roomJID+"'><x xmlns='"+NSUser+"'><invite to='bob@localhost'><reason>come</reason></invite></x></message>")
	if len(out) != 1 || out[0].SelectAttrValue("to", "") != "bob@localhost" || out[0].SelectAttrValue("from", "") != roomJID || out[0].FindElement("x/invite[@from='alice@localhost']/reason") == nil {
		t.Fatalf("invitation:\n%s", describe(out))
	}
}

func TestSessionClosedLeaves(t *testing.T) {
	w := newWorld(t, nil)
	w.join(alice, "room", "Alice")
	w.join(bob, "room", "Bob")
	w.fresh()
	if err := w.h.Event(sdktest.Event{Kind: sdk.SessionClosed, JID: bob}); err != nil {
		t.Fatal(err)
	}
	if got := to(w.fresh(), alice); len(got) != 1 || got[0].SelectAttrValue("type", "") != "unavailable" {
		t.Errorf("bob's session closing:\n%s", describe(got))
	}
}

// TestMetrics: the rooms, the sessions in them and the messages sent to
// them reach the server's metrics.
func TestMetrics(t *testing.T) {
	w := newWorld(t, nil)
	w.join("alice@localhost/a", "lounge", "Alice")
	w.join("bob@localhost/b", "lounge", "Bob")
	w.ok("bob@localhost/b", "<message type='groupchat' to='lounge@conference.localhost' id='m1'><body>hi</body></message>")
	got := w.h.Metrics()
	for name, want := range map[string]float64{
		"switchboard_plugin_muc_rooms":           1,
		"switchboard_plugin_muc_joined_sessions": 2,
		"switchboard_plugin_muc_messages_total":  1,
	} {
		if got[name] != want {
			t.Errorf("%s = %v, want %v", name, got[name], want)
		}
	}
}

// TestCheckConfig: config check finds a misspelt key and a wrong type in
// the plugin's section.
func TestCheckConfig(t *testing.T) {
	w := newWorld(t, nil)
	for _, tc := range []struct {
		config map[string]any
		want   string
	}{
		{map[string]any{"max_history": 5}, `"max_history"`},
		{map[string]any{"history_size": "lots"}, "history_size"},
		{map[string]any{"max_occupants": 0}, "max_occupants must be at least 1"},
	} {
		if err := w.h.CheckConfig(tc.config); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want an error naming %s", tc.config, err, tc.want)
		}
	}
	if err := w.h.CheckConfig(map[string]any{"history_size": 20}); err != nil {
		t.Errorf("a good section: %v", err)
	}
}
