package pluginhost

import (
	"context"
	"errors"
	"fmt"

	"github.com/switchboard-xmpp/switchboard/core/jidprep"
	"github.com/switchboard-xmpp/switchboard/core/session"
	"github.com/switchboard-xmpp/switchboard/core/stream"
	"github.com/switchboard-xmpp/switchboard/sdk/stanza"
)

// answered is the IQ request that a plugin's replies answer: what it was
// addressed to, and its id.
type answered struct{ to, id string }

// errRefusedSender is a stanza from someone the plugin may not speak for.
var errRefusedSender = errors.New("refused sender")

// emitted is the one check on every stanza a plugin emits, by any path:
// sent through the Host, or returned from a handler as a reply. The
// stanza must parse within the stream limits, and come from the server
// (no 'from', or the domain), or — as the answer to a request, an IQ result
// or error with its id — from what the request was addressed to (a reply
// on behalf of an account the request named), or from any JID of the
// plugin's own service domain, or, with the send_as_users capability,
// from any local user, or from a remote user to a local one.
func (in *instance) emitted(b []byte, a *answered) (*stream.Element, error) {
	el, err := stream.ParseElement(b, in.h.cfg.Limits)
	if err != nil {
		return nil, fmt.Errorf("malformed stanza: %w", err)
	}
	from := el.Attr("from")
	if from == "" || a != nil && from == a.to && isAnswer(el, a.id) {
		return el, nil
	}
	j, err := jidprep.Parse(from)
	if err == nil && j.Domain != in.h.cfg.Domain && j.Domain == in.serviceDomain() {
		return el, nil // any JID of its own domain
	}
	if err == nil && j.Domain != in.h.cfg.Domain && j.Local != "" && in.allowed(capSendAsUsers) && toLocal(el, in.h.cfg.Domain) {
		// Relaying what a user of another server sent to a local user
		// (presence hands on a subscription request roster recorded);
		// the router refuses it without federation.
		return el, nil
	}
	if err != nil || j.Domain != in.h.cfg.Domain {
		return nil, fmt.Errorf("%w: a plugin's stanza may only come from %s or its users, not %q", errRefusedSender, in.h.cfg.Domain, from)
	}
	if j.Local == "" || in.allowed(capSendAsUsers) {
		return el, nil
	}
	return nil, fmt.Errorf("%w: plugin %s has no capability %s to send as %s", errRefusedSender, in.spec.Name, capSendAsUsers, from)
}

// toLocal reports whether el is addressed to a user of domain.
func toLocal(el *stream.Element, domain string) bool {
	to, err := jidprep.Parse(el.Attr("to"))
	return err == nil && to.Domain == domain && to.Local != ""
}

func isAnswer(el *stream.Element, id string) bool {
	t := el.Attr("type")
	return el.Name.Local == "iq" && (t == "result" || t == "error") && el.Attr("id") == id
}

// checkReplies applies emitted to all of a handler's replies before any
// is used, so that a request is answered by the plugin whole or not at
// all. A refused reply is logged with an id, and the error the request
// then gets, internal-server-error, carries it, as the sdk does for a
// handler's own failure: every IQ gets an answer.
func (in *instance) checkReplies(replies [][]byte, a *answered) ([]*stream.Element, *stanza.Error) {
	els := make([]*stream.Element, 0, len(replies))
	for _, r := range replies {
		el, err := in.emitted(r, a)
		if err != nil {
			se, id := stanza.Incident()
			in.log.Warn("plugin replied with a stanza the core refuses; none of its replies is sent", "error", err, "error_id", id)
			return nil, se
		}
		els = append(els, el)
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
	els, serr := in.checkReplies(replies, &answered{to: to.String(), id: el.Attr("id")})
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
