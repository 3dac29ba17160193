package sdk

import (
	"context"
	"errors"

	"github.com/beevik/etree"
)

// Kind is a kind of stanza.
type Kind int

// Stanza kinds.
const (
	Message  Kind = 1
	Presence Kind = 2
	IQ       Kind = 3
)

// Addressing is which stanzas a route takes by their 'to' (RFC 6121 §8).
type Addressing int

// Addressings.
const (
	// ToServer: to the server's domain; also an IQ without 'to' before
	// authentication.
	ToServer Addressing = 1
	// ToBare: to an account's bare JID, handled by the server on the
	// account's behalf; an IQ or message without 'to' is addressed to the
	// sender's own bare JID.
	ToBare Addressing = 2
	// ToFull: to a full JID.
	ToFull Addressing = 3
	// Broadcast: a presence without 'to'.
	Broadcast Addressing = 4
	// ToService: to the plugin's service domain, or to any JID in it
	// (Description.Service).
	ToService Addressing = 5
)

// Route declares stanzas a plugin handles, together with their handler.
type Route struct {
	Kind Kind
	// Namespace is, for an IQ, the namespace of its one child element; for
	// a message or presence, a namespace one of its children must have,
	// or "" for any.
	Namespace string
	// Types taken; empty takes every type. A message without a type is
	// "normal", a presence without one "available". IQs of type result or
	// error never reach a route: they go back to whoever sent the request.
	Types []string
	To    Addressing
	// PreAuth also serves the route before the client authenticates
	// (in-band registration). Only for IQs to the server.
	PreAuth bool
	// Handle is nil in the routes of a Manifest.
	Handle Handler
}

// Handler handles a stanza that matched its route. What it returns decides
// what the client gets:
//
//   - (payload, nil) for an IQ get or set: an IQ result carrying payload,
//     or an empty result when payload is nil (see IQResult). For a message
//     or presence the payload is ignored; send through Host instead.
//   - (nil, *stanza.Error) — or an error wrapping one: an error reply with
//     that condition. The core builds it, from the sender's stanza.
//   - (nil, ErrNotMine): the route declines the stanza, and the core goes
//     on as if no route had matched it.
//   - any other error, or a panic: internal-server-error. The error is
//     logged once with a short id, and the id is in the reply's <text/>
//     ("internal error, id 3f9a1c2e") so that a user's report finds it.
type Handler func(ctx context.Context, req *Request) (*etree.Element, error)

// ErrNotMine is returned by a handler that declines a stanza.
var ErrNotMine = errors.New("sdk: not mine")

// Request is a stanza that matched a route, with what the core knows of
// its sender.
type Request struct {
	// Stanza is the whole stanza; the core has set 'from' to the
	// authenticated sender.
	Stanza *etree.Element
	// From is the sender's full JID; "" before authentication.
	From string
	// To is the prepared 'to'. When the stanza had none (ToOmitted), it is
	// the sender's bare JID, or the domain before authentication: the
	// address the stanza is understood to be for.
	To        string
	ToOmitted bool
	// SessionID names the sender's stream; stable for its whole life.
	SessionID string
	// Authenticated is false for a PreAuth request.
	Authenticated bool
	// Secure is true when the stream is encrypted.
	Secure bool
	// RemoteAddr is the client's IP address, for per-address limits.
	RemoteAddr string
}
