package offline

import (
	"context"
	"encoding/json"
	"flag"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/hashicorp/go-hclog"

	"github.com/switchboard-xmpp/switchboard/plugins/offline/offlineapi"
	"github.com/switchboard-xmpp/switchboard/sdk"
	"github.com/switchboard-xmpp/switchboard/sdk/sdktest"
	"github.com/switchboard-xmpp/switchboard/sdk/stanza"
)

var update = flag.Bool("update", false, "rewrite testdata/*.xml with the actual outcomes")

const (
	romeo  = "romeo@localhost/orchard"
	juliet = "juliet@localhost"
)

var storedAt = time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)

// newHarness runs the plugin with its clock stopped at storedAt.
func newHarness(t *testing.T, cfg map[string]any) (*Offline, *sdktest.Harness) {
	o := New()
	o.clock.now = func() time.Time { return storedAt }
	return o, sdktest.New(t, o, sdktest.Options{Config: cfg, Logger: hclog.NewNullLogger()})
}

func queued(t *testing.T, h *sdktest.Harness) []sdk.KV {
	t.Helper()
	kvs, err := h.Store(juliet).Scan(context.Background(), "msg/", "", 0, false)
	if err != nil {
		t.Fatal(err)
	}
	return kvs
}

func available(jid, priority string) sdktest.Event {
	p := "<presence/>"
	if priority != "" {
		p = "<presence><priority>" + priority + "</priority></presence>"
	}
	return sdktest.Event{Kind: sdk.SessionAvailable, JID: jid, SessionID: jid, Stanza: p}
}

func TestTranscript(t *testing.T) {
	_, h := newHarness(t, map[string]any{"max_messages": 2})
	h.Golden("testdata/offline.xml", *update)
}

func TestDiscoFeature(t *testing.T) {
	if !slices.Contains(New().Describe().Features, Feature) {
		t.Errorf("disco features lack %s", Feature)
	}
}

