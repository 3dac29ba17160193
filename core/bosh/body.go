package bosh

import (
	"bytes"
	"errors"
	"strconv"

	"github.com/switchboard-xmpp/switchboard/core/stream"
)

// Namespaces of XEP-0124 and XEP-0206.
const (
	nsHTTPBind = "http://jabber.org/protocol/httpbind"
	nsXBOSH    = "urn:xmpp:xbosh"
)

// maxRID is the largest request id XEP-0124 §14.1 allows (2^53 - 1, so
// that JavaScript numbers hold it).
const maxRID = 1<<53 - 1

// request is one <body/> a client sent.
type request struct {
	sid     string
	rid     uint64
	restart bool // xmpp:restart='true' (XEP-0206)
	end     bool // type='terminate'
	pause   int  // seconds; 0 for none

	// The session creation request's attributes (XEP-0124 §7.1); -1 for
	// a number absent.
	to, lang   string
	wait, hold int

	// payload is what the body holds, the stanzas in it as the client
	// wrote them; empty says nothing but "I am here".
	payload []byte
}

func (r *request) empty() bool { return len(bytes.TrimSpace(r.payload)) == 0 }

// errBadBody is a body that is no BOSH <body/>: bad-request.
var errBadBody = errors.New("not a BOSH body")

// parseBody reads one HTTP request's content: a single <body/> in the
// httpbind namespace, checked with the same restricted XML as a client
// stream. lim bounds the stanzas inside it; the body adds one level of
// nesting.
func parseBody(b []byte, lim stream.Limits) (*request, error) {
	b = bytes.TrimSpace(b)
	if bytes.HasPrefix(b, []byte("<?xml")) {
		end := bytes.Index(b, []byte("?>"))
		if end < 0 {
			return nil, errBadBody
		}
		b = bytes.TrimSpace(b[end+2:])
	}
	lim.MaxStanzaBytes = len(b) + 1
	if lim.MaxDepth > 0 {
		lim.MaxDepth++
	}
	el, err := stream.ParseElement(b, lim)
	if err != nil {
		return nil, err
	}
	if el.Name != (stream.Name{Space: nsHTTPBind, Local: "body"}) {
		return nil, errBadBody
	}
	r := &request{sid: el.Attr("sid"), to: el.Attr("to"), lang: el.Lang(), payload: el.Inner()}
	if r.rid, err = strconv.ParseUint(el.Attr("rid"), 10, 64); err != nil || r.rid > maxRID {
		return nil, errors.New("rid missing or not a number up to 2^53-1")
	}
	switch el.Attr("type") {
	case "":
	case "terminate":
		r.end = true
	default:
		return nil, errors.New("unknown type")
	}
	r.restart = el.AttrNS(nsXBOSH, "restart") == "true"
	if r.wait, err = seconds(el, "wait"); err != nil {
		return nil, err
	}
	if r.hold, err = seconds(el, "hold"); err != nil {
		return nil, err
	}
	if r.pause, err = seconds(el, "pause"); err != nil {
		return nil, err
	}
	r.pause = max(r.pause, 0)
	return r, nil
}

// seconds reads a non-negative number attribute; -1 when absent.
func seconds(el *stream.Element, name string) (int, error) {
	v := el.Attr(name)
	if v == "" {
		return -1, nil
	}
	n, err := strconv.ParseUint(v, 10, 31)
	if err != nil {
		return 0, errors.New(name + " is not a number of seconds")
	}
	return int(n), nil
}
