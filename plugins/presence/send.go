package presence

import (
	"context"
	"errors"
	"fmt"

	"github.com/beevik/etree"
)

// outgoing is a stanza for one address. A broadcast shares one element
// among all its recipients: sendAll sets 'to' just before each Send, and
// Send has serialised the element when it returns, so no copy is made per
// recipient. An element in outgoing must belong to the sending call alone.
type outgoing struct {
	el *etree.Element
	to string
}

// sendAll sends everything, going on past failures, and returns them
// joined.
func (p *Presence) sendAll(ctx context.Context, out []outgoing) error {
	if len(out) == 0 {
		return nil
	}
	host, _ := p.env()
	var errs []error
	for _, o := range out {
		o.el.CreateAttr("to", o.to)
		if err := host.Send(ctx, o.el); err != nil {
			errs = append(errs, fmt.Errorf("sending presence to %s: %w", o.to, err))
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
