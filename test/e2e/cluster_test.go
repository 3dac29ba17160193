package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/beevik/etree"
	"mellium.im/sasl"

	"github.com/switchboard-xmpp/switchboard/core/storage/postgres/pgtest"
	"github.com/switchboard-xmpp/switchboard/test/rawxmpp"
)

// clusterNodes starts n switchboard nodes on loopback that share one
// PostgreSQL and one NATS, which the first node embeds.
func clusterNodes(t *testing.T, n int, users ...string) []*server {
	t.Helper()
	pg := pgtest.NewCluster(t)
	nats := freeLoopbackAddr(t)
	base := append(slices.Clone(pg.Env()), "SWITCHBOARD_STORAGE_DRIVER=postgres", "SWITCHBOARD_STORAGE_DSN=",
		"SWITCHBOARD_CLUSTER_LIVENESS=3s", "SWITCHBOARD_CLUSTER_ACK_TIMEOUT=2s",
		"SWITCHBOARD_LISTEN_ADMIN=127.0.0.1:0", "SWITCHBOARD_ADMIN_TOKEN="+adminToken)
	var nodes []*server
	for i := range n {
		dir := t.TempDir()
		env := append(slices.Clone(base), "SWITCHBOARD_CLUSTER_NODE=n"+strconv.Itoa(i+1))
		if i == 0 {
			env = append(env, "SWITCHBOARD_CLUSTER_EMBEDDED_NATS="+nats)
			for _, u := range users {
				if out, err := run(t, dir, env, "", "user", "add", u+"@localhost", "--password", "pw"); err != nil {
					t.Fatalf("user add %s: %v %s", u, err, out)
				}
			}
		} else {
			env = append(env, "SWITCHBOARD_CLUSTER_NATS_URL=nats://"+nats)
		}
		srv := startServer(t, dir, env)
		srv.waitLog("joined the cluster")
		srv.waitLog("server started")
		nodes = append(nodes, srv)
	}
	t.Cleanup(func() {
		if t.Failed() {
			for i, srv := range nodes {
				t.Logf("node n%d's log:\n%s", i+1, srv.logText())
			}
		}
	})
	return nodes
}

func freeLoopbackAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// waitRemoteSession waits until srv routes to full, a session another
// node holds.
func waitRemoteSession(srv *server, full string) {
	srv.t.Helper()
	srv.waitLogWhere("a session of another node "+full, func(line map[string]any) bool {
		return line["@message"] == "a session of another node" && line["jid"] == full
	})
}

