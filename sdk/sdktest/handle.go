package sdktest

import (
	"slices"
	"strings"

	"github.com/beevik/etree"
	"mellium.im/xmpp/jid"

	"github.com/switchboard-xmpp/switchboard/sdk"
	"github.com/switchboard-xmpp/switchboard/sdk/internal/wire"
	"github.com/switchboard-xmpp/switchboard/sdk/proto/contract"
	"github.com/switchboard-xmpp/switchboard/sdk/proto/pluginv1"
	"github.com/switchboard-xmpp/switchboard/sdk/stanza"
)

// Response is what became of a stanza given to Handle.
type Response struct {
	// Replies are the stanzas the plugin answered with (an IQ result);
	// stanzas it sent through the Host are in Harness.Sent.
	Replies []*etree.Element
	// Declined: the route's handler returned sdk.ErrNotMine.
	Declined bool
	// NoRoute: no route of the plugin takes the stanza (the rules are
	// sdk/proto/contract's, the core's own).
	NoRoute bool
	// Err is the stanza error the sender gets: the plugin's; the core's
	// internal-server-error when it refuses the plugin's replies (one from
	// someone the plugin may not speak for: the test log says why); or the
	// core's service-unavailable for what no route took or a route
	// declined and only a route could answer (the contract's rule 7).
	Err *stanza.Error
}

// Handle gives the plugin a stanza as the core would: 'from' is set to
// from (removed when from is "", a client not yet authenticated), 'to' is
// prepared, and the stanza goes to the route that takes it. The sender's
// SessionID is that of a session set with SetSessions for from, else from
// itself. A stanza that does not parse fails the test.
func (h *Harness) Handle(stanzaXML, from string) Response {
	h.t.Helper()
	el, err := wire.ParseStanza([]byte(stanzaXML))
	if err != nil {
		h.t.Fatalf("Handle: %v", err)
	}
	el.RemoveAttr("from")
	if from != "" {
		el.CreateAttr("from", from)
	}
	env := &pluginv1.Envelope{From: from, SessionId: h.sessionID(from), Authenticated: from != "", Secure: true, RemoteAddr: "127.0.0.1"}
	addr, to, err := h.addressing(el, from == "")
	if err != nil {
		return h.unrouted(el, addr, stanza.Errorf(stanza.JIDMalformed, err.Error()))
	}
	env.To = to
	e, ok := h.routes.Match(routed{el}, addr, h.serviceDomain, from == "")
	if !ok {
		return h.unrouted(el, addr, nil)
	}
	env.Route = e.Index
	if env.Stanza, err = wire.MarshalStanza(el); err != nil {
		h.t.Fatalf("Handle: %v", err)
	}
	ctx, cancel := h.ctx()
	defer cancel()
	resp, err := h.call(ctx, env)
	if err != nil {
		se := stanzaErrorOf(err)
		if se == nil {
			h.t.Fatalf("Handle: the call failed: %v", err)
		}
		return Response{Err: se}
	}
	if resp.GetDeclined() {
		r := h.unrouted(el, addr, nil)
		r.NoRoute, r.Declined = false, true
		return r
	}
	// What the core checks the replies against: the request's 'to', or
	// when it had none the sender's account (the server before
	// authentication).
	answered := &contract.Answered{To: to, ID: el.SelectAttrValue("id", "")}
	switch {
	case to != "":
	case from == "":
		answered.To = h.domain
	default:
		bare, _, _ := strings.Cut(from, "/")
		answered.To = bare
	}
	replies, err := contract.CheckReplies(h.host.emitter(), resp.GetReplies(), answered, prepJID, parseEmitted)
	if err != nil {
		se, id := stanza.Incident()
		h.t.Logf("Handle: the core refuses the plugin's replies, and answers %s (error_id %s): %v", se.Condition, id, err)
		return Response{Err: se}
	}
	return Response{Replies: replies}
}

// unrouted is the core's answer to a stanza no route took, by the
// contract's rule 7: service-unavailable for what only a route could
// answer; anything else goes on its way to clients, which here means
// nowhere.
func (h *Harness) unrouted(el *etree.Element, addr pluginv1.Addressing, err *stanza.Error) Response {
	if err == nil && contract.Unrouted(addr, el.Tag, el.SelectAttrValue("type", "")) {
		err = stanza.New(stanza.ServiceUnavailable)
	}
	return Response{NoRoute: true, Err: err}
}

// addressing prepares 'to' and classifies it by the contract's rules 2
// and 3 (sdk/proto/contract/route.go). It returns the prepared 'to' ("" when
// absent), and no addressing for a stanza no route may take.
func (h *Harness) addressing(el *etree.Element, preAuth bool) (pluginv1.Addressing, string, error) {
	var to *contract.JID
	var prepared string
	if raw := el.SelectAttr("to"); raw != nil {
		j, err := jid.Parse(raw.Value)
		if err != nil {
			return 0, "", err
		}
		to = &contract.JID{Local: j.Localpart(), Domain: j.Domainpart(), Resource: j.Resourcepart()}
		prepared = j.String()
	}
	switch {
	case preAuth && !contract.PreAuthAddressing(el.Tag, to, h.domain):
		return pluginv1.Addressing_ADDRESSING_UNSPECIFIED, prepared, nil
	case preAuth:
		return pluginv1.Addressing_ADDRESSING_SERVER, prepared, nil
	case to == nil:
		return contract.AddressingOf(el.Tag, false, contract.JID{}), "", nil
	case h.serviceDomain != "" && to.Domain == h.serviceDomain:
		return pluginv1.Addressing_ADDRESSING_SERVICE, prepared, nil
	case !slices.Contains(h.domains, to.Domain):
		return pluginv1.Addressing_ADDRESSING_UNSPECIFIED, prepared, nil
	}
	return contract.AddressingOf(el.Tag, true, *to), prepared, nil
}

func (h *Harness) sessionID(from string) string {
	if from == "" {
		return "pre-auth"
	}
	h.host.mu.Lock()
	defer h.host.mu.Unlock()
	bare, _ := jid.Parse(from)
	if i := slices.IndexFunc(h.host.sessions[bare.Bare().String()], func(s sdk.Session) bool { return s.JID == from }); i >= 0 {
		return h.host.sessions[bare.Bare().String()][i].SessionID
	}
	return from
}
