package mam

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/hashicorp/go-hclog"

	"github.com/switchboard-xmpp/switchboard/sdk"
	"github.com/switchboard-xmpp/switchboard/sdk/sdktest"
	"github.com/switchboard-xmpp/switchboard/sdk/stanzaid"
)

const (
	juliet     = "juliet@localhost"
	julietFull = "juliet@localhost/balcony"
	romeo      = "romeo@localhost"
	romeoFull  = "romeo@localhost/orchard"
	nurse      = "nurse@localhost"
)

// t0 is when the first test message is archived.
var t0 = time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)

// fixture is a plugin under test with a fake roster.
type fixture struct {
	t *testing.T
	m *MAM
	h *sdktest.Harness

	mu     sync.Mutex
	roster map[string][]string // owner → contacts

	// legacyIDs archives the tests' ids ("j-3") as they are, like the
	// stanza-ids of an archive from before ids carried their time, which
	// are found through their i/ record. Otherwise each id gets the time
	// of its message in front, as the core's ids do ("<time>-j-3"), and
	// the fixture translates: queries name and results show "j-3".
	legacyIDs  bool
	stampedIDs map[string]string // test id → the id archived
	// oneByOne hands the core's batches over a message at a time, so that
	// each index record by peer holds one message, as every record did
	// before records were grouped.
	oneByOne bool
}

// newLegacyFixture is newFixture archiving ids that carry no time.
func newLegacyFixture(t *testing.T, cfg map[string]any) *fixture {
	f := newFixture(t, cfg)
	f.legacyIDs = true
	return f
}

// newSmallGroupsFixture is newFixture with at most two messages in a
// record of the index by peer, so that a conversation spans many.
func newSmallGroupsFixture(t *testing.T, cfg map[string]any) *fixture {
	f := newFixture(t, cfg)
	f.m.groupMax = 2
	return f
}

// newOneByOneFixture is newFixture with a record of the index by peer per
// message.
func newOneByOneFixture(t *testing.T, cfg map[string]any) *fixture {
	f := newFixture(t, cfg)
	f.oneByOne = true
	return f
}

// fixtureKinds are the kinds of archive a test of queries runs over.
var fixtureKinds = []struct {
	name string
	new  func(*testing.T, map[string]any) *fixture
}{
	{"stamped ids", newFixture},
	{"legacy ids", newLegacyFixture},
	{"groups of two", newSmallGroupsFixture},
	{"a message a batch", newOneByOneFixture},
}

// stamped is the id the core would have given the test id at at.
func stamped(id string, at time.Time) string { return stanzaid.Format(at.UnixNano(), id) }

// unstamped is the test id in a stamped one.
func unstamped(id string) string {
	if _, ok := stanzaid.Time(id); ok {
		return id[strings.IndexByte(id, '-')+1:]
	}
	return id
}

// testIDText is a test id as the text of an element of a query.
var testIDText = regexp.MustCompile(`>([a-z]-[0-9]+)<`)

func newFixture(t *testing.T, cfg map[string]any) *fixture {
	t.Helper()
	f := &fixture{t: t, m: New(), roster: map[string][]string{}}
	f.h = sdktest.New(t, f.m, sdktest.Options{Config: cfg, Logger: hclog.NewNullLogger()})
	f.h.Provide("roster", "items", func(_ context.Context, _ string, owner []byte) ([]byte, error) {
		f.mu.Lock()
		defer f.mu.Unlock()
		type item struct {
			JID          string `json:"jid"`
			Subscription string `json:"subscription"`
		}
		out := struct {
			Ver   string `json:"ver"`
			Items []item `json:"items"`
		}{Ver: "1", Items: []item{}}
		for _, c := range f.roster[string(owner)] {
			out.Items = append(out.Items, item{JID: c, Subscription: "both"})
		}
		return json.Marshal(out)
	})
	return f
}

// msg is one message as the core records it.
type msg struct {
	owner, id, with string
	outgoing        bool
	at              time.Time
	stanza          string
}

// chat builds the two copies the core records of a message between two
// local users, as Record does: the sender's (outgoing) and the
// recipient's (incoming), each with its own stanza-id, the first letter
// of the owner and n ("j-3" in Juliet's archive, "r-3" in Romeo's).
func chat(from, to, body string, at time.Time, n int) []msg {
	s := fmt.Sprintf("<message type='chat' to='%s' id='c%d' from='%s'><body>%s</body></message>", bareOf(to), n, from, body)
	sentID := idOf(from, n)
	if bareOf(from) == bareOf(to) {
		sentID = fmt.Sprintf("s-%d", n) // the core gives each copy of a note to self its own id
	}
	return []msg{
		{owner: bareOf(from), id: sentID, with: bareOf(to), outgoing: true, at: at, stanza: s},
		{owner: bareOf(to), id: idOf(to, n), with: bareOf(from), at: at, stanza: s},
	}
}

func idOf(owner string, n int) string { return fmt.Sprintf("%c-%d", owner[0], n) }

