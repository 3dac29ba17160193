package e2e

import (
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/test/rawxmpp"
)

// pluginPID returns the process id of the named plugin of srv.
func pluginPID(t *testing.T, srv *server, name string) int {
	t.Helper()
	pid, ok := pluginProcesses(t, srv.cmd.Process.Pid)[name]
	if !ok {
		t.Fatalf("no %s plugin process", name)
	}
	return pid
}

// procStatus returns a kB field of /proc/PID/status (VmRSS, VmHWM).
func procStatus(t *testing.T, pid int, field string) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(field + `:\s+(\d+) kB`).FindSubmatch(b)
	if m == nil {
		t.Fatalf("no %s in /proc/%d/status", field, pid)
	}
	kb, _ := strconv.ParseInt(string(m[1]), 10, 64)
	return kb << 10
}

// fanout is what the contacts saw of alice's resources.
type fanout struct {
	mu       sync.Mutex
	received []int64             // presences from alice, per contact
	latest   []map[string]string // per contact: alice's resource → status
	changed  chan struct{}
	pongs    chan int // contacts that answered the ping 'alive'
}

func newFanout(n int) *fanout {
	f := &fanout{received: make([]int64, n), latest: make([]map[string]string, n), changed: make(chan struct{}, 1), pongs: make(chan int, n)}
	for i := range f.latest {
		f.latest[i] = map[string]string{}
	}
	return f
}

func (f *fanout) handle(i int, el *etree.Element) {
	if el.Tag == "iq" && el.SelectAttrValue("id", "") == "alive" {
		f.pongs <- i
		return
	}
	from := el.SelectAttrValue("from", "")
	if el.Tag != "presence" || !strings.HasPrefix(from, "alice@localhost/") {
		return
	}
	status := ""
	if s := el.SelectElement("status"); s != nil {
		status = s.Text()
	}
	f.mu.Lock()
	f.received[i]++
	f.latest[i][strings.TrimPrefix(from, "alice@localhost/")] = status
	f.mu.Unlock()
	select {
	case f.changed <- struct{}{}:
	default:
	}
}

// least is the fewest presences from alice a contact got.
func (f *fanout) least() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	least := int64(1) << 62
	for _, n := range f.received {
		least = min(least, n)
	}
	return int(least)
}

// behind counts the contacts that do not have status from every one of
// resources as alice's latest presence.
func (f *fanout) behind(resources []string, status string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, l := range f.latest {
		for _, r := range resources {
			if l[r] != status {
				n++
				break
			}
		}
	}
	return n
}

