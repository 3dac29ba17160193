package sdktest

import (
	"slices"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/sdk/proto/pluginv1"
)

// How Handle picks a route. These are the core's rules (core/pluginhost),
// kept here in one place:
//
//  1. The kind is the element's name: message, presence or iq. An IQ of
//     type result or error is an answer: it never reaches a route.
//  2. Before authentication (from == "") only IQs reach routes, only
//     PreAuth ones, and they count as addressed ToServer.
//  3. Otherwise the addressing follows from 'to', prepared as RFC 7622
//     says: a presence without 'to' is Broadcast; an IQ or message without
//     'to' is ToBare (the sender's own account); a 'to' without localpart
//     (the domain) is ToServer; one with a resource ToFull; any other
//     ToBare. A 'to' in the plugin's service domain (the domain itself or
//     any JID in it) is ToService. A 'to' on another domain reaches no
//     route.
//  4. The stanza's type must be one of the route's Types, any when there
//     are none; a message without type is "normal", a presence without
//     type "available".
//  5. For an IQ, the namespace of its first child element must be the
//     route's. For a message or presence, a route's namespace, unless
//     empty, must be that of one of the children.
//  6. The first route, in declared order, that passes all of these takes
//     the stanza.

func kindOf(el *etree.Element) pluginv1.Kind {
	switch el.Tag {
	case "message":
		return pluginv1.Kind_KIND_MESSAGE
	case "presence":
		return pluginv1.Kind_KIND_PRESENCE
	case "iq":
		return pluginv1.Kind_KIND_IQ
	}
	return pluginv1.Kind_KIND_UNSPECIFIED
}

func typeOf(el *etree.Element) string {
	switch t := el.SelectAttrValue("type", ""); {
	case t != "":
		return t
	case el.Tag == "message":
		return "normal"
	case el.Tag == "presence":
		return "available"
	}
	return ""
}

// match returns the index of the route that takes el, or -1.
func match(routes []*pluginv1.Route, el *etree.Element, addr pluginv1.Addressing, preAuth bool) int {
	kind, typ := kindOf(el), typeOf(el)
	if kind == pluginv1.Kind_KIND_IQ && (typ == "result" || typ == "error") {
		return -1
	}
	for i, r := range routes {
		switch {
		case r.GetKind() != kind || r.GetAddressing() != addr:
		case preAuth && !r.GetPreAuth():
		case len(r.GetTypes()) > 0 && !slices.Contains(r.GetTypes(), typ):
		case !takesNamespace(r, el):
		default:
			return i
		}
	}
	return -1
}

func takesNamespace(r *pluginv1.Route, el *etree.Element) bool {
	children := el.ChildElements()
	if r.GetKind() == pluginv1.Kind_KIND_IQ {
		return len(children) > 0 && children[0].NamespaceURI() == r.GetNamespace()
	}
	if r.GetNamespace() == "" {
		return true
	}
	return slices.ContainsFunc(children, func(c *etree.Element) bool { return c.NamespaceURI() == r.GetNamespace() })
}