// TestClusterThreeNodes: users bound on three nodes exchange messages (to
// bare and full JIDs, in the order sent), directed presence and IQs.
func TestClusterThreeNodes(t *testing.T) {
	nodes := clusterNodes(t, 3, "alice", "bob", "carol")
	alice, aliceJID := login(t, nodes[0], "alice", "a")
	bob, bobJID := login(t, nodes[1], "bob", "b")
	carol, carolJID := login(t, nodes[2], "carol", "c")
	for _, c := range []*rawxmpp.Client{alice, bob, carol} {
		c.Send("<presence/>")
	}
	for _, full := range []string{aliceJID, bobJID, carolJID} {
		for _, srv := range nodes {
			if !holds(nodes, srv, full) {
				waitRemoteSession(srv, full)
			}
		}
	}

	// A message to a bare JID on another node, in order.
	for i := range 20 {
		alice.Sendf("<message to='bob@localhost' type='chat' id='m%d'><body>hello %d</body></message>", i, i)
	}
	for i := range 20 {
		el, err := bob.Expect(func(el *etree.Element) bool { return el.Tag == "message" })
		if err != nil {
			t.Fatalf("bob waiting for m%d: %v", i, err)
		}
		if id, from := el.SelectAttrValue("id", ""), el.SelectAttrValue("from", ""); id != fmt.Sprintf("m%d", i) || from != aliceJID {
			t.Fatalf("bob's message %d: %s", i, rawxmpp.Describe(el))
		}
	}

	// A message to a full JID on another node.
	bob.Sendf("<message to='%s' type='chat' id='full'><body>to carol's resource</body></message>", carolJID)
	if el, err := carol.Expect(isMsg("full")); err != nil {
		t.Fatal(err)
	} else if el.SelectAttrValue("from", "") != bobJID {
		t.Errorf("carol's message: %s", rawxmpp.Describe(el))
	}

	// Directed presence to a full JID on another node.
	alice.Sendf("<presence to='%s'><status>directed</status></presence>", carolJID)
	if _, err := carol.Expect(func(el *etree.Element) bool {
		return el.Tag == "presence" && el.SelectAttrValue("from", "") == aliceJID && el.FindElement("status") != nil
	}); err != nil {
		t.Fatalf("carol waiting for alice's directed presence: %v", err)
	}

	// An IQ to a client on another node, and its result back.
	carol.Sendf("<iq type='get' id='ping1' to='%s'><ping xmlns='urn:xmpp:ping'/></iq>", aliceJID)
	req, err := alice.Expect(rawxmpp.ID("ping1"))
	if err != nil {
		t.Fatal(err)
	}
	if req.SelectAttrValue("from", "") != carolJID || req.SelectAttrValue("type", "") != "get" {
		t.Fatalf("alice's request: %s", rawxmpp.Describe(req))
	}
	alice.Sendf("<iq type='result' id='ping1' to='%s'/>", carolJID)
	res, err := carol.Expect(rawxmpp.ID("ping1"))
	if err != nil {
		t.Fatal(err)
	}
	if res.SelectAttrValue("type", "") != "result" || res.SelectAttrValue("from", "") != aliceJID {
		t.Errorf("carol's answer: %s", rawxmpp.Describe(res))
	}

	// An IQ to a resource no node holds is answered by the cluster.
	carol.Send("<iq type='get' id='ping2' to='alice@localhost/nowhere'><ping xmlns='urn:xmpp:ping'/></iq>")
	if res, err := carol.Expect(rawxmpp.ID("ping2")); err != nil {
		t.Fatal(err)
	} else if res.SelectAttrValue("type", "") != "error" || res.FindElement("error/service-unavailable") == nil {
		t.Errorf("an IQ to a resource nowhere: %s", rawxmpp.Describe(res))
	}

	// Carbons (XEP-0280): a second session of alice's, on carol's node,
	// gets a copy of what bob sends her first session.
	alice2, alice2JID := login(t, nodes[2], "alice", "a2")
	mark := nodes[1].logMark()
	for _, c := range []*rawxmpp.Client{alice, alice2} {
		if r := iq(t, c, "carbons", "<iq type='set' id='carbons'><enable xmlns='urn:xmpp:carbons:2'/></iq>"); r.SelectAttrValue("type", "") != "result" {
			t.Fatalf("enabling carbons: %s", rawxmpp.Describe(r))
		}
	}
	alice2.Send("<presence/>")
	nodes[1].waitLogFrom(mark, "alice/a2 with carbons on n2", func(line map[string]any) bool {
		return line["@message"] == "a session of another node changed" && line["jid"] == alice2JID && line["carbons"] == true && line["available"] == true
	})
	bob.Sendf("<message to='%s' type='chat' id='carbon'><body>one for both</body></message>", aliceJID)
	if _, err := alice.Expect(isMsg("carbon")); err != nil {
		t.Fatalf("alice: %v", err)
	}
	if el, err := alice2.Expect(func(el *etree.Element) bool {
		return el.Tag == "message" && el.FindElement("received/forwarded/message") != nil
	}); err != nil {
		t.Fatalf("alice's other session waiting for the carbon: %v", err)
	} else if m := el.FindElement("received/forwarded/message"); m.SelectAttrValue("id", "") != "carbon" {
		t.Errorf("the carbon: %s", rawxmpp.Describe(el))
	}

	// alice blocks bob (XEP-0191) on her node; bob's node enforces it.
	if r := iq(t, alice, "blk", "<iq type='set' id='blk'><block xmlns='urn:xmpp:blocking'><item jid='bob@localhost'/></block></iq>"); r.SelectAttrValue("type", "") != "result" {
		t.Fatalf("block: %s", rawxmpp.Describe(r))
	}
	nodes[1].waitLogWhere("alice's rules refreshed on n2", func(line map[string]any) bool {
		return line["@message"] == "privacy rules changed on another node" && line["owner"] == "alice@localhost"
	})
	bob.Sendf("<message to='%s' type='chat' id='blocked'><body>hello?</body></message>", aliceJID)
	if el := expectError(t, bob, "blocked"); el != "service-unavailable" {
		t.Errorf("bob's message to alice, who blocked him on another node: %s, want service-unavailable", el)
	}

	// An administrator of one node lists the sessions of all, and ends
	// one that another node holds.
	api := nodes[0].waitLog("serving the admin API")["url"].(string)
	var list struct{ Sessions []struct{ JID, Node string } }
	adminCall(t, "GET", api+"api/sessions", "", &list)
	if !slices.ContainsFunc(list.Sessions, func(s struct{ JID, Node string }) bool { return s.JID == carolJID && s.Node == "n3" }) {
		t.Errorf("n1's session list: %+v, want carol's on n3", list.Sessions)
	}
	adminCall(t, "POST", api+"api/sessions/kick", `{"jid":"`+carolJID+`"}`, nil)
	if el, err := carol.Expect(func(el *etree.Element) bool { return el.Tag == "error" }); err != nil {
		t.Fatalf("carol waiting for the end of her session: %v", err)
	} else if el.FindElement("policy-violation") == nil {
		t.Errorf("carol's session ended with %s, want policy-violation", rawxmpp.Describe(el))
	}

	// A node stopped on purpose exits cleanly and tells the others at
	// once, without waiting out the liveness period.
	mark = nodes[0].logMark()
	if err := nodes[1].stop(); err != nil {
		t.Errorf("stopping n2: %v", err)
	}
	nodes[0].waitLogFrom(mark, "n2 gone", func(line map[string]any) bool {
		return line["@message"] == "a node left the cluster" && line["gone"] == "n2"
	})
}

