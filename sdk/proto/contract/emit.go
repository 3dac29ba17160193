package contract

import (
	"errors"
	"fmt"
	"slices"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// The one check on every stanza a plugin emits, by any path: sent through
// the Host (Send, SendIQ), or returned from a handler as a reply. The
// stanza must parse (each side with its own parser, the core within its
// stream limits), and come from:
//
//   - the server: no 'from', or the server's domain (with or without a
//     resource);
//   - as the answer to a request, an IQ result or error with the
//     request's id, from what the request was addressed to: a reply on
//     behalf of an account the request named;
//   - any JID of the plugin's own service domain;
//   - with the send_as_users capability, any local user, or a user of
//     another server when the stanza is addressed to a local user (presence
//     hands on a subscription request that roster recorded; the router
//     refuses it without federation).
//
// A handler's replies are checked all before any is used (CheckReplies),
// so that a request is answered by the plugin whole or not at all.

// ErrRefusedSender is a stanza from someone the plugin may not speak for.
var ErrRefusedSender = errors.New("refused sender")

// Emitter is a plugin as the check on what it emits sees it.
type Emitter struct {
	Name   string // the plugin's
	Domain string // the server's (primary) domain
	// Domains are every domain the server hosts, Domain among them; nil
	// is Domain alone.
	Domains       []string
	ServiceDomain string // the domain the plugin owns, "" for none
	// SendAsUsers: the plugin may send as local users (see Allowed).
	SendAsUsers bool
}

// Emitted is what the check reads of an emitted stanza.
type Emitted struct {
	Name, Type, ID string
	From           string // as written, "" when absent
	To             string // as written, "" when absent
}

// Answered is the IQ request that a handler's replies answer: what it was
// addressed to (prepared), and its id.
type Answered struct{ To, ID string }

// Check applies the rule to a stanza the plugin emits; a is the request
// its replies answer, nil for a stanza sent through the Host. prep
// prepares the 'from' as the caller's side prepares JIDs.
func (e Emitter) Check(s Emitted, a *Answered, prep func(string) (JID, error)) error {
	if s.From == "" || a != nil && s.From == a.To && IsAnswer(s.Name, s.Type) && s.ID == a.ID {
		return nil
	}
	j, err := prep(s.From)
	switch {
	case err != nil:
		return fmt.Errorf("%w: 'from' %q is not a JID: %v", ErrRefusedSender, s.From, err)
	case !e.hosted(j.Domain) && e.ServiceDomain != "" && j.Domain == e.ServiceDomain:
		return nil // any JID of its own domain
	case !e.hosted(j.Domain) && j.Local != "" && e.SendAsUsers && e.toLocalUser(s.To, prep):
		return nil // a remote user's stanza relayed to a local one
	case !e.hosted(j.Domain):
		return fmt.Errorf("%w: a plugin's stanza may only come from a hosted domain (%s…) or its users, not %q", ErrRefusedSender, e.Domain, s.From)
	case j.Local == "" || e.SendAsUsers:
		return nil
	}
	return fmt.Errorf("%w: plugin %s has no capability %s to send as %s", ErrRefusedSender, e.Name, CapSendAsUsers, s.From)
}

// hosted reports whether the server hosts domain.
func (e Emitter) hosted(domain string) bool {
	if e.Domains == nil {
		return domain == e.Domain
	}
	return slices.Contains(e.Domains, domain)
}

// toLocalUser reports whether to names a user of the server.
func (e Emitter) toLocalUser(to string, prep func(string) (JID, error)) bool {
	j, err := prep(to)
	return err == nil && e.hosted(j.Domain) && j.Local != ""
}

// CheckReplies applies Check to all of a handler's replies before any is
// used; parse reads a reply as the caller's side reads stanzas. It returns
// the parsed replies, or the first refusal.
func CheckReplies[T any](e Emitter, replies [][]byte, a *Answered, prep func(string) (JID, error), parse func([]byte) (T, Emitted, error)) ([]T, error) {
	out := make([]T, 0, len(replies))
	for _, b := range replies {
		el, s, err := parse(b)
		if err != nil {
			return nil, fmt.Errorf("malformed stanza: %w", err)
		}
		if err := e.Check(s, a, prep); err != nil {
			return nil, err
		}
		out = append(out, el)
	}
	return out, nil
}

// SendStatus is the status of a Host call whose stanza number n (from 1)
// the check refused.
func SendStatus(n int, err error) error {
	if errors.Is(err, ErrRefusedSender) {
		return status.Errorf(codes.PermissionDenied, "stanza %d: %v (ask for send_as_users in the manifest; the operator grants it)", n, err)
	}
	return status.Errorf(codes.InvalidArgument, "stanza %d: %v", n, err)
}
