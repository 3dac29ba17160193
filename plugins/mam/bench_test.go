package mam

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/hashicorp/go-hclog"

	"github.com/switchboard-xmpp/switchboard/sdk"
	"github.com/switchboard-xmpp/switchboard/sdk/sdktest"
)

// benchArchive is the size of the archive the benchmarks page through.
const benchArchive = 100_000

// benchPeers is how many peers the archive's messages are spread over.
const benchPeers = 10

func benchMessage(i int) sdk.ObservedMessage {
	peer := fmt.Sprintf("peer%d@localhost", i%benchPeers)
	return sdk.ObservedMessage{
		Owner:    juliet,
		StanzaID: stamped(fmt.Sprintf("id-%07d", i), t0.Add(time.Duration(i)*time.Second)),
		With:     peer,
		Time:     t0.Add(time.Duration(i) * time.Second),
		Stanza: fmt.Appendf(nil, "<message type='chat' from='%s/phone' to='juliet@localhost' id='m%d'>"+
			"<body>Message number %d, about as long as a line of chat usually is.</body></message>", peer, i, i),
	}
}

// seed archives n messages of Juliet's through Observe, in batches as the
// core sends them.
func seed(tb testing.TB, m *MAM, n int) {
	tb.Helper()
	for start := 0; start < n; start += 256 {
		var b sdk.ObservedBatch
		for i := start; i < min(n, start+256); i++ {
			b.Messages = append(b.Messages, benchMessage(i))
		}
		if err := m.observe(context.Background(), b); err != nil {
			tb.Fatal(err)
		}
	}
}

// pageQueries are the page queries measured on an archive of n messages:
// 50 results each, from the middle or the end of the archive.
func pageQueries(n int) []struct{ name, iq string } {
	mid := n / 2
	return []struct{ name, iq string }{
		{"after", rsmQuery(fmt.Sprintf("<max>50</max><after>%s</after>", benchMessage(mid).StanzaID))},
		{"with+after", "<iq type='set' id='q'><query xmlns='urn:xmpp:mam:2'><x xmlns='jabber:x:data' type='submit'>" +
			field("with", "peer3@localhost") + fmt.Sprintf("</x><set xmlns='http://jabber.org/protocol/rsm'><max>50</max><after>%s</after></set></query></iq>", benchMessage(mid+3).StanzaID)},
		{"last page", rsmQuery("<max>50</max><before/>")},
		{"start", formQuery(field("start", stampOf(t0.Add(time.Duration(mid)*time.Second))))},
	}
}

func newDirect(tb testing.TB) (*MAM, *directHost) {
	tb.Helper()
	m, host := New(), newDirectHost()
	if err := m.Configure(context.Background(), sdk.Config{Domain: "localhost", Host: host, Logger: hclog.NewNullLogger()}); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { m.Cleanup() })
	return m, host
}

func request(tb testing.TB, iq string) *sdk.Request {
	tb.Helper()
	doc := etree.NewDocument()
	if err := doc.ReadFromString(iq); err != nil {
		tb.Fatal(err)
	}
	doc.Root().CreateAttr("from", julietFull)
	return &sdk.Request{Stanza: doc.Root(), From: julietFull, To: juliet, ToOmitted: true, Authenticated: true}
}

// BenchmarkPageDirect measures what the plugin costs per page, over a
// sorted in-memory store and without the wire.
func BenchmarkPageDirect(b *testing.B) {
	m, host := newDirect(b)
	seed(b, m, benchArchive)
	for _, q := range pageQueries(benchArchive) {
		b.Run(q.name, func(b *testing.B) {
			req := request(b, q.iq)
			before := host.sent.Load()
			for b.Loop() {
				if _, err := m.handleIQ(context.Background(), req); err != nil {
					b.Fatal(err)
				}
			}
			if per := (host.sent.Load() - before) / int64(b.N); per != 50 {
				b.Fatalf("%d results a page, want 50", per)
			}
		})
	}
}

