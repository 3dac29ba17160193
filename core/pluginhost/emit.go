package pluginhost

import (
	"context"
	"fmt"

	"github.com/switchboard-xmpp/switchboard/core/jidprep"
	"github.com/switchboard-xmpp/switchboard/core/session"
	"github.com/switchboard-xmpp/switchboard/core/stream"
	"github.com/switchboard-xmpp/switchboard/sdk/proto/contract"
	"github.com/switchboard-xmpp/switchboard/sdk/stanza"
)

// emitter is the plugin as the contract's check on what it emits sees it.
func (in *instance) emitter() contract.Emitter {
	return contract.Emitter{Name: in.spec.Name, Domain: in.h.cfg.Domain, Domains: in.h.domains(), ServiceDomain: in.serviceDomain(), SendAsUsers: in.allowed(capSendAsUsers)}
}

// emitted parses a stanza the plugin sends through the Host, within the
// stream limits, and applies the contract's check on it.
func (in *instance) emitted(b []byte) (*stream.Element, error) {
	el, s, err := in.parseEmitted(b)
	if err != nil {
		return nil, fmt.Errorf("malformed stanza: %w", err)
	}
	if err := in.emitter().Check(s, nil, prepJID); err != nil {
		return nil, err
	}
	return el, nil
}

func (in *instance) parseEmitted(b []byte) (*stream.Element, contract.Emitted, error) {
	el, err := stream.ParseElement(b, in.h.cfg.Limits)
	if err != nil {
		return nil, contract.Emitted{}, err
	}
	return el, emittedOf(el), nil
}

// checkReplies applies the contract's check to a handler's replies. A
// refused reply is logged with an id, and the error the request then
// gets, internal-server-error, carries it, as the sdk does for a
// handler's own failure: every IQ gets an answer.
func (in *instance) checkReplies(replies [][]byte, a *contract.Answered) ([]*stream.Element, *stanza.Error) {
	els, err := contract.CheckReplies(in.emitter(), replies, a, prepJID, in.parseEmitted)
	if err != nil {
		se, id := stanza.Incident()
		in.log.Warn("plugin replied with a stanza the core refuses; none of its replies is sent", "error", err, "error_id", id)
		return nil, se
	}
	return els, nil
}

// routeReplies checks a handler's replies to el, from a session or the
// server (from nil), and routes them; a refused reply set makes el's
// sender an error instead.
func (h *Host) routeReplies(ctx context.Context, in *instance, from *session.Session, el *stream.Element, to jidprep.JID, replies [][]byte) {
	if len(replies) == 0 {
		return
	}
	els, serr := in.checkReplies(replies, &contract.Answered{To: to.String(), ID: el.Attr("id")})
	if serr != nil {
		if from != nil {
			h.replyError(ctx, from, el, serr)
		}
		return
	}
	var buf []byte
	for _, r := range els {
		var err error
		if buf, err = h.router.Deliver(ctx, r, buf); err != nil {
			in.log.Warn("plugin sent an undeliverable stanza", "error", err)
		}
	}
}