// TestThousandContacts: alice has 1 000 contacts (200 under -short), online
// and subscribed both ways, and is online on 5 resources.
func TestThousandContacts(t *testing.T) {
	contacts := 1000
	if testing.Short() {
		contacts = 200
	}
	const resources = 5
	srv := crowdServer(t, "debug:\n  pprof: 127.0.0.1:0\n")
	pprofAddr := srv.waitLog("pprof enabled")["addr"].(string)
	f := newFanout(contacts)
	start := time.Now()
	clients := makeContacts(t, srv, "alice", contacts, f.handle)
	t.Logf("set-up of %d contacts: %v", contacts, time.Since(start))

	var names []string
	var alice []*rawxmpp.Client
	pushes := make([]*pushCount, resources)
	for k := range resources {
		name := fmt.Sprintf("res%d", k)
		c, _ := login(t, srv, "alice", name)
		c.Timeout = time.Hour
		// A roster get makes the resource one that roster pushes go to.
		c.Send("<iq type='get' id='roster'><query xmlns='jabber:iq:roster'/></iq>")
		pushes[k] = &pushCount{names: map[string]string{}, changed: make(chan struct{}, 1), gotRoster: make(chan struct{})}
		go pushes[k].read(c)
		names = append(names, name)
		alice = append(alice, c)
	}
	for _, p := range pushes {
		select {
		case <-p.gotRoster:
		case <-time.After(time.Minute):
			t.Fatal("a roster get went unanswered for a minute")
		}
	}

	t.Run("presence fan-out", func(t *testing.T) {
		// Each resource writes its changes as fast as it can. The server
		// reads a stream no further while its broadcast is out, so what
		// waits is in the socket's buffers, not the server's memory.
		const changes = 20
		heap0, _ := coreMemory(t, srv, pprofAddr)
		pid := pluginPID(t, srv, "presence")
		rss0 := procStatus(t, pid, "VmRSS")
		start := time.Now()
		for k, c := range alice {
			go func() {
				for j := range changes {
					c.Sendf("<presence><show>away</show><status>%d-%d</status></presence>", k, j)
				}
				c.Send("<presence><status>final</status></presence>")
			}()
		}
		for deadline := time.After(5 * time.Minute); f.behind(names, "final") > 0; {
			select {
			case <-f.changed:
			case <-deadline:
				t.Fatalf("%d contacts do not have alice's latest presence from every resource", f.behind(names, "final"))
			}
		}
		took := time.Since(start)
		heap1, hwm := coreMemory(t, srv, pprofAddr)
		rss1, phwm := procStatus(t, pid, "VmRSS"), procStatus(t, pid, "VmHWM")
		least := f.least()
		t.Logf("%d presence changes (%d resources x %d) to %d contacts: all had the last ones after %v, each contact got at least %d presences from alice",
			resources*(changes+1), resources, changes+1, contacts, took, least)
		t.Logf("core heap in use %.1f -> %.1f MiB, core peak RSS %.1f MiB; presence plugin RSS %.1f -> %.1f MiB, peak %.1f MiB",
			mib(heap0), mib(heap1), mib(hwm), mib(rss0), mib(rss1), mib(phwm))
		if least < resources*(changes+1) {
			t.Errorf("a contact got %d presences from alice, fewer than the %d changes", least, resources*(changes+1))
		}
		// Had the server taken every change in at once, the broadcasts
		// waiting would hold a copy of the presence per recipient, far
		// over this bound. Reading each stream one broadcast at a time
		// holds a few.
		if grown := heap1 - heap0; grown > 32<<20 {
			t.Errorf("the core's heap grew by %.1f MiB during the fan-out", mib(grown))
		}
		if grown := rss1 - rss0; grown > 32<<20 {
			t.Errorf("the presence plugin's RSS grew by %.1f MiB during the fan-out", mib(grown))
		}
	})

	t.Run("roster pushes", func(t *testing.T) {
		// One resource renames contacts in a loop; every resource gets
		// every push, in order, so each ends with the last names.
		const edits = 200
		pid := pluginPID(t, srv, "roster")
		rss0 := procStatus(t, pid, "VmRSS")
		before := make([]int, resources)
		for k, p := range pushes {
			before[k] = p.count()
		}
		start := time.Now()
		// As a client does, at most a window of edits unanswered: past
		// limits.max_in_flight the server refuses requests (resource-
		// constraint), and a client waits for answers rather than flood.
		// Each edit is a barrier, and the answer to each push this
		// resource gets waits its turn behind the edits sent before it:
		// a window of W edits holds up to 2W stanzas, so W is half the
		// default limit's 32 and less (16 saturated it, and under heavy
		// load one edit in 200 was refused).
		const window = 12
		for j := range edits {
			if j >= window {
				for deadline := time.After(2 * time.Minute); pushes[0].answered() < j-window+1; {
					select {
					case <-pushes[0].changed:
					case <-deadline:
						t.Fatalf("edit %d: no answer to the edits before it", j)
					}
				}
			}
			alice[0].Sendf("<iq type='set' id='edit%d'><query xmlns='jabber:iq:roster'><item jid='contact%04d@localhost' name='name-%d'/></query></iq>", j, j%contacts, j)
		}
		last := fmt.Sprintf("contact%04d@localhost", (edits-1)%contacts)
		for k, p := range pushes {
			for deadline := time.After(2 * time.Minute); p.name(last) != fmt.Sprintf("name-%d", edits-1); {
				select {
				case <-p.changed:
				case <-deadline:
					t.Fatalf("res%d did not get the last push: it got %d", k, p.count()-before[k])
				}
			}
		}
		took := time.Since(start)
		rss1 := procStatus(t, pid, "VmRSS")
		for k, p := range pushes {
			if got := p.count() - before[k]; got != edits {
				t.Errorf("res%d got %d roster pushes for %d edits", k, got, edits)
			}
		}
		if refused := pushes[0].refusedEdits(); refused > 0 {
			t.Errorf("%d edits were refused, the first with %s", refused, pushes[0].refusal)
		}
		t.Logf("%d roster edits of a %d-item roster pushed to %d resources in %v; roster plugin RSS %.1f -> %.1f MiB",
			edits, contacts, resources, took, mib(rss0), mib(rss1))
		if grown := rss1 - rss0; grown > 32<<20 {
			t.Errorf("the roster plugin's RSS grew by %.1f MiB during the edits", mib(grown))
		}
	})

	// The contacts are all still connected: each answers a ping.
	for _, c := range clients {
		c.Send("<iq type='get' to='localhost' id='alive'><ping xmlns='urn:xmpp:ping'/></iq>")
	}
	for range clients {
		select {
		case <-f.pongs:
		case <-time.After(time.Minute):
			t.Fatal("a contact's ping went unanswered: its stream was closed")
		}
	}
}

// pushCount reads one of alice's streams: it answers roster pushes and
// keeps the names they carried.
type pushCount struct {
	mu        sync.Mutex
	pushes    int
	edits     int    // answers to this resource's own edits
	refused   int    // of which errors
	refusal   string // the first of them
	names     map[string]string
	changed   chan struct{}
	gotRoster chan struct{}
}

func (p *pushCount) read(c *rawxmpp.Client) {
	for {
		el, err := c.Next()
		if err != nil {
			return
		}
		if el.Tag != "iq" {
			continue
		}
		if el.SelectAttrValue("id", "") == "roster" {
			close(p.gotRoster)
			continue
		}
		if typ := el.SelectAttrValue("type", ""); strings.HasPrefix(el.SelectAttrValue("id", ""), "edit") && (typ == "result" || typ == "error") {
			p.mu.Lock()
			p.edits++
			if typ == "error" {
				if p.refused++; p.refusal == "" {
					p.refusal = rawxmpp.Describe(el)
				}
			}
			p.mu.Unlock()
			select {
			case p.changed <- struct{}{}:
			default:
			}
			continue
		}
		item := el.FindElement("query/item")
		if el.SelectAttrValue("type", "") != "set" || item == nil {
			continue
		}
		c.Sendf("<iq type='result' id='%s'/>", el.SelectAttrValue("id", ""))
		p.mu.Lock()
		p.pushes++
		p.names[item.SelectAttrValue("jid", "")] = item.SelectAttrValue("name", "")
		p.mu.Unlock()
		select {
		case p.changed <- struct{}{}:
		default:
		}
	}
}

func (p *pushCount) answered() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.edits
}

func (p *pushCount) refusedEdits() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.refused
}

func (p *pushCount) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.pushes
}

func (p *pushCount) name(jid string) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.names[jid]
}
