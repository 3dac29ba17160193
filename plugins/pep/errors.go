package pep

import "github.com/switchboard-xmpp/switchboard/sdk/stanza"

// Errors of XEP-0060, each a stanza condition with the pubsub-specific
// condition that clients look for.

func pubsubErr(c stanza.Condition, typ stanza.ErrorType, app, text string) *stanza.Error {
	return &stanza.Error{Type: typ, Condition: c, Text: text, AppSpace: NSErrors, AppLocal: app}
}

// errPrecondition: the node's configuration differs from the publish
// options (§7.1.5); clients then reconfigure the node and publish again.
func errPrecondition(text string) *stanza.Error {
	return pubsubErr(stanza.Conflict, stanza.Cancel, "precondition-not-met", text)
}

func errNodeIDRequired() *stanza.Error {
	return pubsubErr(stanza.BadRequest, stanza.Modify, "nodeid-required", "")
}

func errItemRequired() *stanza.Error {
	return pubsubErr(stanza.BadRequest, stanza.Modify, "item-required", "")
}

func errPayloadRequired() *stanza.Error {
	return pubsubErr(stanza.BadRequest, stanza.Modify, "payload-required", "")
}

func errInvalidPayload(text string) *stanza.Error {
	return pubsubErr(stanza.BadRequest, stanza.Modify, "invalid-payload", text)
}

func errPayloadTooBig(text string) *stanza.Error {
	return pubsubErr(stanza.NotAcceptable, stanza.Modify, "payload-too-big", text)
}

func errInvalidJID() *stanza.Error {
	return pubsubErr(stanza.BadRequest, stanza.Modify, "invalid-jid", "subscribe with your own JID")
}

func errNotSubscribed() *stanza.Error {
	return pubsubErr(stanza.UnexpectedRequest, stanza.Cancel, "not-subscribed", "")
}

// errUnsupported says what is not implemented: the feature as an
// attribute of <unsupported/> (XEP-0060 §7.1.3.x and others), and in the
// text for people.
func errUnsupported(feature string) *stanza.Error {
	e := pubsubErr(stanza.FeatureNotImplemented, stanza.Cancel, "unsupported", feature+" is not supported")
	e.AppAttrs = []stanza.Attr{{Name: "feature", Value: feature}}
	return e
}

// Refusals by access model (§6.5.9).
func errPresenceRequired() *stanza.Error {
	return pubsubErr(stanza.NotAuthorized, stanza.Auth, "presence-subscription-required", "")
}

func errNotInRosterGroup() *stanza.Error {
	return pubsubErr(stanza.NotAuthorized, stanza.Auth, "not-in-roster-group", "")
}

func errClosedNode() *stanza.Error {
	return pubsubErr(stanza.NotAllowed, stanza.Cancel, "closed-node", "")
}

func errNoNode() *stanza.Error { return stanza.New(stanza.ItemNotFound) }

func errNotOwner() *stanza.Error {
	return stanza.Errorf(stanza.Forbidden, "only the account itself manages its nodes")
}
