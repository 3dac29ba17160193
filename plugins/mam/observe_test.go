package mam

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/sdk"
)

// Messages keep the order they came in, whatever their times: several
// in one nanosecond, or a clock that stepped back.
func TestOrderOfArrival(t *testing.T) {
	f := newFixture(t, nil)
	times := []time.Time{t0, t0, t0.Add(-time.Hour), t0.Add(time.Second), t0.Add(time.Second)}
	var batch []msg
	for i, at := range times {
		batch = append(batch, chat(romeoFull, julietFull, "hi", at, i)...)
	}
	f.observe(batch[:4]...)
	f.observe(batch[4:]...)
	if o := f.query(julietFull, "", ""); !slices.Equal(o.ids, ids(0, 4)) {
		t.Errorf("results %q, want the order of arrival %q", o.ids, ids(0, 4))
	}
	if o := f.query(julietFull, field("with", romeo), "<max>2</max><before/>"); !slices.Equal(o.ids, ids(3, 4)) {
		t.Errorf("last page with romeo %q, want %q", o.ids, ids(3, 4))
	}
}

// Each archive gets its copy: the sender's outgoing one and the
// recipient's incoming one, under their own ids.
func TestBothSidesArchived(t *testing.T) {
	f := newFixture(t, nil)
	f.observe(chat(romeoFull, julietFull, "hi", t0, 0)...)
	if o := f.query(romeoFull, "", ""); !slices.Equal(o.ids, []string{"r-0"}) {
		t.Errorf("Romeo's archive %q, want [r-0]", o.ids)
	}
	if o := f.query(julietFull, field("with", romeo), ""); !slices.Equal(o.ids, []string{"j-0"}) {
		t.Errorf("Juliet's archive %q, want [j-0]", o.ids)
	}
}

// The forwarded message declares jabber:client whatever the namespace it
// was stored with, and loses a stanza-id that claims to be the archive's.
func TestForwardedMessage(t *testing.T) {
	tests := []struct {
		name, stored string
	}{
		{"inherited namespace", "<message type='chat' from='romeo@localhost/orchard' to='juliet@localhost'><body>hi</body></message>"},
		{"declared namespace", "<message xmlns='jabber:client' type='chat' from='romeo@localhost/orchard' to='juliet@localhost'><body>hi</body></message>"},
		{"server namespace", "<message xmlns='jabber:server' type='chat' from='romeo@localhost/orchard' to='juliet@localhost'><body>hi</body></message>"},
		{"forged stanza-id", "<message type='chat' from='romeo@localhost/orchard' to='juliet@localhost'><body>hi</body><stanza-id xmlns='urn:xmpp:sid:0' by='juliet@localhost' id='forged'/></message>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, nil)
			f.observe(msg{owner: juliet, id: "s1", with: romeo, at: t0, stanza: tt.stored})
			o := f.query(julietFull, "", "")
			if len(o.sent) != 1 {
				t.Fatalf("sent %d results, want 1", len(o.sent))
			}
			res := o.sent[0]
			if res.SelectAttrValue("from", "") != juliet || res.SelectAttrValue("to", "") != julietFull {
				t.Errorf("result from %q to %q", res.SelectAttrValue("from", ""), res.SelectAttrValue("to", ""))
			}
			r := res.SelectElement("result")
			if r.NamespaceURI() != NS || r.SelectAttrValue("queryid", "") != "f27" || unstamped(r.SelectAttrValue("id", "")) != "s1" {
				t.Errorf("result element %s", xmlOf(r))
			}
			d := r.FindElement("forwarded/delay")
			if d == nil || d.NamespaceURI() != nsDelay || d.SelectAttrValue("stamp", "") != "2026-11-25T10:00:00.000Z" {
				t.Errorf("delay %s", xmlOf(r))
			}
			inner := r.FindElement("forwarded/message")
			if inner == nil || inner.NamespaceURI() != nsClient || inner.SelectElement("body").NamespaceURI() != nsClient {
				t.Fatalf("forwarded message not in jabber:client: %s", xmlOf(r))
			}
			if strings.Contains(xmlOf(inner), "forged") {
				t.Errorf("the forged stanza-id was kept: %s", xmlOf(inner))
			}
		})
	}
}

// An unreadable stored message keeps its place: the result has no
// message in it (XEP-0313 §3.2) rather than a hole in the ids.
func TestUnreadableMessage(t *testing.T) {
	f := newFixture(t, nil)
	f.observe(msg{owner: juliet, id: "bad", with: romeo, at: t0, stanza: "<message><body>"})
	o := f.query(julietFull, "", "")
	if !slices.Equal(o.ids, []string{"bad"}) || o.sent[0].FindElement("result/forwarded/message") != nil {
		t.Errorf("results %q %v, want [bad] with no message", o.ids, o.sent)
	}
}

