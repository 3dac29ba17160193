package e2e

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/test/rawxmpp"
)

// TestChaosPluginKills kills every plugin process with SIGKILL three
// times while clients exchange messages and IQs, and checks
// docs/ARCHITECTURE.md rule 2: no session dropped, no message lost, every IQ answered (result
// or error), every plugin serving again within 2 s of its death.
func TestChaosPluginKills(t *testing.T) {
	if testing.Short() {
		t.Skip("soak test; -short skips soak tests only")
	}
	srv := featureServer(t)
	sender, _ := login(t, srv, "alice", "messages")
	asker, _ := login(t, srv, "alice", "iqs")
	bob, bobJID := login(t, srv, "bob", "b")

	const messages = 3000
	stop := make(chan struct{})
	var wg sync.WaitGroup

	// alice/messages writes to bob steadily; bob counts what arrives.
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < messages; i++ {
			sender.Sendf("<message to='%s' type='chat' id='c%d'><body>%d</body></message>", bobJID, i, i)
			if i%100 == 99 {
				time.Sleep(20 * time.Millisecond) // spread the messages over the kills
			}
		}
	}()
	received := map[string]int{}
	recvDone := make(chan error, 1)
	go func() {
		for len(received) < messages {
			el, err := bob.Expect(func(el *etree.Element) bool { return el.Tag == "message" })
			if err != nil {
				recvDone <- err
				return
			}
			received[el.SelectAttrValue("id", "")]++
		}
		recvDone <- nil
	}()

	// alice/iqs asks the ping and roster plugins in turn, one at a time,
	// and notes what each answer was.
	answers := map[string]string{}
	iqDone := make(chan error, 1)
	go func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				iqDone <- nil
				return
			default:
			}
			id := fmt.Sprintf("q%d", i)
			if i%2 == 0 {
				asker.Sendf("<iq type='get' to='localhost' id='%s'><ping xmlns='urn:xmpp:ping'/></iq>", id)
			} else {
				asker.Sendf("<iq type='get' id='%s'><query xmlns='jabber:iq:roster'/></iq>", id)
			}
			el, err := asker.Expect(rawxmpp.ID(id))
			if err != nil {
				iqDone <- fmt.Errorf("IQ %s never answered: %w", id, err)
				return
			}
			answers[id] = el.SelectAttrValue("type", "")
		}
	}()

	// Kill every plugin three times, waiting for each to come back.
	var slowest time.Duration
	for round := 0; round < 3; round++ {
		procs := pluginProcesses(t, srv.cmd.Process.Pid)
		names := make([]string, 0, len(procs))
		for n := range procs {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, name := range names {
			killed := time.Now()
			syscall.Kill(procs[name], syscall.SIGKILL)
			for {
				now := pluginProcesses(t, srv.cmd.Process.Pid)[name]
				if now != 0 && now != procs[name] && srv.pluginRunning(name, killed) {
					break
				}
				if time.Since(killed) > 10*time.Second {
					t.Fatalf("plugin %s not back 10 s after SIGKILL", name)
				}
				time.Sleep(10 * time.Millisecond)
			}
			slowest = max(slowest, time.Since(killed))
		}
	}
	close(stop)
	if err := <-iqDone; err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if err := <-recvDone; err != nil {
		t.Fatalf("bob after %d of %d messages: %v", len(received), messages, err)
	}

	var lost, dup []string
	for i := 0; i < messages; i++ {
		switch n := received[fmt.Sprintf("c%d", i)]; {
		case n == 0:
			lost = append(lost, fmt.Sprint(i))
		case n > 1:
			dup = append(dup, fmt.Sprint(i))
		}
	}
	results, errs := 0, 0
	for _, typ := range answers {
		if typ == "result" {
			results++
		} else {
			errs++
		}
	}
	t.Logf("3 rounds of SIGKILL on every plugin: %d messages, %d lost, %d duplicated; %d IQs answered (%d results, %d errors); slowest plugin back after %v",
		messages, len(lost), len(dup), len(answers), results, errs, slowest.Round(time.Millisecond))
	if len(lost) > 0 || len(dup) > 0 {
		t.Errorf("lost %s; duplicated %s", strings.Join(lost, ","), strings.Join(dup, ","))
	}
	// Every client is still connected.
	for _, c := range []*rawxmpp.Client{sender, asker, bob} {
		c.Send("<iq type='set' id='alive'><session xmlns='urn:ietf:params:xml:ns:xmpp-session'/></iq>")
		if _, err := c.Expect(rawxmpp.ID("alive")); err != nil {
			t.Errorf("a session did not survive: %v", err)
		}
	}
}