func TestWhatIsStored(t *testing.T) {
	tests := []struct {
		name, payload string
		want          bool
	}{
		{"body", "<body>hi</body>", true},
		{"subject only", "<subject>hi</subject>", true},
		{"receipt", "<received xmlns='urn:xmpp:receipts' id='x'/>", true},
		{"encrypted payload", "<encrypted xmlns='eu.siacs.conversations.axolotl'/>", true},
		{"chat state", "<active xmlns='http://jabber.org/protocol/chatstates'/>", false},
		{"chat state and thread", "<thread>t1</thread><paused xmlns='http://jabber.org/protocol/chatstates'/>", false},
		{"nothing", "", false},
		{"no-store hint", "<body>hi</body><no-store xmlns='urn:xmpp:hints'/>", false},
		{"store hint", "<gone xmlns='http://jabber.org/protocol/chatstates'/><store xmlns='urn:xmpp:hints'/>", true},
		{"no-permanent-store hint: offline is not permanent", "<body>hi</body><no-permanent-store xmlns='urn:xmpp:hints'/>", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, h := newHarness(t, nil)
			r := h.Handle("<message type='chat' to='juliet@localhost'>"+tt.payload+"</message>", romeo)
			if r.Err != nil || r.NoRoute {
				t.Fatalf("err %v, no route %v", r.Err, r.NoRoute)
			}
			if got := len(queued(t, h)) == 1; got != tt.want {
				t.Errorf("stored = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestDelivery stores three messages and gives them to the session that
// becomes available; testdata/delivered.xml holds what it receives.
func TestDelivery(t *testing.T) {
	_, h := newHarness(t, nil)
	for _, m := range []string{
		"<message type='chat' to='juliet@localhost' id='m1'><body>Juliet?</body></message>",
		"<message to='juliet@localhost' id='m2'><body>Meet me at the balcony.</body><delay xmlns='urn:xmpp:delay' from='localhost' stamp='1999-01-01T00:00:00Z'/></message>",
		"<message type='chat' to='juliet@localhost' id='m3'><body>Are you there?</body><delay xmlns='urn:xmpp:delay' from='romeo@localhost/orchard' stamp='2026-11-25T09:59:00Z'/></message>",
	} {
		if r := h.Handle(m, romeo); r.Err != nil {
			t.Fatal(r.Err)
		}
	}
	if err := h.Event(available("juliet@localhost/chamber", "1")); err != nil {
		t.Fatal(err)
	}
	compareGolden(t, "testdata/delivered.xml", h.Sent())
	if n := len(queued(t, h)); n != 0 {
		t.Errorf("%d messages still queued after delivery", n)
	}
	// A second session finds the queue empty.
	if err := h.Event(available("juliet@localhost/balcony", "")); err != nil {
		t.Fatal(err)
	}
	if n := len(h.Sent()); n != 3 {
		t.Errorf("sent %d messages in all, want 3", n)
	}
}

// TestStoredAfterTheSessionBecameAvailable: the core found no session to
// take a message and offered it here, but a session became available
// meanwhile and its delivery has already read the queue. The message goes
// to the available session with the highest non-negative priority, not
// into a queue that waits for the next login.
func TestStoredAfterTheSessionBecameAvailable(t *testing.T) {
	_, h := newHarness(t, nil)
	h.SetSessions(juliet,
		sdk.Session{JID: "juliet@localhost/hidden", Available: true, Priority: -1},
		sdk.Session{JID: "juliet@localhost/chamber", Available: true, Priority: 1},
		sdk.Session{JID: "juliet@localhost/binding"},
	)
	if r := h.Handle("<message type='chat' to='juliet@localhost' id='late'><body>just in time</body></message>", romeo); r.Err != nil {
		t.Fatal(r.Err)
	}
	sent := h.Sent()
	if len(sent) != 1 || sent[0].SelectAttrValue("to", "") != "juliet@localhost/chamber" || sent[0].SelectAttrValue("id", "") != "late" {
		t.Fatalf("sent %d stanzas, want the message to juliet@localhost/chamber: %v", len(sent), sent)
	}
	if n := len(queued(t, h)); n != 0 {
		t.Errorf("%d messages still queued", n)
	}
}

// TestStoredDuringADelivery: a message stored while a delivery is under
// way makes that delivery run once more, since it may have read the queue
// before the message was in it.
func TestStoredDuringADelivery(t *testing.T) {
	o, h := newHarness(t, nil)
	h.SetSessions(juliet, sdk.Session{JID: "juliet@localhost/chamber", Available: true})
	if !o.claim(juliet) {
		t.Fatal("no delivery under way, but claim failed")
	}
	h.Handle("<message type='chat' to='juliet@localhost' id='meanwhile'><body>hi</body></message>", romeo)
	if len(h.Sent()) != 0 {
		t.Fatal("a second delivery ran beside the one under way")
	}
	if !o.release(juliet, true) {
		t.Fatal("the delivery under way was not told to run again")
	}
	if o.release(juliet, true) {
		t.Error("told to run again twice for one message")
	}
	if !o.claim(juliet) {
		t.Error("released, but the account is still claimed")
	}
}

func TestDeliveryByPriority(t *testing.T) {
	tests := []struct {
		priority string
		want     int // messages delivered
	}{
		{"", 2}, {"0", 2}, {"5", 2}, {"-1", 0}, {"junk", 2},
	}
	for _, tt := range tests {
		t.Run("priority "+tt.priority, func(t *testing.T) {
			_, h := newHarness(t, nil)
			for range 2 {
				h.Handle("<message type='chat' to='juliet@localhost'><body>hi</body></message>", romeo)
			}
			if err := h.Event(available("juliet@localhost/chamber", tt.priority)); err != nil {
				t.Fatal(err)
			}
			if n := len(h.Sent()); n != tt.want {
				t.Errorf("delivered %d, want %d", n, tt.want)
			}
			if n := len(queued(t, h)); n != 2-tt.want {
				t.Errorf("%d left in the queue, want %d", n, 2-tt.want)
			}
		})
	}
}

// A message the core does not take stays queued, and so does everything
// after it, in order. The fake host refuses a 'from' that is not a JID,
// which stands in for any failure of Send.
func TestDeliveryFailureKeepsMessages(t *testing.T) {
	_, h := newHarness(t, nil)
	st := h.Store(juliet)
	ctx := context.Background()
	for k, v := range map[string]string{
		"msg/00000000000000000001": "<message from='a@b@c' to='juliet@localhost'><body>1</body></message>",
		"msg/00000000000000000002": "<message from='romeo@localhost/orchard' to='juliet@localhost'><body>2</body></message>",
	} {
		if err := st.Put(ctx, k, []byte(v)); err != nil {
			t.Fatal(err)
		}
	}
	if err := h.Event(available("juliet@localhost/chamber", "")); err == nil {
		t.Fatal("delivery reported no error")
	}
	if n := len(queued(t, h)); n != 2 {
		t.Errorf("%d messages queued, want both kept", n)
	}
}

// A message the plugin delivered to a session that went away comes back
// from the server: it keeps its stamp and is stored even in a full queue,
// where its old copy still holds its place.
func TestRedeliveredMessage(t *testing.T) {
	o, h := newHarness(t, map[string]any{"max_messages": 1})
	h.Handle("<message type='chat' to='juliet@localhost'><body>first</body></message>", romeo)
	back := "<message type='chat' from='romeo@localhost/orchard' to='juliet@localhost/gone'><body>first</body><delay xmlns='urn:xmpp:delay' from='localhost' stamp='2026-11-25T09:00:00.000Z'>Offline Storage</delay></message>"
	el := etree.NewDocument()
	if err := el.ReadFromString(back); err != nil {
		t.Fatal(err)
	}
	if _, err := o.store(context.Background(), &sdk.Request{Stanza: el.Root(), To: juliet, Authenticated: true}); err != nil {
		t.Fatalf("storing the redelivered message: %v", err)
	}
	kvs := queued(t, h)
	if len(kvs) != 2 || strings.Count(string(kvs[1].Value), "<delay") != 1 || !strings.Contains(string(kvs[1].Value), "09:00:00.000Z") {
		t.Fatalf("queue %q, want the redelivered message with its first stamp only", kvs)
	}
	// A client's message that carries the server's stamp does not pass for
	// a redelivery: the quota applies to it.
	r := h.Handle(strings.Replace(back, "to='juliet@localhost/gone'", "to='juliet@localhost'", 1), romeo)
	if r.Err == nil || r.Err.Condition != stanza.ServiceUnavailable {
		t.Fatalf("a client's message past the quota: %v, want service-unavailable", r.Err)
	}
}

func TestForgedStampReplaced(t *testing.T) {
	_, h := newHarness(t, nil)
	h.Handle("<message type='chat' to='juliet@localhost'><body>hi</body><delay xmlns='urn:xmpp:delay' from='localhost' stamp='1999-01-01T00:00:00Z'/></message>", romeo)
	kvs := queued(t, h)
	if len(kvs) != 1 || strings.Contains(string(kvs[0].Value), "1999") || !strings.Contains(string(kvs[0].Value), "2026-11-25T10:00:00.000Z") {
		t.Fatalf("stored %q, want the server's stamp only", kvs)
	}
}

func TestKeysGrowWithAStoppedClock(t *testing.T) {
	c := keyClock{now: func() time.Time { return storedAt }}
	var keys []string
	for range 3 {
		_, k := c.next()
		keys = append(keys, k)
	}
	for i := 1; i < len(keys); i++ {
		if keys[i] <= keys[i-1] {
			t.Errorf("keys %q are not strictly increasing", keys)
		}
	}
	if !strings.HasPrefix(keys[0], "msg/") || len(keys[0]) != len("msg/")+20 {
		t.Errorf("key %q does not follow msg/<20 digits>", keys[0])
	}
}

func TestConfig(t *testing.T) {
	tests := []struct {
		name    string
		cfg     map[string]any
		wantErr string
	}{
		{"defaults", nil, ""},
		{"number as string", map[string]any{"max_messages": "500"}, ""},
		{"unknown key", map[string]any{"max_message": 1}, `"max_message"`},
		{"zero", map[string]any{"max_messages": 0}, "must be positive"},
	}
	_, h := newHarness(t, nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := h.Configure(tt.cfg)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("Configure: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("Configure error = %v, want one containing %s", err, tt.wantErr)
			}
		})
	}
}

// compareGolden compares stanzas, one a line with sorted attributes, with
// a file of them; -update rewrites the file.
func compareGolden(t *testing.T, path string, els []*etree.Element) {
	t.Helper()
	var lines []string
	for _, el := range els {
		el.SortAttrs()
		for _, c := range el.ChildElements() {
			c.SortAttrs()
		}
		var b strings.Builder
		el.WriteTo(&b, &etree.WriteSettings{})
		lines = append(lines, b.String())
	}
	got := strings.Join(lines, "\n") + "\n"
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("%s:\n got:\n%s\nwant:\n%s", path, got, want)
	}
}

// A queue seen empty at one login is not read again at the next, but a
// message stored since is delivered all the same.
func TestQueueSeenEmptyStillDeliversWhatComesLater(t *testing.T) {
	o, h := newHarness(t, nil)
	if err := h.Event(available("juliet@localhost/chamber", "1")); err != nil {
		t.Fatal(err)
	}
	end, err := o.ends.Get(context.Background(), "juliet@localhost", func(context.Context) (string, error) {
		t.Fatal("an empty queue, looked at, is not remembered")
		return "", nil
	})
	if err != nil || end != "" {
		t.Fatalf("the queue is remembered as ending at %q (%v), want empty", end, err)
	}
	if r := h.Handle("<message type='chat' to='juliet@localhost' id='late'><body>Still there?</body></message>", romeo); r.Err != nil {
		t.Fatal(r.Err)
	}
	if err := h.Event(available("juliet@localhost/balcony", "2")); err != nil {
		t.Fatal(err)
	}
	sent := h.Sent()
	if len(sent) != 1 || sent[0].SelectAttrValue("id", "") != "late" || sent[0].SelectAttrValue("to", "") != "juliet@localhost/balcony" {
		t.Fatalf("sent %d stanzas, want the late message to the new session", len(sent))
	}
}

// A look at the queue that overlapped a message being stored does not
// count as having seen it empty: the next login delivers the message.
func TestALookOverlappingAStoreIsNotTrusted(t *testing.T) {
	o, h := newHarness(t, nil)
	_, err := o.ends.Get(context.Background(), "juliet@localhost", func(context.Context) (string, error) {
		// The look found nothing; a message is stored before it is done.
		if r := h.Handle("<message type='chat' to='juliet@localhost' id='during'><body>Now?</body></message>", romeo); r.Err != nil {
			t.Fatal(r.Err)
		}
		return "", nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Event(available("juliet@localhost/balcony", "1")); err != nil {
		t.Fatal(err)
	}
	if sent := h.Sent(); len(sent) != 1 || sent[0].SelectAttrValue("id", "") != "during" {
		t.Errorf("sent %d stanzas, want the message stored during the look", len(sent))
	}
}

// TestRedeliveredMessageIsNotOfferedAgainAtOnce: a message that comes back
// from a session that refused it is stored, and not handed straight back
// to the sessions still listed, which could go round while the refusing
// session is listed.
func TestRedeliveredMessageIsNotOfferedAgainAtOnce(t *testing.T) {
	o, h := newHarness(t, nil)
	h.SetSessions(juliet, sdk.Session{JID: "juliet@localhost/chamber", Available: true})
	back := etree.NewDocument()
	if err := back.ReadFromString("<message type='chat' from='romeo@localhost/orchard' to='juliet@localhost/chamber'><body>again</body><delay xmlns='urn:xmpp:delay' from='localhost' stamp='2026-11-25T09:00:00.000Z'>Offline Storage</delay></message>"); err != nil {
		t.Fatal(err)
	}
	if _, err := o.store(context.Background(), &sdk.Request{Stanza: back.Root(), To: juliet, Authenticated: true}); err != nil {
		t.Fatal(err)
	}
	if n := len(h.Sent()); n != 0 {
		t.Errorf("the redelivered message was sent %d times at once", n)
	}
	if n := len(queued(t, h)); n != 1 {
		t.Errorf("%d messages queued, want the redelivered one", n)
	}
}

// Each message stored is announced on offline.stored, for push; a chat
// state that is not stored is not.
func TestStoredIsAnnounced(t *testing.T) {
	_, h := newHarness(t, nil)
	h.Handle("<message type='chat' to='juliet@localhost'><body>wake up</body></message>", romeo)
	h.Handle("<message type='chat' to='juliet@localhost'><composing xmlns='http://jabber.org/protocol/chatstates'/></message>", romeo)
	pubs := h.Published()
	if len(pubs) != 1 || pubs[0].Topic != offlineapi.TopicStored || pubs[0].JID != juliet {
		t.Fatalf("published %+v, want one %s about %s", pubs, offlineapi.TopicStored, juliet)
	}
	var got offlineapi.Stored
	if err := json.Unmarshal(pubs[0].Payload, &got); err != nil || got.At == 0 || got != (offlineapi.Stored{From: romeo, Body: "wake up", At: got.At}) {
		t.Errorf("payload %s (%v)", pubs[0].Payload, err)
	}
}
