package muc

import (
	"strings"
	"testing"

	"github.com/beevik/etree"
	"github.com/hashicorp/go-hclog"

	"github.com/switchboard-xmpp/switchboard/sdk"
	"github.com/switchboard-xmpp/switchboard/sdk/sdktest"
)

// world is the plugin on a fake host, with what it sent read in order.
type world struct {
	t    *testing.T
	h    *sdktest.Harness
	seen int
}

func newWorld(t *testing.T, config map[string]any) *world {
	t.Helper()
	h := sdktest.New(t, New(), sdktest.Options{Domain: "localhost", Config: config, Logger: hclog.NewNullLogger()})
	return &world{t: t, h: h}
}

// send hands the plugin a stanza and returns what it sent meanwhile.
func (w *world) send(from, xml string) (sdktest.Response, []*etree.Element) {
	w.t.Helper()
	r := w.h.Handle(xml, from)
	return r, w.fresh()
}

// ok sends and fails the test on an error reply.
func (w *world) ok(from, xml string) []*etree.Element {
	w.t.Helper()
	r, out := w.send(from, xml)
	if r.Err != nil || r.NoRoute || r.Declined {
		w.t.Fatalf("%s: err %v, no route %v, declined %v", xml, r.Err, r.NoRoute, r.Declined)
	}
	return append(r.Replies, out...)
}

func (w *world) fresh() []*etree.Element {
	all := w.h.Sent()
	out := all[w.seen:]
	w.seen = len(all)
	return out
}

// join joins nick to room (creating it, instant, when new) and returns
// what the joining session got.
func (w *world) join(from, room, nick string) []*etree.Element {
	w.t.Helper()
	out := w.ok(from, "<presence to='"+room+"@conference.localhost/"+nick+"'><x xmlns='"+NS+"'/></presence>")
	if hasCode(to(out, from), codeCreated) {
		w.ok(from, "<iq type='set' id='c' to='"+room+"@conference.localhost'><query xmlns='"+NSOwner+"'><x xmlns='jabber:x:data' type='submit'/></query></iq>")
	}
	return out
}

// to keeps the stanzas addressed to full.
func to(out []*etree.Element, full string) []*etree.Element {
	var keep []*etree.Element
	for _, el := range out {
		if el.SelectAttrValue("to", "") == full {
			keep = append(keep, el)
		}
	}
	return keep
}

func hasCode(out []*etree.Element, code string) bool {
	for _, el := range out {
		if el.FindElement("x/status[@code='"+code+"']") != nil {
			return true
		}
	}
	return false
}

func describe(out []*etree.Element) string {
	var b strings.Builder
	for _, el := range out {
		b.Write(sdk.MarshalElement(el))
		b.WriteByte('\n')
	}
	return b.String()
}
