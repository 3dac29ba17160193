package e2e

import (
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
	srv := crowdServer(b, "")
	// Each contact reports alice's available presence on seen.
	seen := make(chan int, contacts)
	makeContacts(b, srv, "alice", contacts, func(i int, el *etree.Element) {
		if el.Tag == "presence" && el.SelectAttrValue("type", "") == "" && el.SelectAttrValue("from", "") == "alice@localhost/bench" {
			seen <- i
		}
	})

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
