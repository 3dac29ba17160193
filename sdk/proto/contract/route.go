package contract

import (
	"fmt"
	"slices"
	"strings"

	"github.com/switchboard-xmpp/switchboard/sdk/proto/pluginv1"
)

// How a stanza finds its route:
//
//  1. The kind is the element's name: message, presence or iq. An IQ of
//     type result or error is an answer: it never reaches a route.
//  2. Before authentication only IQs reach routes, only PreAuth ones, and
//     only when addressed to the server's domain or to nothing: they count
//     as addressed to the server (PreAuthAddressing).
//  3. Otherwise the addressing follows from the prepared 'to'
//     (AddressingOf): a presence without 'to' is a broadcast; an IQ or
//     message without 'to' is for the sender's own account (bare); a 'to'
//     without localpart (the domain) is the server; one with a resource
//     full; any other bare. A 'to' in a service's domain (the domain
//     itself or any JID in it) is the service's, whose routes are
//     addressed to the service; a 'to' on any other domain reaches no
//     route.
//  4. The stanza's type must be one of the route's types, any when there
//     are none; a message without type is "normal", a presence without
//     type "available".
//  5. For an IQ, the namespace of its first child element must be the
//     route's. For a message or presence, a route's namespace, unless
//     empty, must be that of one of the children.
//  6. The first route that passes all of these takes the stanza: plugins
//     in the order they were added to the Table, each plugin's routes in
//     declared order.
//  7. A stanza that no route takes, or whose route declines it, is
//     refused with service-unavailable when it asks something of the
//     server, an account or a service that only a route could answer
//     (Unrouted); anything else goes on its way, to the account's
//     resources or nowhere.
//
// Two plugins whose routes could both take one stanza conflict: a Table
// refuses the second (the server does not start).

// Stanza is what the route rules read of a stanza.
type Stanza interface {
	// Name is the element's local name: message, presence or iq.
	Name() string
	// Type is the type attribute as written, "" when there is none.
	Type() string
	// FirstChildSpace is the namespace of the first child element, ""
	// when there is none.
	FirstChildSpace() string
	// HasChildSpace reports whether any child element is in namespace ns.
	HasChildSpace(ns string) bool
}

// JID is a prepared JID (RFC 7622), as each side prepares it.
type JID struct{ Local, Domain, Resource string }

// KindOf is the route kind of an element named name.
func KindOf(name string) pluginv1.Kind {
	switch name {
	case "message":
		return pluginv1.Kind_KIND_MESSAGE
	case "presence":
		return pluginv1.Kind_KIND_PRESENCE
	case "iq":
		return pluginv1.Kind_KIND_IQ
	}
	return pluginv1.Kind_KIND_UNSPECIFIED
}

// TypeOf names a stanza's type as routes do (rule 4).
func TypeOf(name, typ string) string {
	if typ != "" {
		return typ
	}
	switch name {
	case "message":
		return "normal"
	case "presence":
		return "available"
	}
	return ""
}

// IsAnswer reports whether a stanza is an IQ result or error (rule 1).
func IsAnswer(name, typ string) bool {
	return name == "iq" && (typ == "result" || typ == "error")
}

// AddressingOf is rule 3 for a stanza to the server's own domain: hasTo
// says whether it has a 'to', and to is that 'to', prepared.
func AddressingOf(name string, hasTo bool, to JID) pluginv1.Addressing {
	switch {
	case !hasTo && name == "presence":
		return pluginv1.Addressing_ADDRESSING_BROADCAST
	case !hasTo:
		return pluginv1.Addressing_ADDRESSING_BARE
	case to.Local == "":
		return pluginv1.Addressing_ADDRESSING_SERVER
	case to.Resource != "":
		return pluginv1.Addressing_ADDRESSING_FULL
	}
	return pluginv1.Addressing_ADDRESSING_BARE
}

// Unrouted is rule 7: whether the core answers service-unavailable to a
// stanza addressed as addr that no route took. An IQ request to the
// server, an account's bare JID or a service is answered for them (RFC
// 6120 §8.4, RFC 6121 §8.5.2.1.3); a message to the server or a service,
// which keep no messages, unless it is an error or a headline, which
// want no answer. A message or presence to an account is delivered to
// its resources (RFC 6121 §8.5.2), a presence to the server or a service
// ends there.
func Unrouted(addr pluginv1.Addressing, name, typ string) bool {
	switch name {
	case "iq":
		switch addr {
		case pluginv1.Addressing_ADDRESSING_SERVER, pluginv1.Addressing_ADDRESSING_BARE, pluginv1.Addressing_ADDRESSING_SERVICE:
			return typ == "get" || typ == "set"
		}
	case "message":
		switch addr {
		case pluginv1.Addressing_ADDRESSING_SERVER, pluginv1.Addressing_ADDRESSING_SERVICE:
			return typ != "error" && typ != "headline"
		}
	}
	return false
}