func TestQueryForm(t *testing.T) {
	f := newFixture(t, nil)
	o := f.raw(julietFull, "<iq type='get' id='form1'><query xmlns='urn:xmpp:mam:2'/></iq>")
	var vars []string
	for _, fl := range o.reply.FindElements("query/x/field") {
		vars = append(vars, fl.SelectAttrValue("var", ""))
	}
	want := []string{"FORM_TYPE", "with", "start", "end", "before-id", "after-id", "ids", "include-groupchat"}
	if !slices.Equal(vars, want) {
		t.Errorf("form fields %q, want %q", vars, want)
	}
}

func TestMetadata(t *testing.T) {
	f := newFixture(t, nil)
	get := "<iq type='get' id='m'><metadata xmlns='urn:xmpp:mam:2'/></iq>"
	if got := xmlOf(f.raw(julietFull, get).reply.SelectElement("metadata")); got != `<metadata xmlns="urn:xmpp:mam:2"/>` {
		t.Errorf("metadata of an empty archive: %s", got)
	}
	f.conversation(3)
	want := `<metadata xmlns="urn:xmpp:mam:2"><start id="` + f.stampedIDs["j-0"] + `" timestamp="2026-11-25T10:00:00.000Z"/><end id="` + f.stampedIDs["j-2"] + `" timestamp="2026-11-25T10:02:00.000Z"/></metadata>`
	if got := xmlOf(f.raw(julietFull, get).reply.SelectElement("metadata")); got != want {
		t.Errorf("metadata\n got %s\nwant %s", got, want)
	}
}

