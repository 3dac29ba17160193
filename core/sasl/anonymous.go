package sasl

import (
	"context"
	"crypto/rand"
	"encoding/hex"
)

type anonymousMechanism struct{}

// Anonymous returns the ANONYMOUS mechanism (RFC 4505): any client gets a
// fresh random username. The trace data the client may send is ignored.
func Anonymous() Mechanism { return anonymousMechanism{} }

func (anonymousMechanism) Name() string { return "ANONYMOUS" }

func (anonymousMechanism) Available(ConnState) bool { return true }

func (anonymousMechanism) Start(ConnState, CredentialSource) Negotiation {
	return &anonymousNegotiation{}
}

type anonymousNegotiation struct {
	done     bool
	username string
}

func (n *anonymousNegotiation) Username() string { return n.username }

func (n *anonymousNegotiation) Attempted() string { return "" }

func (n *anonymousNegotiation) Testing([]byte) (string, bool) { return "", false }

func (n *anonymousNegotiation) Step(context.Context, []byte) ([]byte, bool, error) {
	if n.done {
		return nil, false, finished()
	}
	n.done = true
	// 64 random bits: collisions with another live anonymous session are
	// out of reach, and the name is a valid prepared localpart.
	b := make([]byte, 8)
	rand.Read(b) // never fails since Go 1.24
	n.username = "anon-" + hex.EncodeToString(b)
	return nil, true, nil
}