// holds reports whether srv is the node full was bound on, by the order
// the test logged in: alice on the first node, bob on the second, carol
// on the third.
func holds(nodes []*server, srv *server, full string) bool {
	for i, user := range []string{"alice", "bob", "carol"} {
		if len(full) > len(user) && full[:len(user)+1] == user+"@" {
			return nodes[i] == srv
		}
	}
	return false
}

// TestClusterConflictAndNodeDeath: the same full JID bound on two nodes
// keeps the newer session only, the older one closed with conflict; a
// node killed with SIGKILL is found dead within the liveness period by
// the survivors, one of which (only) announces each of its sessions'
// end, and a message sent to its user meanwhile is stored offline and
// delivered at the next login, on another node.
func TestClusterConflictAndNodeDeath(t *testing.T) {
	nodes := clusterNodes(t, 3, "alice", "bob", "carol")
	first, firstJID := login(t, nodes[0], "alice", "x")
	waitRemoteSession(nodes[1], firstJID)
	second, secondJID := login(t, nodes[1], "alice", "x")
	if secondJID != firstJID {
		t.Fatalf("bound %s, then %s", firstJID, secondJID)
	}
	el, err := first.Expect(func(el *etree.Element) bool { return el.Tag == "error" })
	if err != nil {
		t.Fatalf("the older session waiting for its conflict: %v", err)
	}
	if el.FindElement("conflict") == nil {
		t.Fatalf("the older session ended with %s, want conflict", rawxmpp.Describe(el))
	}
	bob, bobJID := login(t, nodes[0], "bob", "b")
	second.Send("<presence/>")
	bob.Send("<presence/>")
	nodes[0].waitLogWhere("alice/x held by n2", func(line map[string]any) bool {
		return line["@message"] == "a session of another node" && line["jid"] == secondJID && line["holder"] == "n2"
	})
	bob.Sendf("<message to='%s' type='chat' id='after'><body>to the newer session</body></message>", secondJID)
	if _, err := second.Expect(isMsg("after")); err != nil {
		t.Fatalf("the newer session: %v", err)
	}

	carol, carolJID := login(t, nodes[2], "carol", "c")
	carol.Send("<presence/>")
	waitRemoteSession(nodes[0], carolJID)
	waitRemoteSession(nodes[1], carolJID)
	nodes[2].cmd.Process.Kill()
	<-nodes[2].exit
	bob.Send("<message to='carol@localhost' type='chat' id='while-dead'><body>stored</body></message>")
	announced := 0.0
	for _, srv := range nodes[:2] {
		line := srv.waitLog("a node is gone")
		// A survivor that sees another's delete first has nothing left
		// to remove.
		if line["dead"] != "n3" {
			t.Errorf("a node is gone: %v", line)
		}
		announced += line["announced"].(float64)
	}
	if announced != 1 {
		t.Errorf("the end of carol's session was announced %v times, want once", announced)
	}
	back, _ := login(t, nodes[1], "carol", "c")
	back.Send("<presence/>")
	if el, err := back.Expect(isMsg("while-dead")); err != nil {
		t.Fatalf("carol at her next login: %v", err)
	} else if el.SelectAttrValue("from", "") != bobJID {
		t.Errorf("the stored message: %s", rawxmpp.Describe(el))
	}
}

