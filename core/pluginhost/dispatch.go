package pluginhost

import (
	"context"
	"errors"
	"time"

	"google.golang.org/grpc/status"

	"github.com/switchboard-xmpp/switchboard/core/jidprep"
	"github.com/switchboard-xmpp/switchboard/core/router"
	"github.com/switchboard-xmpp/switchboard/core/session"
	"github.com/switchboard-xmpp/switchboard/core/stream"
	"github.com/switchboard-xmpp/switchboard/sdk/proto/contract"
	"github.com/switchboard-xmpp/switchboard/sdk/proto/pluginv1"
	"github.com/switchboard-xmpp/switchboard/sdk/stanza"
)

// match finds the route that takes el; domain names the service for
// ADDRESSING_SERVICE, "" otherwise.
func (s *snapshot) match(el *stream.Element, addr pluginv1.Addressing, domain string, preAuth bool) (contract.Entry[*instance], bool) {
	return s.routes.Match(routed{el}, addr, domain, preAuth)
}

func addressingOf(el *stream.Element, to jidprep.JID) pluginv1.Addressing {
	return contract.AddressingOf(el.Name.Local, el.HasAttr("to"), contractJID(to))
}

// Handle implements router.Handlers: it offers a stanza from a bound
// session to the plugin whose route takes it.
func (h *Host) Handle(ctx context.Context, from *session.Session, el *stream.Element, to jidprep.JID) bool {
	if el.Name.Local == "iq" && (el.Attr("type") == "result" || el.Attr("type") == "error") {
		if h.pending.answer(from.Full, el) {
			return true
		}
	}
	return h.offer(ctx, h.snap.Load(), from, el, to, addressingOf(el, to), "")
}

// offer hands el to the route that takes it, with addr (and the service
// domain for ADDRESSING_SERVICE), and routes the plugin's replies; it
// reports false when no route takes el or the route declines it.
func (h *Host) offer(ctx context.Context, s *snapshot, from *session.Session, el *stream.Element, to jidprep.JID, addr pluginv1.Addressing, domain string) bool {
	e, ok := s.match(el, addr, domain, false)
	if !ok {
		return false
	}
	env := &pluginv1.Envelope{
		Stanza:        el.AppendWithFrom(nil, from.Full),
		From:          from.Full,
		SessionId:     from.ID,
		Authenticated: true,
		Secure:        from.Secure.Load(),
		Route:         e.Index,
	}
	if el.HasAttr("to") || to.Domain != h.cfg.Domain {
		// Without a 'to' a request is for the sender's own account; the
		// plugin is told which only when it is not on the primary domain
		// (the answer then comes from that bare JID, RFC 6120 §8.1.2.1).
		env.To = to.String()
	}
	e.Owner.catchUpObserved(ctx, from.Bare)
	replies, err := e.Owner.handle(ctx, env)
	if errors.Is(err, errDeclined) {
		return false
	}
	if err != nil {
		h.replyError(ctx, from, el, err)
		return true
	}
	h.routeReplies(ctx, e.Owner, from, el, to, replies)
	return true
}

// Claims implements router.Handlers: whether a route takes el, which
// Handle then offers to its plugin.
func (h *Host) Claims(_ *session.Session, el *stream.Element, to jidprep.JID) bool {
	_, ok := h.snap.Load().match(el, addressingOf(el, to), "", false)
	return ok
}

// ClaimsUndeliverable implements router.Handlers: whether Undeliverable
// has a route for el.
func (h *Host) ClaimsUndeliverable(el *stream.Element) bool {
	_, ok := h.snap.Load().match(el, pluginv1.Addressing_ADDRESSING_BARE, "", false)
	return ok
}

// Undeliverable implements router.Handlers: a message no resource could
// take goes to a route for messages addressed to bare JIDs (offline
// storage), which sees only such messages.
func (h *Host) Undeliverable(ctx context.Context, from *session.Session, el *stream.Element, to jidprep.JID) bool {
	e, ok := h.snap.Load().match(el, pluginv1.Addressing_ADDRESSING_BARE, "", false)
	if !ok {
		return false
	}
	// A message the server itself sends crossed no client stream: secure.
	sender := el.Attr("from")
	env := &pluginv1.Envelope{To: to.String(), Route: e.Index, Authenticated: true, Secure: true}
	if from != nil {
		sender = from.Full
		env.From, env.SessionId, env.Secure = from.Full, from.ID, from.Secure.Load()
	}
	env.Stanza = el.AppendWithFrom(nil, sender)
	replies, err := e.Owner.handle(ctx, env)
	if errors.Is(err, errDeclined) {
		return false
	}
	if err != nil {
		if from != nil {
			h.replyError(ctx, from, el, err)
		}
		return true
	}
	h.routeReplies(ctx, e.Owner, from, el, to, replies)
	return true
}

