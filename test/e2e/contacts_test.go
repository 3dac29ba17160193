package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/test/rawxmpp"
)

// crowdServer runs the binary for tests with many users: in-band
// registration without a per-address bound, logs at info (a thousand
// clients at debug would drown the test in log lines), and extra YAML.
func crowdServer(tb testing.TB, extra string) *server {
	tb.Helper()
	dir := tb.TempDir()
	cfg := filepath.Join(dir, "switchboard.yaml")
	yaml := "log:\n  level: info\nplugins:\n  register:\n    config:\n      allow_registration: true\n      registrations_per_address: 0\n" + extra
	if err := os.WriteFile(cfg, []byte(yaml), 0o644); err != nil {
		tb.Fatal(err)
	}
	srv := startServer(tb, dir, []string{"SWITCHBOARD_LOG_LEVEL=info"}, "--config", cfg)
	srv.waitLog("server started")
	return srv
}

// register makes the account user (password "pw") by in-band registration.
func register(tb testing.TB, srv *server, user string) {
	tb.Helper()
	c, err := rawxmpp.Dial(srv.starttls)
	if err != nil {
		tb.Fatal(err)
	}
	defer c.Conn.Close()
	c.OpenStream("localhost")
	if err := c.StartTLS("localhost"); err != nil {
		tb.Fatal(err)
	}
	c.Sendf("<iq type='set' id='r'><query xmlns='jabber:iq:register'><username>%s</username><password>pw</password></query></iq>", user)
	if r, err := c.Expect(rawxmpp.ID("r")); err != nil || r.SelectAttrValue("type", "") != "result" {
		tb.Fatalf("registering %s: %v %s", user, err, rawxmpp.Describe(r))
	}
}

// makeContacts registers owner and n contacts (contact0000…), logs the
// contacts in (resource "r", initial presence sent) and subscribes each
// and owner to the other, by protocol, waiting until owner's roster lists
// every contact with subscription both. Each contact's stream is read by
// a goroutine of its own for the rest of the test, which hands every
// stanza after the set-up to handle (i is the contact's index); handle
// runs on that goroutine and must not block for long.
func makeContacts(tb testing.TB, srv *server, owner string, n int, handle func(i int, el *etree.Element)) []*rawxmpp.Client {
	tb.Helper()
	register(tb, srv, owner)
	setup, _, err := rawxmpp.Login(srv.starttls, "localhost", owner, "pw", "setup")
	if err != nil {
		tb.Fatal(err)
	}
	defer setup.Conn.Close()
	clients := make([]*rawxmpp.Client, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 16)
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			user := fmt.Sprintf("contact%04d", i)
			register(tb, srv, user)
			c, _, err := rawxmpp.Login(srv.starttls, "localhost", user, "pw", "r")
			if err != nil {
				tb.Error(err)
				return
			}
			c.Timeout = time.Hour
			clients[i] = c
		}()
	}
	wg.Wait()
	if tb.Failed() {
		tb.FailNow()
	}
	tb.Cleanup(func() {
		for _, c := range clients {
			c.Conn.Close()
		}
	})
	// The owner's set-up session approves every request and asks back.
	go func() {
		for {
			el, err := setup.Next()
			if err != nil {
				return
			}
			if el.Tag == "presence" && el.SelectAttrValue("type", "") == "subscribe" {
				from := el.SelectAttrValue("from", "")
				setup.Sendf("<presence to='%s' type='subscribed'/><presence to='%s' type='subscribe'/>", from, from)
			}
		}
	}()
	ownerBare := owner + "@localhost"
	for i, c := range clients {
		go func() {
			for {
				el, err := c.Next()
				if err != nil {
					return
				}
				if el.Tag == "presence" && el.SelectAttrValue("type", "") == "subscribe" {
					c.Sendf("<presence to='%s' type='subscribed'/>", ownerBare)
					continue
				}
				handle(i, el)
			}
		}()
		c.Sendf("<presence to='%s' type='subscribe'/>", ownerBare)
	}
	// The last 'subscribed' must have reached the owner's roster.
	deadline := time.Now().Add(3 * time.Minute)
	for {
		c, _, err := rawxmpp.Login(srv.starttls, "localhost", owner, "pw", "check")
		if err != nil {
			tb.Fatal(err)
		}
		c.Send("<iq type='get' id='ro'><query xmlns='jabber:iq:roster'/></iq>")
		r, err := c.Expect(rawxmpp.ID("ro"))
		c.Conn.Close()
		if err != nil {
			tb.Fatal(err)
		}
		if both(r) == n {
			return clients
		}
		if time.Now().After(deadline) {
			tb.Fatalf("%s's roster has %d of %d contacts with subscription both", owner, both(r), n)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// both counts the roster items with subscription both.
func both(roster *etree.Element) int {
	n := 0
	for _, it := range roster.FindElements("query/item") {
		if it.SelectAttrValue("subscription", "") == "both" {
			n++
		}
	}
	return n
}
