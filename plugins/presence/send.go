package presence

import (
	"context"
	"errors"
	"fmt"

	"github.com/beevik/etree"
)

// outgoing is a stanza for one address. A broadcast shares one element
// among all its recipients; sendAll gives each its own copy addressed to
// it. An element in outgoing must belong to the sending call alone.
type outgoing struct {
	el *etree.Element
	to string
}

// sendBatch bounds one Host.SendBatch call, to keep a broadcast to a very
// large roster within a message size gRPC accepts.
const sendBatch = 256

// sendAll sends everything in as few calls to the core as it can: a
// broadcast to 500 contacts is two round trips, not 500.
func (p *Presence) sendAll(ctx context.Context, out []outgoing) error {
	if len(out) == 0 {
		return nil
	}
	host, _ := p.env()
	var errs []error
	batch := make([]*etree.Element, 0, min(len(out), sendBatch))
	for i, o := range out {
		el := o.el.Copy()
		el.CreateAttr("to", o.to)
		batch = append(batch, el)
		if len(batch) == sendBatch || i == len(out)-1 {
			if err := host.SendBatch(ctx, batch); err != nil {
				errs = append(errs, fmt.Errorf("sending presence to %d recipients: %w", len(batch), err))
			}
			batch = batch[:0]
		}
	}
	return errors.Join(errs...)
}

// unavailableFrom is <presence type='unavailable' from='full'/>.
func unavailableFrom(from string) *etree.Element {
	el := etree.NewElement("presence")
	el.CreateAttr("type", "unavailable")
	el.CreateAttr("from", from)
	return el
}

// probeFrom is <presence type='probe' from='bare'/> (RFC 6121 §4.3.1).
func probeFrom(bare string) *etree.Element {
	el := etree.NewElement("presence")
	el.CreateAttr("type", "probe")
	el.CreateAttr("from", bare)
	return el
}