// BenchmarkPageSDKTest measures a page through sdktest: the query and the
// 50 result messages over go-plugin's in-memory gRPC connection, the
// store behind the fake host's gRPC service. That store sorts an owner's
// keys on every Scan, so on the large archive it measures mostly that;
// the small one shows what the wire costs.
func BenchmarkPageSDKTest(b *testing.B) {
	for _, size := range []int{1000, benchArchive} {
		m := New()
		h := sdktest.New(b, m, sdktest.Options{Logger: hclog.NewNullLogger()})
		// Seeded straight into the fake host's store: through the wire it
		// would take a minute.
		st := h.Store(juliet)
		for i := range size {
			o := benchMessage(i)
			e := entry{nanos: o.Time.UnixNano(), with: o.With, id: o.StanzaID}
			ops := append(messageOps(juliet, e, o.Stanza), sdk.StoreOp{Key: e.withKey(), Value: groupValue([]entry{e})})
			for _, op := range ops {
				if err := st.Put(context.Background(), op.Key, op.Value); err != nil {
					b.Fatal(err)
				}
			}
		}
		for _, q := range pageQueries(size) {
			b.Run(fmt.Sprintf("%d/%s", size, q.name), func(b *testing.B) {
				for b.Loop() {
					if r := h.Handle(q.iq, julietFull); r.Err != nil || len(r.Replies) != 1 {
						b.Fatalf("query failed: %v", r.Err)
					}
				}
			})
		}
	}
}

// BenchmarkObserveDirect measures archiving, per message, in batches of
// 256 over a sorted in-memory store.
func BenchmarkObserveDirect(b *testing.B) {
	m, _ := newDirect(b)
	batch := sdk.ObservedBatch{}
	for i := range 256 {
		batch.Messages = append(batch.Messages, benchMessage(i))
	}
	n := 0
	for b.Loop() {
		for i := range batch.Messages {
			batch.Messages[i].StanzaID = stamped(fmt.Sprintf("id-%d", n), t0.Add(time.Duration(n)*time.Millisecond))
			n++
		}
		if err := m.observe(context.Background(), batch); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/message")
}

// How many Store calls one page costs; the README quotes these.
func TestStoreCallsPerPage(t *testing.T) {
	m, host := newDirect(t)
	seed(t, m, 2000)
	st := host.Store(juliet).(*sortedStore)
	q := pageQueries(2000)
	tests := []struct{ name, iq, want string }{
		{"after", q[0].iq, "2 Scan, 0 Get, 0 Put, 0 Delete"},
		// One Scan more than without 'with': the group of the index by
		// peer that holds the 'after' message starts before it.
		{"with+after", q[1].iq, "3 Scan, 50 Get, 0 Put, 0 Delete"},
		{"with", "<iq type='set' id='q'><query xmlns='urn:xmpp:mam:2'><x xmlns='jabber:x:data' type='submit'>" +
			field("with", "peer3@localhost") + "</x><set xmlns='http://jabber.org/protocol/rsm'><max>50</max></set></query></iq>",
			"1 Scan, 50 Get, 0 Put, 0 Delete"},
		{"last page", q[2].iq, "1 Scan, 0 Get, 0 Put, 0 Delete"},
		{"start", q[3].iq, "1 Scan, 0 Get, 0 Put, 0 Delete"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st.resetCalls()
			if _, err := m.handleIQ(context.Background(), request(t, tt.iq)); err != nil {
				t.Fatal(err)
			}
			if got := st.calls(); got != tt.want {
				t.Errorf("store calls: %s, want %s", got, tt.want)
			}
		})
	}
	st.resetCalls()
	// One more message, of an account already listed and with its
	// preferences cached.
	if err := m.observe(context.Background(), sdk.ObservedBatch{Messages: []sdk.ObservedMessage{benchMessage(2000)}}); err != nil {
		t.Fatal(err)
	}
	if got, want := st.calls(), "0 Scan, 0 Get, 2 Put, 0 Delete"; got != want {
		t.Errorf("archiving one message: %s, want %s", got, want)
	}
}