// TestClusterPresence: contacts on different nodes subscribe to each
// other, with roster pushes, and hear each other's presence: broadcasts,
// a new session's initial presence answered on a third node, going
// unavailable, and going offline with their node when it is killed.
func TestClusterPresence(t *testing.T) {
	nodes := clusterNodes(t, 3, "alice", "bob")
	// alice on the third node, which dies at the end (the first runs
	// NATS), bob on the second, and a second session of bob's on the
	// first.
	alice, aliceJID := login(t, nodes[2], "alice", "a")
	bob, bobJID := login(t, nodes[1], "bob", "b")
	for _, c := range []*rawxmpp.Client{alice, bob} {
		iq(t, c, "roster", "<iq type='get' id='roster'><query xmlns='jabber:iq:roster'/></iq>")
		c.Send("<presence/>")
	}
	for _, srv := range nodes {
		if srv != nodes[2] {
			waitRemoteSession(srv, aliceJID)
		}
		if srv != nodes[1] {
			waitRemoteSession(srv, bobJID)
		}
	}

	// alice asks, bob approves; then bob asks and alice approves.
	alice.Send("<presence to='bob@localhost' type='subscribe'/>")
	expectPush(t, alice, "bob@localhost", "none", true)
	expectPresence(t, bob, "alice@localhost", "subscribe")
	bob.Send("<presence to='alice@localhost' type='subscribed'/>")
	expectPush(t, bob, "alice@localhost", "from", false)
	expectEach(t, alice, isPush("bob@localhost", "to", false), isPresence("bob@localhost", "subscribed"), isPresence(bobJID, ""))
	bob.Send("<presence to='alice@localhost' type='subscribe'/>")
	expectPush(t, bob, "alice@localhost", "from", true)
	expectPresence(t, alice, "bob@localhost", "subscribe")
	alice.Send("<presence to='bob@localhost' type='subscribed'/>")
	expectPush(t, alice, "bob@localhost", "both", false)
	expectEach(t, bob, isPush("alice@localhost", "both", false), isPresence("alice@localhost", "subscribed"), isPresence(aliceJID, ""))

	// A broadcast reaches the contact on the other node.
	alice.Send("<presence><show>away</show></presence>")
	if p := expectPresence(t, bob, aliceJID, ""); p.FindElement("show") == nil || p.FindElement("show").Text() != "away" {
		t.Fatalf("bob got %s, want alice away", rawxmpp.Describe(p))
	}
	// A new session of bob's, on the first node, hears at its initial
	// presence of alice (away) and of bob's other session.
	laptop, laptopJID := login(t, nodes[0], "bob", "laptop")
	laptop.Send("<presence/>")
	got := expectEach(t, laptop, isPresence(aliceJID, ""), isPresence(bobJID, ""), isPresence(laptopJID, ""))
	if s := got[0].FindElement("show"); s == nil || s.Text() != "away" {
		t.Errorf("bob's new session got %s, want alice away", rawxmpp.Describe(got[0]))
	}
	for _, srv := range nodes[1:] {
		waitRemoteSession(srv, laptopJID)
	}
	// alice's broadcasts reach both of bob's sessions, on two nodes.
	alice.Send("<presence type='unavailable'/>")
	expectPresence(t, bob, aliceJID, "unavailable")
	expectPresence(t, laptop, aliceJID, "unavailable")
	alice.Send("<presence/>")
	expectPresence(t, bob, aliceJID, "")
	expectPresence(t, laptop, aliceJID, "")

	// alice's node dies: her contacts hear that she went offline, once
	// the survivors take the node for dead.
	nodes[2].cmd.Process.Kill()
	<-nodes[2].exit
	expectPresence(t, bob, aliceJID, "unavailable")
	expectPresence(t, laptop, aliceJID, "unavailable")
}

// adminCall sends a request to a node's admin API with the test token and
// decodes the JSON answer into out (when not nil); it fails the test on
// any status but 200.
func adminCall(t *testing.T, method, url, body string, out any) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+adminToken)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s %s: %s %s", method, url, resp.Status, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %v in %s", method, url, err, b)
		}
	}
}

// TestClusterMellium: two sessions of mellium.im/xmpp, a client library we
// did not write, each logged in to another node with its defaults, chat
// both ways.
func TestClusterMellium(t *testing.T) {
	nodes := clusterNodes(t, 2, "alice", "bob")
	alice := melliumLogin(t, nodes[0].starttls, false, "alice", "pw", sasl.ScramSha256)
	bob := melliumLogin(t, nodes[1].starttls, false, "bob", "pw", sasl.ScramSha256)
	sendPresence(t, alice)
	sendPresence(t, bob)
	aliceJID, bobJID := alice.LocalAddr().String(), bob.LocalAddr().String()
	waitRemoteSession(nodes[0], bobJID)
	waitRemoteSession(nodes[1], aliceJID)
	alice.sendChat(t, "bob@localhost", "across the cluster")
	bob.expectChat(t, aliceJID, "across the cluster")
	bob.sendChat(t, aliceJID, "and back")
	alice.expectChat(t, bobJID, "and back")
}