// A result the core refuses (a message at the size limit, wrapped) goes
// again without the message, so that paging gets past it.
func TestRefusedResult(t *testing.T) {
	m, host := newDirect(t)
	host.refuse = func(el *etree.Element) error {
		if strings.Contains(xmlOf(el), "huge") {
			return errors.New("stanza too large")
		}
		return nil
	}
	if err := m.observe(context.Background(), sdk.ObservedBatch{Messages: []sdk.ObservedMessage{{
		Owner: juliet, StanzaID: "s1", With: romeo, Time: t0,
		Stanza: []byte("<message type='chat' from='romeo@localhost/orchard'><body>huge</body></message>"),
	}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := m.handleIQ(context.Background(), request(t, rsmQuery(""))); err != nil {
		t.Fatalf("query: %v", err)
	}
	if host.sent.Load() != 1 || host.last.FindElement("result/forwarded/delay") == nil || host.last.FindElement("result/forwarded/message") != nil {
		t.Errorf("sent %d: %s, want the result without its message", host.sent.Load(), xmlOf(host.last))
	}
	host.refuse = func(*etree.Element) error { return errors.New("gone") }
	if _, err := m.handleIQ(context.Background(), request(t, rsmQuery(""))); err == nil {
		t.Error("a query whose results cannot be sent at all succeeded")
	}
}

// The core's ids carry their time, and an archive finds a message by its
// id through that time. Two messages of one account that the core stamped
// in one order and queued in the other keep the order they came in (a
// client that paged up to the first must still find the second after it),
// so the second is stored later than its id says and gets an index record.
func TestMessageStampedEarlierThanItsPredecessor(t *testing.T) {
	f := newFixture(t, nil)
	first := chat(romeoFull, julietFull, "first", t0.Add(2*time.Minute), 1)
	second := chat(nurse+"/kitchen", julietFull, "second", t0.Add(time.Minute), 2)
	f.observe(first...)
	f.observe(second...)
	if o := f.query(julietFull, "", ""); !slices.Equal(o.ids, []string{"j-1", "j-2"}) {
		t.Errorf("archive %q, want [j-1 j-2]: the order they came in", o.ids)
	}
	if o := f.query(julietFull, "", "<after>j-1</after>"); !slices.Equal(o.ids, []string{"j-2"}) || !o.complete {
		t.Errorf("after j-1: %q complete=%v, want [j-2]", o.ids, o.complete)
	}
	if o := f.query(julietFull, "", "<before>j-2</before>"); !slices.Equal(o.ids, []string{"j-1"}) {
		t.Errorf("before j-2: %q, want [j-1]", o.ids)
	}
	if o := f.query(julietFull, "<field var='ids'><value>j-2</value><value>j-1</value></field>", ""); !slices.Equal(o.ids, []string{"j-1", "j-2"}) {
		t.Errorf("by ids: %q, want [j-1 j-2]", o.ids)
	}
	if got := f.keys(juliet, idPrefix); !slices.Equal(got, []string{idPrefix + f.stampedIDs["j-2"]}) {
		t.Errorf("index by id %q, want only the late message's", got)
	}
	if got := f.keys(nurse, idPrefix); len(got) != 0 {
		t.Errorf("the nurse's archive has index records %q, want none: its id says where it is", got)
	}
}

// A batch of large messages is written in several store batches, each
// within what the core accepts from a plugin, and none is lost.
func TestLargeBatchIsSplitWithinTheLimit(t *testing.T) {
	m, host := newDirect(t)
	body := strings.Repeat("x", 1<<20)
	var b sdk.ObservedBatch
	const n = 40 // 40 MiB of stanzas: three store batches at least
	for i := range n {
		msg := benchMessage(i)
		msg.Stanza = fmt.Appendf(nil, "<message type='chat' from='%s/phone' to='juliet@localhost' id='m%d'><body>%s</body></message>", msg.With, i, body)
		b.Messages = append(b.Messages, msg)
	}
	if err := m.observe(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	if len(host.batches) < 3 {
		t.Errorf("%d store batches, want at least 3", len(host.batches))
	}
	for i, size := range host.batches {
		if size > sdk.MaxStoreBatchBytes {
			t.Errorf("store batch %d carries %d bytes, past the limit of %d", i, size, sdk.MaxStoreBatchBytes)
		}
	}
	kvs, err := host.Store(juliet).Scan(context.Background(), msgPrefix, "", 0, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(kvs) != n {
		t.Errorf("%d messages archived, want %d", len(kvs), n)
	}
	// Each store batch closed its groups of the index by peer: together
	// they still name every message.
	index, err := host.Store(juliet).Scan(context.Background(), withPrefix, "", 0, false)
	if err != nil {
		t.Fatal(err)
	}
	indexed := 0
	for _, kv := range index {
		indexed += len(parseGroup(kv.Key, kv.Value))
	}
	if indexed != n || len(index) < 3 {
		t.Errorf("%d messages in %d records of the index by peer, want %d in one record per store batch at least", indexed, len(index), n)
	}
}

// The index by peer holds a record per peer and batch, not per message:
// what makes archiving a busy server's batches cheap. A group closes at
// groupMax messages.
func TestIndexRecordPerPeerAndBatch(t *testing.T) {
	for _, c := range []struct {
		groupMax    int
		wantRecords int
	}{{groupMax, 2}, {2, 4}} {
		f := newFixture(t, nil)
		f.m.groupMax = c.groupMax
		var all []msg
		for i := range 5 {
			all = append(all, chat(romeoFull, julietFull, "r", t0.Add(time.Duration(i)*time.Minute), i)...)
		}
		all = append(all, chat(nurse+"/kitchen", julietFull, "n", t0.Add(6*time.Minute), 6)...)
		f.observe(all...)
		if got := f.keys(juliet, withPrefix); len(got) != c.wantRecords {
			t.Errorf("groups of %d: %d records in Juliet's index by peer, want %d: %q", c.groupMax, len(got), c.wantRecords, got)
		}
		want := []string{nurse + " j-6", romeo + " j-0", romeo + " j-1", romeo + " j-2", romeo + " j-3", romeo + " j-4"}
		if got := f.indexed(juliet); !slices.Equal(got, want) {
			t.Errorf("groups of %d: index by peer %q, want %q", c.groupMax, got, want)
		}
	}
}

// An account the plugin has forgotten (restarted, or its cache full)
// still gets its next messages after those archived before, even one
// stamped earlier: otherwise a group of the index by peer would overlap
// an older one, and paging by peer would skip it.
func TestForgottenAccountArchivesAfterItsLastMessage(t *testing.T) {
	for _, kind := range fixtureKinds {
		t.Run(kind.name, func(t *testing.T) {
			f := kind.new(t, nil)
			f.conversation(4) // t0 … t0+3m
			f.m.owners.forget(juliet)
			f.observe(chat(romeoFull, julietFull, "late", t0.Add(90*time.Second), 9)...)
			want := []string{"j-0", "j-1", "j-2", "j-3", "j-9"}
			if o := f.query(julietFull, field("with", romeo), ""); !slices.Equal(o.ids, want) {
				t.Errorf("by peer: %q, want %q", o.ids, want)
			}
			if o := f.query(julietFull, field("with", romeo), "<after>j-3</after>"); !slices.Equal(o.ids, []string{"j-9"}) {
				t.Errorf("by peer after j-3: %q, want [j-9]", o.ids)
			}
			if o := f.query(julietFull, "", "<after>j-3</after>"); !slices.Equal(o.ids, []string{"j-9"}) {
				t.Errorf("after j-3: %q, want [j-9]", o.ids)
			}
		})
	}
}
