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

// BenchmarkLoginWith500Contacts is a user with 500 contacts, all online and
// subscribed both ways, logging in to the real server with its built-in
// plugins: STARTTLS, SASL, bind and the roster get (login_to_roster_ms:
// from connecting to the 500-item roster received), then initial presence
// (fanout_ms: from sending it to the last of the 500 contacts receiving
// it). Setting the contacts up takes a while; each iteration is one login.
//
//	go test ./test/e2e -run '^$' -bench LoginWith500Contacts -benchtime 10x
func BenchmarkLoginWith500Contacts(b *testing.B) {
	const contacts = 500
	dir := b.TempDir()
	cfg := filepath.Join(dir, "switchboard.yaml")
	os.WriteFile(cfg, []byte("log:\n  level: info\nplugins:\n  register:\n    config:\n      allow_registration: true\n      registrations_per_address: 0\n"), 0o644)
	srv := startServer(b, dir, []string{"SWITCHBOARD_LOG_LEVEL=info"}, "--config", cfg)
	srv.waitLog("server started")

	register := func(user string) {
		c, err := rawxmpp.Dial(srv.starttls)
		if err != nil {
			b.Fatal(err)
		}
		defer c.Conn.Close()
		c.OpenStream("localhost")
		if err := c.StartTLS("localhost"); err != nil {
			b.Fatal(err)
		}
		c.Sendf("<iq type='set' id='r'><query xmlns='jabber:iq:register'><username>%s</username><password>pw</password></query></iq>", user)
		if r, err := c.Expect(rawxmpp.ID("r")); err != nil || r.SelectAttrValue("type", "") != "result" {
			b.Fatalf("registering %s: %v %s", user, err, rawxmpp.Describe(r))
		}
	}
	register("alice")
	setup, _, err := rawxmpp.Login(srv.starttls, "localhost", "alice", "pw", "setup")
	if err != nil {
		b.Fatal(err)
	}

	// The contacts: registered, online, and subscribed both ways with
	// alice. Each reads its stream for the rest of the benchmark and
	// reports alice's available presence on seen.
	seen := make(chan string, contacts)
	clients := make([]*rawxmpp.Client, contacts)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 16)
	for i := range contacts {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			user := fmt.Sprintf("contact%03d", i)
			register(user)
			c, _, err := rawxmpp.Login(srv.starttls, "localhost", user, "pw", "r")
			if err != nil {
				b.Error(err)
				return
			}
			c.Timeout = time.Hour
			clients[i] = c
		}()
	}
	wg.Wait()
	if b.Failed() {
		b.FailNow()
	}
	b.Cleanup(func() {
		for _, c := range clients {
			c.Conn.Close()
		}
	})
	// alice's setup session approves every request and asks back.
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
	subscribed := make(chan struct{}, contacts)
	for i, c := range clients {
		go func() {
			for {
				el, err := c.Next()
				if err != nil {
					return
				}
				switch {
				case el.Tag == "presence" && el.SelectAttrValue("type", "") == "subscribe":
					c.Send("<presence to='alice@localhost' type='subscribed'/>")
					subscribed <- struct{}{}
				case el.Tag == "presence" && el.SelectAttrValue("type", "") == "" && el.SelectAttrValue("from", "") == "alice@localhost/bench":
					seen <- fmt.Sprint(i)
				}
			}
		}()
		c.Send("<presence to='alice@localhost' type='subscribe'/>")
	}
	deadline := time.After(2 * time.Minute)
	for range contacts {
		select {
		case <-subscribed:
		case <-deadline:
			b.Fatal("the contacts' subscriptions were not all set up within 2 minutes")
		}
	}
	// The last 'subscribed' must have reached alice's roster: wait until
	// her roster lists every contact with subscription both.
	for {
		c, _, err := rawxmpp.Login(srv.starttls, "localhost", "alice", "pw", "check")
		if err != nil {
			b.Fatal(err)
		}
		c.Send("<iq type='get' id='ro'><query xmlns='jabber:iq:roster'/></iq>")
		r, err := c.Expect(rawxmpp.ID("ro"))
		c.Conn.Close()
		if err != nil {
			b.Fatal(err)
		}
		if both(r) == contacts {
			break
		}
		select {
		case <-deadline:
			b.Fatalf("alice's roster has %d of %d contacts with subscription both", both(r), contacts)
		case <-time.After(100 * time.Millisecond):
		}
	}

	var toRoster, fanout time.Duration
	for b.Loop() {
		start := time.Now()
		c, err := rawxmpp.Dial(srv.starttls)
		if err != nil {
			b.Fatal(err)
		}
		c.OpenStream("localhost")
		if err := c.StartTLS("localhost"); err != nil {
			b.Fatal(err)
		}
		if err := c.AuthPlain("localhost", "alice", "pw"); err != nil {
			b.Fatal(err)
		}
		if _, err := c.Bind("bench"); err != nil {
			b.Fatal(err)
		}
		c.Send("<iq type='get' id='roster'><query xmlns='jabber:iq:roster'/></iq>")
		r, err := c.Expect(rawxmpp.ID("roster"))
		if err != nil || len(r.FindElements("query/item")) != contacts {
			b.Fatalf("roster get: %v, %d items", err, len(r.FindElements("query/item")))
		}
		toRoster += time.Since(start)
		sent := time.Now()
		c.Send("<presence/>")
		for range contacts {
			select {
			case <-seen:
			case <-time.After(time.Minute):
				b.Fatal("not every contact received alice's presence within a minute")
			}
		}
		fanout += time.Since(sent)
		// alice reads what her login brought (the contacts' presence)
		// until her stream ends.
		c.Conn.Close()
	}
	b.ReportMetric(float64(toRoster.Microseconds())/1000/float64(b.N), "login_to_roster_ms")
	b.ReportMetric(float64(fanout.Microseconds())/1000/float64(b.N), "fanout_ms")
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
