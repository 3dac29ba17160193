package sasl

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
)

// TokenKeys gives the HT mechanisms the tokens a client may present. A key
// is the SHA-256 of a token: a token is longer than SHA-256's block, so
// HMAC keyed with the token is HMAC keyed with its hash (RFC 2104 §2),
// and the token itself need not be kept.
type TokenKeys interface {
	// TokenKeys returns the keys username may authenticate with by
	// mechanism, none for an unknown user.
	TokenKeys(ctx context.Context, username, mechanism string) ([][]byte, error)
}

// HT is one of the hashed-token mechanisms (draft-schmaus-kitten-sasl-ht)
// that XEP-0484 FAST tokens are used with; they are offered inside the
// <fast/> feature, not beside the password mechanisms.
type HT struct {
	name    string
	binding string // "" for -NONE
}

// HTMechanisms are the HT-SHA-256 variants, channel-bound first:
// tls-exporter, tls-server-end-point, tls-unique, then none.
func HTMechanisms() []HT {
	return []HT{
		{name: "HT-SHA-256-EXPR", binding: TLSExporter},
		{name: "HT-SHA-256-ENDP", binding: TLSServerEndPoint},
		{name: "HT-SHA-256-UNIQ", binding: TLSUnique},
		{name: "HT-SHA-256-NONE"},
	}
}

// Name is the mechanism name, such as "HT-SHA-256-NONE".
func (m HT) Name() string { return m.name }

// Available reports whether the connection provides the mechanism's
// channel binding.
func (m HT) Available(cs ConnState) bool {
	if m.binding == "" {
		return true
	}
	_, err := channelBinding(cs, m.binding)
	return err == nil
}

// Start begins an authentication with a token from keys.
func (m HT) Start(cs ConnState, keys TokenKeys) *HTNegotiation {
	return &HTNegotiation{mech: m, cs: cs, keys: keys}
}

// HTNegotiation is one HT authentication. It implements Negotiation, and
// tells which key matched.
type HTNegotiation struct {
	mech       HT
	cs         ConnState
	keys       TokenKeys
	challenged bool
	done       bool
	attempted  string
	authed     string
	key        []byte
}

func (n *HTNegotiation) Username() string { return n.authed }

func (n *HTNegotiation) Attempted() string { return n.attempted }

// Key is the key of the token that authenticated the client.
func (n *HTNegotiation) Key() []byte { return n.key }

// Testing: the one message carries the proof. Tokens are too long to
// guess, but a client trying them is throttled like any other.
func (n *HTNegotiation) Testing(in []byte) (string, bool) {
	if n.done || (len(in) == 0 && !n.challenged) {
		return "", false
	}
	authcid, _, ok := bytes.Cut(in, []byte{0})
	if !ok {
		return "", false
	}
	username, err := prepareUsername(string(authcid))
	if err != nil {
		return "", true
	}
	return username, true
}

func (n *HTNegotiation) Step(ctx context.Context, in []byte) ([]byte, bool, error) {
	if n.done {
		return nil, false, finished()
	}
	if len(in) == 0 && !n.challenged {
		n.challenged = true
		return []byte{}, false, nil
	}
	n.done = true
	authcid, proof, ok := bytes.Cut(in, []byte{0})
	if !ok || len(authcid) == 0 || len(proof) != sha256.Size {
		return nil, false, &Failure{Condition: MalformedRequest, Text: "expected the username, NUL and an HMAC-SHA-256"}
	}
	username, err := prepareUsername(string(authcid))
	if err != nil {
		return nil, false, authFailed(fmt.Errorf("preparing username: %w", err))
	}
	n.attempted = username
	var cb []byte
	if n.mech.binding != "" {
		b, err := channelBinding(n.cs, n.mech.binding)
		if err != nil {
			return nil, false, unsupportedBinding(n.cs, err)
		}
		cb = b.Data
	}
	keys, err := n.keys.TokenKeys(ctx, username, n.mech.name)
	if err != nil {
		return nil, false, &Failure{Condition: TemporaryAuthFailure, Err: fmt.Errorf("looking up tokens: %w", err)}
	}
	for _, k := range keys {
		if hmac.Equal(htMAC(k, "Initiator", cb), proof) {
			n.authed, n.key = username, k
			return htMAC(k, "Responder", cb), true, nil
		}
	}
	return nil, false, authFailed(errors.New("no valid token matches"))
}

func htMAC(key []byte, role string, cb []byte) []byte {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(role))
	mac.Write(cb)
	return mac.Sum(nil)
}

// TokenKey is the key kept for token: its SHA-256.
func TokenKey(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}