func (f *fixture) observe(msgs ...msg) {
	f.t.Helper()
	var b sdk.ObservedBatch
	for _, m := range msgs {
		if !f.legacyIDs {
			f.mu.Lock()
			if f.stampedIDs == nil {
				f.stampedIDs = map[string]string{}
			}
			m.id = stamped(m.id, m.at)
			f.stampedIDs[unstamped(m.id)] = m.id
			f.mu.Unlock()
		}
		b.Messages = append(b.Messages, sdk.ObservedMessage{
			Owner: m.owner, StanzaID: m.id, With: m.with, Outgoing: m.outgoing, Time: m.at, Stanza: []byte(m.stanza),
		})
	}
	if !f.oneByOne {
		if err := f.h.Observe(b); err != nil {
			f.t.Fatalf("observe: %v", err)
		}
		return
	}
	for _, m := range b.Messages {
		if err := f.h.Observe(sdk.ObservedBatch{Messages: []sdk.ObservedMessage{m}}); err != nil {
			f.t.Fatalf("observe: %v", err)
		}
	}
}

// indexed lists the entries of an owner's index by peer, in key order,
// as "<with> <test id>".
func (f *fixture) indexed(owner string) []string {
	f.t.Helper()
	kvs, err := f.h.Store(owner).Scan(context.Background(), withPrefix, "", 0, false)
	if err != nil {
		f.t.Fatal(err)
	}
	var out []string
	for _, kv := range kvs {
		entries := parseGroup(kv.Key, kv.Value)
		if len(entries) == 0 {
			f.t.Errorf("unreadable record of the index by peer: %q = %q", kv.Key, kv.Value)
		}
		for _, e := range entries {
			out = append(out, e.with+" "+unstamped(e.id))
		}
	}
	return out
}

// conversation archives n messages between Romeo and Juliet, alternating,
// one a minute from t0; Juliet's archive gets ids j-0 … j-(n-1).
func (f *fixture) conversation(n int) {
	f.t.Helper()
	var all []msg
	for i := range n {
		from, to := romeoFull, julietFull
		if i%2 == 1 {
			from, to = julietFull, romeoFull
		}
		all = append(all, chat(from, to, fmt.Sprintf("line %d", i), t0.Add(time.Duration(i)*time.Minute), i)...)
	}
	f.observe(all...)
}

// outcome is what a query produced.
type outcome struct {
	ids      []string // the result ids, in the order sent
	first    string
	last     string
	complete bool
	err      string // the stanza error condition, if any
	sent     []*etree.Element
	reply    *etree.Element
}

// query sends a MAM query with the given form fields and RSM elements,
// as jid.
func (f *fixture) query(from, fields, rsm string) outcome {
	f.t.Helper()
	form := ""
	if fields != "" {
		form = "<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE' type='hidden'><value>urn:xmpp:mam:2</value></field>" + fields + "</x>"
	}
	if rsm != "" {
		rsm = "<set xmlns='http://jabber.org/protocol/rsm'>" + rsm + "</set>"
	}
	return f.raw(from, "<iq type='set' id='q1'><query xmlns='urn:xmpp:mam:2' queryid='f27'>"+form+rsm+"</query></iq>")
}

func (f *fixture) raw(from, iq string) outcome {
	f.t.Helper()
	before := len(f.h.Sent())
	f.mu.Lock()
	iq = testIDText.ReplaceAllStringFunc(iq, func(text string) string {
		if id, ok := f.stampedIDs[text[1:len(text)-1]]; ok {
			return ">" + id + "<"
		}
		return text
	})
	f.mu.Unlock()
	r := f.h.Handle(iq, from)
	var o outcome
	o.sent = f.h.Sent()[before:]
	for _, s := range o.sent {
		if res := s.FindElement("result"); res != nil {
			o.ids = append(o.ids, unstamped(res.SelectAttrValue("id", "")))
		}
	}
	if r.Err != nil {
		o.err = string(r.Err.Condition)
		return o
	}
	if len(r.Replies) != 1 {
		f.t.Fatalf("%d replies to %s", len(r.Replies), iq)
	}
	o.reply = r.Replies[0]
	if fin := o.reply.FindElement("fin"); fin != nil {
		o.complete = fin.SelectAttrValue("complete", "") == "true"
		if e := fin.FindElement("set/first"); e != nil {
			o.first = unstamped(e.Text())
		}
		if e := fin.FindElement("set/last"); e != nil {
			o.last = unstamped(e.Text())
		}
	}
	return o
}

// ids returns Juliet's ids j-a … j-b, inclusive.
func ids(a, b int) []string {
	var out []string
	for i := a; i <= b; i++ {
		out = append(out, idOf(juliet, i))
	}
	return out
}

func field(name, value string) string {
	return "<field var='" + name + "'><value>" + value + "</value></field>"
}

// keys lists an owner's keys with a prefix.
func (f *fixture) keys(owner, prefix string) []string {
	f.t.Helper()
	kvs, err := f.h.Store(owner).Scan(context.Background(), prefix, "", 0, false)
	if err != nil {
		f.t.Fatal(err)
	}
	var out []string
	for _, kv := range kvs {
		out = append(out, kv.Key)
	}
	return out
}

func stampOf(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// xmlOf writes an element on one line.
func xmlOf(el *etree.Element) string {
	if el == nil {
		return "<nil>"
	}
	var b strings.Builder
	el.WriteTo(&b, &etree.WriteSettings{})
	return b.String()
}
