package e2e

import (
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/test/rawxmpp"
)

const mucRoom = "room@conference.localhost"

// TestSlixmppGroupChat: slixmpp's XEP-0045 plugin creates and configures a
// room, others join, chat, change nick, get kicked, and a late joiner gets
// the history and finds the messages in the room's archive (XEP-0313).
func TestSlixmppGroupChat(t *testing.T) {
	srv := slixmppServer(t, "alice", "bob", "carol", "dave")
	alice := slixmppLogin(t, srv, "alice")
	bob := slixmppLogin(t, srv, "bob")
	carol := slixmppLogin(t, srv, "carol")

	created := alice.do(t, map[string]any{"cmd": "muc_join", "room": mucRoom, "nick": "Alice"})
	if !slices.Contains(created.Codes, "201") || !slices.Contains(created.Codes, "110") {
		t.Fatalf("creating the room: status codes %v, want 110 and 201", created.Codes)
	}
	joined := bob.do(t, map[string]any{"cmd": "muc_join", "room": mucRoom, "nick": "Bob"})
	if joined.Items["Alice"] != "moderator" {
		t.Errorf("bob's join: occupants %v, want Alice as moderator", joined.Items)
	}
	carol.do(t, map[string]any{"cmd": "muc_join", "room": mucRoom, "nick": "Carol"})

	alice.do(t, map[string]any{"cmd": "muc_send", "room": mucRoom, "body": "hello room"})
	for _, c := range []*slixClient{alice, bob, carol} {
		c.wait(t, "alice's group chat message", func(ev slixEvent) bool {
			return ev.Event == "groupchat" && ev.From == mucRoom+"/Alice" && ev.Body == "hello room"
		})
	}

	bob.do(t, map[string]any{"cmd": "muc_nick", "room": mucRoom, "nick": "Robert"})
	alice.wait(t, "bob leaving his old nick with 303", func(ev slixEvent) bool {
		return ev.Event == "muc_presence" && ev.From == mucRoom+"/Bob" && ev.Type == "unavailable" && slices.Contains(ev.Codes, "303")
	})
	alice.wait(t, "bob under his new nick", func(ev slixEvent) bool {
		return ev.Event == "muc_presence" && ev.From == mucRoom+"/Robert" && ev.Type != "unavailable"
	})
	bob.do(t, map[string]any{"cmd": "muc_send", "room": mucRoom, "body": "I am Robert now"})
	carol.wait(t, "a message from the new nick", func(ev slixEvent) bool {
		return ev.Event == "groupchat" && ev.From == mucRoom+"/Robert" && ev.Body == "I am Robert now"
	})

	alice.do(t, map[string]any{"cmd": "muc_kick", "room": mucRoom, "nick": "Carol", "reason": "testing"})
	carol.wait(t, "carol's own kick, 110 and 307", func(ev slixEvent) bool {
		return ev.Event == "muc_presence" && ev.From == mucRoom+"/Carol" && ev.Type == "unavailable" && slices.Contains(ev.Codes, "307") && slices.Contains(ev.Codes, "110")
	})
	bob.wait(t, "carol kicked, told to bob", func(ev slixEvent) bool {
		return ev.Event == "muc_presence" && ev.From == mucRoom+"/Carol" && ev.Type == "unavailable" && slices.Contains(ev.Codes, "307")
	})

	dave := slixmppLogin(t, srv, "dave")
	late := dave.do(t, map[string]any{"cmd": "muc_join", "room": mucRoom, "nick": "Dave"})
	if !slices.Equal(late.Bodies, []string{"hello room", "I am Robert now"}) {
		t.Errorf("history on join: %q", late.Bodies)
	}
	if got := dave.do(t, map[string]any{"cmd": "muc_mam", "room": mucRoom}).Bodies; !slices.Equal(got, []string{"hello room", "I am Robert now"}) {
		t.Errorf("the room's archive (XEP-0313): %q", got)
	}
}

// mucJoin sends a join and returns the session's own presence, after the
// subject that ends the join.
func mucJoin(t *testing.T, c *rawxmpp.Client, room, nick, extra string) *etree.Element {
	t.Helper()
	c.Sendf("<presence to='%s/%s'><x xmlns='http://jabber.org/protocol/muc'>%s</x></presence>", room, nick, extra)
	var self *etree.Element
	for {
		el, err := c.Expect(func(el *etree.Element) bool {
			return el.Tag == "presence" || el.Tag == "message" && el.SelectElement("subject") != nil
		})
		if err != nil {
			t.Fatalf("joining %s as %s: %v", room, nick, err)
		}
		if el.SelectAttrValue("type", "") == "error" {
			t.Fatalf("joining %s as %s: %s", room, nick, rawxmpp.Describe(el))
		}
		if el.Tag == "presence" && el.FindElement("x/status[@code='110']") != nil {
			self = el
		}
		if el.Tag == "message" {
			return self
		}
	}
}