// PreAuthAddressing is rule 2: whether a stanza sent before
// authentication may reach a route (addressed to the server), given its
// prepared 'to' (nil when it has none) and the server's domain. RFC 6120
// §4.9.3.12 has the stream closed for anything else.
func PreAuthAddressing(name string, to *JID, domain string) bool {
	return name == "iq" && (to == nil || *to == JID{Domain: domain})
}

// Takes reports whether route r takes s by rules 4 and 5 (and 2's
// PreAuth), once its kind and addressing are known to fit.
func Takes(r *pluginv1.Route, s Stanza, preAuth bool) bool {
	if preAuth && !r.GetPreAuth() {
		return false
	}
	if types := r.GetTypes(); len(types) > 0 && !slices.Contains(types, TypeOf(s.Name(), s.Type())) {
		return false
	}
	if r.GetKind() == pluginv1.Kind_KIND_IQ {
		return s.FirstChildSpace() == r.GetNamespace()
	}
	ns := r.GetNamespace()
	return ns == "" || s.HasChildSpace(ns)
}

// DescribeRoute says in words which stanzas r takes.
func DescribeRoute(r *pluginv1.Route) string {
	s := strings.ToLower(strings.TrimPrefix(r.GetKind().String(), "KIND_")) + " to " +
		strings.ToLower(strings.TrimPrefix(r.GetAddressing().String(), "ADDRESSING_"))
	if r.GetNamespace() != "" {
		s += " {" + r.GetNamespace() + "}"
	}
	if len(r.GetTypes()) > 0 {
		s += " types " + strings.Join(r.GetTypes(), ",")
	}
	return s
}

// Table is the route table of a set of plugins, each an owner of type T.
// It is built once, when plugins load, and read without locks.
type Table[T comparable] struct {
	routes map[routeKey][]Entry[T]
}

// Entry is a route in a Table: its owner, its index in the owner's
// manifest (Envelope.route), and the route.
type Entry[T comparable] struct {
	Owner T
	Name  string // the owner's, for errors
	Index uint32
	Route *pluginv1.Route
}

type routeKey struct {
	kind   pluginv1.Kind
	addr   pluginv1.Addressing
	ns     string // IQ only; message and presence routes are keyed by ""
	domain string // the service's, for ADDRESSING_SERVICE routes
}

func keyOf(r *pluginv1.Route, domain string) routeKey {
	k := routeKey{kind: r.GetKind(), addr: r.GetAddressing()}
	if k.kind == pluginv1.Kind_KIND_IQ {
		k.ns = r.GetNamespace()
	}
	if k.addr == pluginv1.Addressing_ADDRESSING_SERVICE {
		k.domain = domain
	}
	return k
}

// Add adds the routes of owner's manifest m, with the service domain m
// owns (Manifest.service.domain) for its service routes. It fails, adding
// nothing, on a route that could take a stanza another owner's takes.
func (t *Table[T]) Add(owner T, m *pluginv1.Manifest) error {
	for _, r := range m.GetRoutes() {
		for _, other := range t.routes[keyOf(r, m.GetService().GetDomain())] {
			if other.Owner != owner && overlaps(other.Route, r) {
				return fmt.Errorf("route conflict: plugins %s and %s both claim %s", other.Name, m.GetName(), DescribeRoute(r))
			}
		}
	}
	if t.routes == nil {
		t.routes = map[routeKey][]Entry[T]{}
	}
	for i, r := range m.GetRoutes() {
		k := keyOf(r, m.GetService().GetDomain())
		t.routes[k] = append(t.routes[k], Entry[T]{Owner: owner, Name: m.GetName(), Index: uint32(i), Route: r})
	}
	return nil
}

// overlaps reports whether two routes with the same key could both take
// one stanza.
func overlaps(a, b *pluginv1.Route) bool {
	if a.GetKind() != pluginv1.Kind_KIND_IQ && a.GetNamespace() != b.GetNamespace() {
		return false
	}
	ta, tb := a.GetTypes(), b.GetTypes()
	if len(ta) == 0 || len(tb) == 0 {
		return true
	}
	for _, t := range ta {
		if slices.Contains(tb, t) {
			return true
		}
	}
	return false
}

// Match finds the route that takes s, addressed by addr (and, for
// ADDRESSING_SERVICE, to the service domain), before authentication when
// preAuth. A nil Table matches nothing.
func (t *Table[T]) Match(s Stanza, addr pluginv1.Addressing, domain string, preAuth bool) (Entry[T], bool) {
	name := s.Name()
	if t == nil || IsAnswer(name, s.Type()) {
		return Entry[T]{}, false
	}
	k := routeKey{kind: KindOf(name), addr: addr}
	if k.kind == pluginv1.Kind_KIND_IQ {
		k.ns = s.FirstChildSpace()
	}
	if addr == pluginv1.Addressing_ADDRESSING_SERVICE {
		k.domain = domain
	}
	for _, e := range t.routes[k] {
		if Takes(e.Route, s, preAuth) {
			return e, true
		}
	}
	return Entry[T]{}, false
}
