package c2s

import (
	"bytes"
	"fmt"
	"strconv"
	"testing"

	"github.com/switchboard-xmpp/switchboard/core/stream"
)

// FuzzStreamManagement feeds stream-management elements, decoded from
// arbitrary bytes, to the state of a session that sent `sent` stanzas and
// has `queued` of them unacknowledged. Whatever the 'h', an acknowledgement
// either leaves the state as it was (an h beyond what was sent) or drops
// exactly what it acknowledges; nothing panics, and the queue always holds
// what was sent and not acknowledged.
func FuzzStreamManagement(f *testing.F) {
	for _, s := range []string{
		"<a xmlns='urn:xmpp:sm:3' h='3'/>",
		"<a xmlns='urn:xmpp:sm:3' h='4294967295'/><a xmlns='urn:xmpp:sm:3' h='0'/>",
		"<resume xmlns='urn:xmpp:sm:3' previd='x' h='-1'/>",
		"<a xmlns='urn:xmpp:sm:3' h='00001'/><r xmlns='urn:xmpp:sm:3'/>",
		"<a xmlns='urn:xmpp:sm:3' h=' 1'/>",
		"<iq xmlns='jabber:client' type='result' id='i1'/><a xmlns='urn:xmpp:sm:3' h='2'/>",
	} {
		f.Add([]byte(s), uint32(5), uint8(3))
	}
	f.Add([]byte("<a xmlns='urn:xmpp:sm:3' h='1'/>"), uint32(2), uint8(200)) // counters wrapped
	f.Fuzz(func(t *testing.T, data []byte, sent uint32, queued uint8) {
		s := &smState{sent: sent}
		for i := range int(queued) {
			typ := []string{"get", "set", "result", "chat"}[i%4]
			s.queue = append(s.queue, unacked{b: fmt.Appendf(nil, "<iq type='%s' id='i%d' from='peer@localhost/r'/>", typ, i)})
		}
		header := "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>"
		d := stream.NewDecoder(bytes.NewReader(append([]byte(header), data...)), stream.Limits{MaxStanzaBytes: 4096})
		if _, err := d.ReadHeader(); err != nil {
			t.Fatal(err)
		}
		for {
			el, err := d.Next()
			if err != nil {
				return
			}
			before := len(s.queue)
			switch el.Name.Local {
			case "a", "resume":
				h, ok := parseH(el.Attr("h"))
				if _, err := strconv.ParseUint(el.Attr("h"), 10, 32); ok != (err == nil) {
					t.Fatalf("parseH(%q) ok=%v", el.Attr("h"), ok)
				}
				if !ok {
					continue
				}
				if !s.acceptable(h) {
					if len(s.queue) != before {
						t.Fatal("a refused acknowledgement changed the queue")
					}
					continue
				}
				s.ack(h)
				if got, want := uint32(len(s.queue)), s.sent-h; got != want {
					t.Fatalf("after h=%d of %d sent, %d queued; want %d", h, s.sent, got, want)
				}
				if s.requested {
					t.Fatal("an acknowledgement left the request out")
				}
			case "r":
				s.requestNow()
			default:
				s.settleAnswer(el.Attr("to"), el.Attr("id"), "me@localhost", "localhost")
			}
		}
	})
}
