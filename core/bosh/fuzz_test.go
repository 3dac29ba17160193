package bosh

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/switchboard-xmpp/switchboard/core/stream"
)

// FuzzParseBody feeds arbitrary request content to the body parser. It
// must not panic; what it accepts must have a rid BOSH allows, a payload
// that the c2s reader takes as whole elements (a body can never leave an
// element open to swallow the next body's stanzas), and a language that
// reads back unchanged from the stream header it goes into.
func FuzzParseBody(f *testing.F) {
	f.Add([]byte("<body xmlns='http://jabber.org/protocol/httpbind' rid='1' to='localhost' wait='60' hold='1' xml:lang='en' xmpp:version='1.0' xmlns:xmpp='urn:xmpp:xbosh'/>"))
	f.Add([]byte("<body xmlns='http://jabber.org/protocol/httpbind' rid='2' sid='ab'><message xmlns='jabber:client' to='b@localhost'><body>hi</body></message><presence xmlns='jabber:client'/></body>"))
	f.Add([]byte("<?xml version='1.0'?><body xmlns='http://jabber.org/protocol/httpbind' rid='3' sid='ab' xmpp:restart='true' xmlns:xmpp='urn:xmpp:xbosh'/>"))
	f.Add([]byte("<body xmlns='http://jabber.org/protocol/httpbind' xmlns:x='urn:x' rid='4' sid='ab' type='terminate'><x:a/>text<iq xmlns='jabber:client'/></body>"))
	f.Add([]byte("<body xmlns='http://jabber.org/protocol/httpbind' rid='9007199254740991' sid='ab' pause='5' xml:lang='&apos;&lt;'/>"))
	lim := stream.Limits{MaxStanzaBytes: 1 << 16, MaxDepth: 16, MaxAttrs: 32}
	f.Fuzz(func(t *testing.T, data []byte) {
		req, err := parseBody(data, lim)
		if err != nil {
			return
		}
		if req.rid > maxRID {
			t.Fatalf("rid %d accepted", req.rid)
		}
		in := append(streamHeader("localhost", req.lang), req.payload...)
		in = append(in, stream.Close...)
		dec := stream.NewDecoder(bytes.NewReader(in), lim)
		h, err := dec.ReadHeader()
		if err != nil {
			t.Fatalf("stream header for lang %q: %v", req.lang, err)
		}
		if h.Lang != req.lang || h.To != "localhost" {
			t.Fatalf("header says lang %q to %q, want %q to localhost", h.Lang, h.To, req.lang)
		}
		for {
			_, err := dec.Next()
			var se *stream.Error
			switch {
			case err == nil:
				continue
			case errors.Is(err, io.EOF), errors.As(err, &se):
				return
			}
			t.Fatalf("payload %q left the stream at %v", req.payload, err)
		}
	})
}
