package router

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"

	"github.com/switchboard-xmpp/switchboard/core/stream"
)

type discard struct{ n int }

func (d *discard) Deliver(b []byte) bool       { d.n += len(b); return true }
func (d *discard) DeliverShared(b []byte) bool { return d.Deliver(b) }
func (d *discard) Close(*stream.Error)         {}

// BenchmarkReadRouteWrite is the core's share of one message between two
// sessions, without sockets: read the stanza from the sender's stream,
// route it to the recipient's bare JID, and append it (with from stamped)
// to the recipient's queue.
func BenchmarkReadRouteWrite(b *testing.B) {
	f := newFixture(b, bind{"alice@localhost/a", true, 0}, bind{"bob@localhost/b", true, 0})
	sink := &discard{}
	f.sessions["bob@localhost/b"].Sink = sink
	msg := "<message to='bob@localhost' type='chat' id='m1'><body>" + strings.Repeat("x", 128) + "</body></message>"
	const batch = 1024
	input := []byte(strings.Repeat(msg, batch))
	header := "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>"
	from := f.sessions["alice@localhost/a"]
	ctx := context.Background()
	var buf []byte
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	b.ResetTimer()
	for n := 0; n < b.N; {
		r := io.MultiReader(strings.NewReader(header), bytes.NewReader(input))
		d := stream.NewDecoder(r, stream.Limits{})
		if _, err := d.ReadHeader(); err != nil {
			b.Fatal(err)
		}
		for i := 0; i < batch && n < b.N; i, n = i+1, n+1 {
			el, err := d.Next()
			if err != nil {
				b.Fatal(err)
			}
			buf = f.r.Route(ctx, from, el, buf, nil)
		}
	}
	if sink.n == 0 {
		b.Fatal("nothing delivered")
	}
}
