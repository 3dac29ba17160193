package sasl

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"unicode/utf8"
)

type plainMechanism struct{}

// Plain returns the PLAIN mechanism (RFC 4616). It sends the password itself,
// so it is only available on encrypted connections.
func Plain() Mechanism { return plainMechanism{} }

func (plainMechanism) Name() string { return "PLAIN" }

func (plainMechanism) Available(cs ConnState) bool { return cs.TLS != nil }

func (plainMechanism) Start(cs ConnState, creds CredentialSource) Negotiation {
	return &plainNegotiation{cs: cs, creds: creds}
}

type plainNegotiation struct {
	cs         ConnState
	creds      CredentialSource
	challenged bool
	done       bool
	authed     string
	attempted  string // the prepared authcid, even when the password is wrong
}

func (n *plainNegotiation) Username() string { return n.authed }

func (n *plainNegotiation) Attempted() string { return n.attempted }

func (n *plainNegotiation) Testing(in []byte) (string, bool) {
	if n.done || (len(in) == 0 && !n.challenged) {
		return "", false
	}
	_, authcid, _, ok := splitPlain(in)
	if !ok {
		return "", false
	}
	username, err := prepareUsername(authcid)
	if err != nil {
		return "", true
	}
	return username, true
}

func (n *plainNegotiation) Step(ctx context.Context, in []byte) ([]byte, bool, error) {
	if n.done {
		return nil, false, finished()
	}
	if len(in) == 0 && !n.challenged {
		n.challenged = true
		return []byte{}, false, nil
	}
	n.done = true
	username, err := n.check(ctx, in)
	if err != nil {
		return nil, false, err
	}
	n.authed = username
	return nil, true, nil
}

// check parses the message and verifies it.
func (n *plainNegotiation) check(ctx context.Context, in []byte) (string, error) {
	authzid, authcid, password, parsed := splitPlain(in)
	if !parsed {
		return "", &Failure{Condition: MalformedRequest, Text: "expected authzid, authcid and password separated by NUL"}
	}
	username, err := prepareUsername(authcid)
	if err != nil {
		return "", authFailed(fmt.Errorf("preparing username: %w", err))
	}
	n.attempted = username
	if !authzidMatches(authzid, username, n.cs.Domain) {
		return "", &Failure{Condition: InvalidAuthzid, Text: "authorization identity must be empty or your own bare JID"}
	}
	ok, err := n.creds.VerifyPlain(ctx, username, password)
	switch {
	case errors.Is(err, ErrUnknownUser):
		return "", authFailed(err)
	case err != nil:
		return "", &Failure{Condition: TemporaryAuthFailure, Err: fmt.Errorf("verifying password: %w", err)}
	case !ok:
		return "", authFailed(errors.New("wrong password"))
	}
	return username, nil
}

// splitPlain parses "authzid NUL authcid NUL passwd".
func splitPlain(in []byte) (authzid, authcid, password string, ok bool) {
	parts := bytes.Split(in, []byte{0})
	if len(parts) != 3 || len(parts[1]) == 0 || len(parts[2]) == 0 || !utf8.Valid(in) {
		return "", "", "", false
	}
	return string(parts[0]), string(parts[1]), string(parts[2]), true
}