// mucConfigure submits the owner's form with the fields given.
func mucConfigure(t *testing.T, c *rawxmpp.Client, room, fields string) {
	t.Helper()
	r := iq(t, c, "cfg", "<iq type='set' id='cfg' to='%s'><query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='submit'>%s</x></query></iq>", room, fields)
	if r.SelectAttrValue("type", "") != "result" {
		t.Fatalf("configuring %s: %s", room, rawxmpp.Describe(r))
	}
}

func groupchatBody(body string) func(*etree.Element) bool {
	return func(el *etree.Element) bool {
		b := el.SelectElement("body")
		return el.Tag == "message" && el.SelectAttrValue("type", "") == "groupchat" && b != nil && b.Text() == body
	}
}

// TestMUCSurvivesRestarts: the muc plugin killed mid-conversation comes
// back with its occupants (nobody rejoins); after a restart of the whole
// server the persistent room is there with its history.
func TestMUCSurvivesRestarts(t *testing.T) {
	srv := slixmppServer(t, "alice", "bob")
	login := func(s *server, user, res string) *rawxmpp.Client {
		c, _, err := rawxmpp.Login(s.starttls, "localhost", user, "pw-"+user, res)
		if err != nil {
			t.Fatalf("login %s: %v", user, err)
		}
		t.Cleanup(func() { c.Conn.Close() })
		c.Send("<presence/>")
		return c
	}
	alice := login(srv, "alice", "a")
	bob := login(srv, "bob", "b")
	mucJoin(t, alice, mucRoom, "Alice", "")
	mucConfigure(t, alice, mucRoom, "<field var='muc#roomconfig_persistentroom'><value>1</value></field>")
	mucJoin(t, bob, mucRoom, "Bob", "")
	bob.Send("<message type='groupchat' to='" + mucRoom + "' id='m1'><body>before the crash</body></message>")
	if _, err := alice.Expect(groupchatBody("before the crash")); err != nil {
		t.Fatal(err)
	}

	killed := time.Now()
	if err := syscall.Kill(pluginPID(t, srv, "muc"), syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for !srv.pluginRunning("muc", killed) {
		if time.Now().After(deadline) {
			t.Fatal("the muc plugin did not come back within a minute")
		}
		time.Sleep(50 * time.Millisecond)
	}
	// Neither rejoins: the room still has both, and self-ping says so. While
	// the plugin is being configured the core answers "wait".
	var r *etree.Element
	for i := 0; ; i++ {
		r = iq(t, alice, fmt.Sprint("ping", i), "<iq type='get' id='ping%d' to='%s/Alice'><ping xmlns='urn:xmpp:ping'/></iq>", i, mucRoom)
		if r.FindElement("error[@type='wait']") == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if r.SelectAttrValue("type", "") != "result" {
		t.Fatalf("self-ping after the plugin restarted: %s", rawxmpp.Describe(r))
	}
	bob.Send("<message type='groupchat' to='" + mucRoom + "' id='m2'><body>after the crash</body></message>")
	if _, err := alice.Expect(groupchatBody("after the crash")); err != nil {
		t.Fatalf("a message after the plugin restarted: %v", err)
	}

	if err := srv.stop(); err != nil {
		t.Fatalf("stopping the server: %v", err)
	}
	srv2 := startServer(t, srv.dir, nil, "--config", srv.dir+"/switchboard.yaml")
	srv2.waitLog("server started")
	alice = login(srv2, "alice", "a2")
	info := iq(t, alice, "info", "<iq type='get' id='info' to='%s'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>", mucRoom)
	if info.FindElement("query/feature[@var='muc_persistent']") == nil {
		t.Fatalf("the persistent room after a server restart: %s", rawxmpp.Describe(info))
	}
	alice.Sendf("<presence to='%s/Alice'><x xmlns='http://jabber.org/protocol/muc'/></presence>", mucRoom)
	for _, body := range []string{"before the crash", "after the crash"} {
		el, err := alice.Expect(groupchatBody(body))
		if err != nil || el.SelectElement("delay") == nil {
			t.Fatalf("history %q after the server restart: %v %s", body, err, rawxmpp.Describe(el))
		}
	}
}

// TestMUCRoomOfTwoHundred: 200 occupants on their own streams; one message
// reaches them all.
func TestMUCRoomOfTwoHundred(t *testing.T) {
	const n = 200
	srv := crowdServer(t, "")
	clients := make([]*rawxmpp.Client, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 16)
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			user := fmt.Sprintf("occupant%03d", i)
			register(t, srv, user)
			c, _, err := rawxmpp.Login(srv.starttls, "localhost", user, "pw", "r")
			if err != nil {
				t.Error(err)
				return
			}
			c.Timeout = 2 * time.Minute
			clients[i] = c
		}()
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	t.Cleanup(func() {
		for _, c := range clients {
			c.Conn.Close()
		}
	})
	owner := clients[0]
	mucJoin(t, owner, mucRoom, "occupant000", "")
	mucConfigure(t, owner, mucRoom, "")
	// Joins one at a time: each is told of everyone before, the others of it.
	var got atomic.Int64
	done := make(chan int, n)
	start := time.Now()
	for i := range n {
		if i > 0 {
			mucJoin(t, clients[i], mucRoom, fmt.Sprintf("occupant%03d", i), "<history maxstanzas='0'/>")
		}
		// Every occupant reads its stream from now on, as a client does.
		go func() {
			for {
				el, err := clients[i].Next()
				if err != nil {
					return
				}
				if groupchatBody("to everyone")(el) {
					got.Add(1)
					done <- i
					return
				}
			}
		}()
	}
	t.Logf("%d joins: %v", n-1, time.Since(start))
	sent := time.Now()
	owner.Send("<message type='groupchat' to='" + mucRoom + "' id='all'><body>to everyone</body></message>")
	deadline := time.After(2 * time.Minute)
	for range n {
		select {
		case <-done:
		case <-deadline:
			t.Fatalf("%d of %d occupants got the message", got.Load(), n)
		}
	}
	t.Logf("one message to %d occupants: delivered to all in %v", n, time.Since(sent))
}

// TestMUCInvitations: a mediated invitation (XEP-0045 §7.8.2) comes from
// the room with the inviter and the room's password; a direct one
// (XEP-0249) goes from client to client; either lets the invitee in.
func TestMUCInvitations(t *testing.T) {
	srv := slixmppServer(t, "alice", "bob", "carol")
	login := func(user string) *rawxmpp.Client {
		c, _, err := rawxmpp.Login(srv.starttls, "localhost", user, "pw-"+user, "r")
		if err != nil {
			t.Fatalf("login %s: %v", user, err)
		}
		t.Cleanup(func() { c.Conn.Close() })
		c.Send("<presence/>")
		return c
	}
	alice, bob, carol := login("alice"), login("bob"), login("carol")
	mucJoin(t, alice, mucRoom, "Alice", "")
	mucConfigure(t, alice, mucRoom, "<field var='muc#roomconfig_passwordprotectedroom'><value>1</value></field><field var='muc#roomconfig_roomsecret'><value>open sesame</value></field>")

	alice.Send("<message to='" + mucRoom + "'><x xmlns='http://jabber.org/protocol/muc#user'><invite to='bob@localhost'><reason>join us</reason></invite></x></message>")
	inv, err := bob.Expect(func(el *etree.Element) bool { return el.Tag == "message" && el.FindElement("x/invite") != nil })
	if err != nil {
		t.Fatal(err)
	}
	if inv.SelectAttrValue("from", "") != mucRoom || inv.FindElement("x/invite").SelectAttrValue("from", "") != "alice@localhost" || inv.FindElement("x/password") == nil {
		t.Fatalf("the mediated invitation: %s", rawxmpp.Describe(inv))
	}
	mucJoin(t, bob, mucRoom, "Bob", "<password>"+inv.FindElement("x/password").Text()+"</password>")

	alice.Send("<message to='carol@localhost'><x xmlns='jabber:x:conference' jid='" + mucRoom + "' password='open sesame' reason='and you'/></message>")
	direct, err := carol.Expect(func(el *etree.Element) bool { return el.Tag == "message" && el.SelectElement("x") != nil })
	if err != nil {
		t.Fatal(err)
	}
	x := direct.SelectElement("x")
	if x.SelectAttrValue("jid", "") != mucRoom {
		t.Fatalf("the direct invitation: %s", rawxmpp.Describe(direct))
	}
	mucJoin(t, carol, x.SelectAttrValue("jid", ""), "Carol", "<password>"+x.SelectAttrValue("password", "")+"</password>")
}
