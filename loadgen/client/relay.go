package client

import (
	"context"
	"fmt"

	"github.com/switchboard-xmpp/switchboard/core/stream"
)

// RelayHeader is what a relay client writes after the pairing line: a
// client stream header, which the relay forwards to the peer, whose
// decoder then reads it as the stream it receives.
const RelayHeader = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='" + stream.NSStream + "' version='1.0'>"

// DialRelay connects to a bench relay (bench/relay), which pairs two
// connections by a token and copies bytes between them without reading
// XML. The connection sends "PAIR token\n" and a stream header, and from
// then on carries exactly the bytes it would carry to and from an XMPP
// server once logged in, so the same scenario code measures both. It does
// not wait for the peer: the peer's header is read by the first Next.
func DialRelay(ctx context.Context, o *Options, token string) (*Conn, error) {
	c, err := dial(ctx, o)
	if err != nil {
		return nil, err
	}
	c.opts = o
	c.needHeader = true
	if err := c.Write(fmt.Appendf(nil, "PAIR %s\n%s", token, RelayHeader)); err != nil {
		c.Abort()
		return nil, err
	}
	c.ClearDeadline()
	return c, nil
}
