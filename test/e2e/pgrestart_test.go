package e2e

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-xmpp/switchboard/core/storage/postgres/pgtest"
	"github.com/switchboard-xmpp/switchboard/test/rawxmpp"
)

// restartTraffic is alice's side of TestPostgresRestartUnderTraffic: in
// rounds, a message to offline bob and a roster item, each either
// acknowledged (the message stored with no error, the roster set
// answered with a result) or refused with an error.
type restartTraffic struct {
	mu       sync.Mutex
	cond     *sync.Cond
	rounds   int
	failures int   // rounds with an error in them
	streak   int   // rounds in a row without one, up to now
	accepted []int // rounds whose message was stored
	added    []int // rounds whose roster item was stored
	err      error
	lastErr  string // the last error stanza, for the failure message
}

// round sends round i's stanzas and waits for their outcome. A ping to
// bob's bare JID follows the message: stanzas from one stream to one
// entity are handled in order (RFC 6120 §10.1), so an error for the
// message comes before the ping's answer.
func (r *restartTraffic) round(c *rawxmpp.Client, i int) error {
	c.Sendf("<message to='bob@localhost' type='chat' id='m%d'><body>m%d</body></message>", i, i)
	c.Sendf("<iq type='set' id='r%d'><query xmlns='jabber:iq:roster'><item jid='c%d@localhost'/></query></iq>", i, i)
	c.Sendf("<iq type='get' to='bob@localhost' id='p%d'><ping xmlns='urn:xmpp:ping'/></iq>", i)
	stored, added, pinged, rostered := true, false, false, false
	var refusal string
	for !pinged || !rostered {
		el, err := c.Next()
		if err != nil {
			return fmt.Errorf("round %d: %w", i, err)
		}
		switch el.SelectAttrValue("id", "") {
		case fmt.Sprintf("m%d", i):
			stored = el.SelectAttrValue("type", "") != "error"
		case fmt.Sprintf("r%d", i):
			rostered, added = true, el.SelectAttrValue("type", "") == "result"
		}
		if id := el.SelectAttrValue("id", ""); el.SelectAttrValue("type", "") == "error" && id != fmt.Sprintf("p%d", i) {
			refusal = rawxmpp.Describe(el)
		}
		switch el.SelectAttrValue("id", "") {
		case fmt.Sprintf("p%d", i):
			pinged = true
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.rounds++
	if refusal != "" {
		r.lastErr = refusal
	}
	if stored {
		r.accepted = append(r.accepted, i)
	}
	if added {
		r.added = append(r.added, i)
	}
	if stored && added {
		r.streak++
	} else {
		r.failures++
		r.streak = 0
	}
	r.cond.Broadcast()
	return nil
}

// waitFor waits until cond holds of the counts, or the traffic stopped.
func (r *restartTraffic) waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	timer := time.AfterFunc(2*time.Minute, func() {
		r.mu.Lock()
		r.err = fmt.Errorf("timed out waiting for %s", what)
		r.cond.Broadcast()
		r.mu.Unlock()
	})
	defer timer.Stop()
	r.mu.Lock()
	defer r.mu.Unlock()
	for !cond() && r.err == nil {
		r.cond.Wait()
	}
	if r.err != nil {
		t.Fatalf("waiting for %s after %d rounds (%d with errors, the last %s): %v", what, r.rounds, r.failures, r.lastErr, r.err)
	}
}

// TestPostgresRestartUnderTraffic restarts the PostgreSQL server under a
// running switchboard while alice keeps writing: messages to bob, who is
// offline (offline storage, and bob's archive), and roster items. While
// the database is down they get errors; nothing acknowledged is lost (bob
// receives every stored message, each under a stanza-id that his archive
// holds, and alice's roster has every item she was told was added); and
// once the database is back the same sessions work again, with no restart
// of switchboard.
func TestPostgresRestartUnderTraffic(t *testing.T) {
	cluster := pgtest.NewCluster(t)
	dir := t.TempDir()
	env := append(slices.Clone(cluster.Env()), "SWITCHBOARD_STORAGE_DRIVER=postgres", "SWITCHBOARD_STORAGE_DSN=")
	for _, u := range []string{"alice", "bob"} {
		if out, err := run(t, dir, env, "", "user", "add", u+"@localhost", "--password", "pw"); err != nil {
			t.Fatalf("user add: %v %s", err, out)
		}
	}
	srv := startServer(t, dir, env)
	srv.waitLog("server started")
	defer func() {
		if t.Failed() {
			t.Log(srv.logText())
		}
	}()
	alice, _ := login(t, srv, "alice", "a")
	alice.Timeout = time.Minute

	traffic := &restartTraffic{}
	traffic.cond = sync.NewCond(&traffic.mu)
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		// Paced, so that the roster (at most 1000 items) and bob's
		// offline store keep room for every round of the test.
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			if err := traffic.round(alice, i); err != nil {
				traffic.mu.Lock()
				traffic.err = err
				traffic.cond.Broadcast()
				traffic.mu.Unlock()
				return
			}
		}
	}()
	traffic.waitFor(t, "rounds before the restart", func() bool { return traffic.streak >= 10 })
	if err := cluster.Stop(t.Context()); err != nil {
		t.Fatal(err)
	}
	traffic.waitFor(t, "errors while the database is down", func() bool { return traffic.failures >= 3 })
	if err := cluster.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	traffic.waitFor(t, "rounds without an error after the restart", func() bool { return traffic.streak >= 10 })
	close(stop)
	<-done

	traffic.mu.Lock()
	accepted, added, rounds, failures := traffic.accepted, traffic.added, traffic.rounds, traffic.failures
	traffic.mu.Unlock()
	t.Logf("%d rounds, %d with an error; %d messages and %d roster items acknowledged", rounds, failures, len(accepted), len(added))

	r := iq(t, alice, "roster", "<iq type='get' id='roster'><query xmlns='jabber:iq:roster'/></iq>")
	for _, i := range added {
		jid := fmt.Sprintf("c%d@localhost", i)
		if r.FindElement(fmt.Sprintf("query/item[@jid='%s']", jid)) == nil {
			t.Errorf("roster item %s was acknowledged but is not in the roster", jid)
		}
	}

	bob, _ := login(t, srv, "bob", "b")
	bob.Timeout = 30 * time.Second
	bob.Send("<presence/>")
	ids := map[int]string{} // round → stanza-id of bob's copy
	for len(ids) < len(accepted) {
		el, err := bob.Next()
		if err != nil {
			t.Fatalf("bob got %d of the %d stored messages: %v", len(ids), len(accepted), err)
		}
		var i int
		if _, err := fmt.Sscanf(el.SelectAttrValue("id", ""), "m%d", &i); el.Tag != "message" || err != nil {
			continue
		}
		if !slices.Contains(accepted, i) {
			continue // refused with an error, yet stored: a retry that may be lost is reported, not hidden
		}
		ids[i] = stanzaIDOf(el, "bob@localhost")
	}
	archived, _ := archiveIDs(t, bob, "q", "<set xmlns='http://jabber.org/protocol/rsm'><max>250</max></set>")
	if len(archived) >= 250 {
		t.Fatalf("bob's archive has more than a page of messages")
	}
	for i, id := range ids {
		if id == "" || !slices.Contains(archived, id) {
			t.Errorf("message m%d reached bob with stanza-id %q, which his archive does not hold", i, id)
		}
	}
}