// PreAuth offers an IQ sent before authentication to a route that allows
// it. It returns the replies for the requesting stream, and false when no
// route takes the IQ. Before authentication only the server answers: an
// IQ addressed to anything but the domain is no route's (RFC 6120
// §4.9.3.12 then has the stream closed). domain is the hosted domain the
// stream is for.
func (h *Host) PreAuth(ctx context.Context, domain, sessionID, remoteAddr string, secure bool, el *stream.Element) ([][]byte, bool) {
	to := jidprep.JID{Domain: domain}
	var addressed *contract.JID
	if raw := el.Attr("to"); raw != "" {
		j, err := prepJID(raw)
		if err != nil {
			return nil, false
		}
		addressed = &j
	}
	if !contract.PreAuthAddressing(el.Name.Local, addressed, domain) {
		return nil, false
	}
	e, ok := h.snap.Load().match(el, pluginv1.Addressing_ADDRESSING_SERVER, "", true)
	if !ok {
		return nil, false
	}
	env := &pluginv1.Envelope{Stanza: el.Raw, SessionId: sessionID, RemoteAddr: remoteAddr, Secure: secure, Route: e.Index}
	if el.HasAttr("to") {
		env.To = to.String()
	}
	replies, err := e.Owner.handle(ctx, env)
	if errors.Is(err, errDeclined) {
		return nil, false
	}
	if err == nil {
		// Written to the stream as they are: they must pass the same
		// check as anything a plugin routes, and may not speak for users.
		_, serr := e.Owner.checkReplies(replies, &contract.Answered{To: to.String(), ID: el.Attr("id")})
		if serr == nil {
			return replies, true
		}
		err = serr
	}
	return [][]byte{router.AppendError(nil, el, el.Attr("to"), "", stanzaErrorOf(err))}, true
}

var errDeclined = errors.New("declined")

// handle calls the plugin and sorts out its answer.
func (in *instance) handle(ctx context.Context, env *pluginv1.Envelope) ([][]byte, error) {
	if err := in.acquire(ctx); err != nil {
		return nil, err
	}
	defer in.release()
	if err := in.takeTurn(ctx); err != nil {
		return nil, err
	}
	defer func() { <-in.turns }()
	ctx, cancel := context.WithTimeout(ctx, in.h.cfg.CallTimeout)
	defer cancel()
	in.inflight.Add(1)
	resp, err := in.remoteOf().handle(ctx, env)
	in.inflight.Add(-1)
	if err != nil {
		return nil, in.callError(err)
	}
	if resp.GetDeclined() {
		return nil, errDeclined
	}
	return resp.GetReplies(), nil
}

// defaultMaxConcurrent is the stanzas a plugin handles at once when its
// Spec names no bound.
const defaultMaxConcurrent = 64

// takeTurn waits until the plugin handles fewer than its bound of stanzas
// at once. The caller is a session's worker for stanzas handed off its
// reader (or a plugin's send), which waits here, so an overloaded plugin
// holds the stanzas that feed it, each session's no more than its
// in-flight bound, instead of timing out everything it holds; the call's
// own timeout starts only once it has its turn. Waiting longer than a call
// may take fails with resource-constraint.
func (in *instance) takeTurn(ctx context.Context) error {
	select {
	case in.turns <- struct{}{}:
		return nil
	default:
	}
	t := time.NewTimer(in.h.cfg.CallTimeout)
	defer t.Stop()
	select {
	case in.turns <- struct{}{}:
		return nil
	case <-t.C:
		in.log.Warn("plugin busy: a stanza waited a whole call timeout for its turn", "max_concurrent", cap(in.turns))
		return &stanza.Error{Type: stanza.Wait, Condition: stanza.ResourceConstraint, Text: "the service is busy, try again shortly"}
	case <-ctx.Done():
		return &stanza.Error{Type: stanza.Wait, Condition: stanza.InternalServerError, Text: "the request was cancelled"}
	}
}

// callError turns a failed call into the stanza error the client gets: the
// plugin's own stanza error, or — when the call itself failed because the
// plugin died or hung — internal-server-error of type wait.
func (in *instance) callError(err error) *stanza.Error {
	var se *stanza.Error
	if errors.As(err, &se) { // from the handle stream
		return se
	}
	if se := stanzaErrorFromStatus(err); se != nil {
		return se
	}
	in.log.Warn("plugin call failed", "error", describeErr(err))
	return &stanza.Error{Type: stanza.Wait, Condition: stanza.InternalServerError, Text: "the service failed to answer"}
}

func stanzaErrorFromStatus(err error) *stanza.Error {
	st, ok := status.FromError(err)
	if !ok {
		return nil
	}
	for _, d := range st.Details() {
		if se, ok := d.(*pluginv1.StanzaError); ok {
			return pluginv1.StanzaErrorFromProto(se)
		}
	}
	return nil
}

func stanzaErrorOf(err error) *stanza.Error {
	var se *stanza.Error
	if errors.As(err, &se) {
		return se
	}
	return stanza.New(stanza.InternalServerError)
}

func describeErr(err error) string {
	if st, ok := status.FromError(err); ok {
		return st.Code().String() + ": " + st.Message()
	}
	return err.Error()
}

// replyError answers the sender of el with err, unless el is itself an
// answer or a presence other than a subscription request or answer: those
// change state on both sides (RFC 6121 §3), and a client that is not told
// one failed waits forever for an approval that cannot come.
func (h *Host) replyError(ctx context.Context, from *session.Session, el *stream.Element, err error) {
	typ := el.Attr("type")
	if typ == "error" || typ == "result" {
		return
	}
	if el.Name.Local == "presence" && typ != "subscribe" && typ != "subscribed" && typ != "unsubscribe" && typ != "unsubscribed" {
		return
	}
	b := router.AppendError(nil, el, el.Attr("to"), from.Full, stanzaErrorOf(err))
	from.Sink.Deliver(b)
}
