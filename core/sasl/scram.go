package sasl

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"sync/atomic"

	"github.com/xdg-go/scram"
)

// scramMechanism is one of the four SCRAM variants.
type scramMechanism struct {
	name   string
	hash   scram.HashGeneratorFcn
	sha256 bool
	plus   bool
	// plusOffered is whether the -PLUS variant of the same hash is
	// configured beside this one; then a client's 'y' flag on a connection
	// that can bind means an attacker hid the -PLUS name (RFC 5802 §6).
	plusOffered bool
	// fakeKey keys the salts invented for unknown users, so that each
	// username always gets the same fake salt from this process and the
	// salt reveals nothing about whether the account exists.
	fakeKey []byte
	// lastIterations is the iteration count of the latest real account,
	// which fake credentials copy so they look like real ones.
	lastIterations atomic.Int64
}

// defaultIterations is what fake credentials claim before any real account
// has been seen: the minimum of RFC 7677 and what accounts uses by default.
const defaultIterations = 4096

// SCRAM returns the SCRAM mechanism for hash "SHA-1" or "SHA-256", or its
// -PLUS variant. It panics on another hash name, a programming error.
//
// Unless it was built by Mechanisms, a non-PLUS SCRAM assumes the -PLUS
// variant is offered beside it and rejects the 'y' flag on connections that
// support channel binding.
func SCRAM(hash string, plus bool) Mechanism {
	m := &scramMechanism{plus: plus, plusOffered: true, fakeKey: make([]byte, 32)}
	switch hash {
	case "SHA-1":
		m.hash = scram.SHA1
	case "SHA-256":
		m.hash, m.sha256 = scram.SHA256, true
	default:
		panic(fmt.Sprintf("sasl: unsupported SCRAM hash %q", hash))
	}
	m.name = "SCRAM-" + hash
	if plus {
		m.name += "-PLUS"
	}
	// crypto/rand.Read never returns an error (it crashes the program
	// instead) since Go 1.24.
	rand.Read(m.fakeKey)
	m.lastIterations.Store(defaultIterations)
	return m
}

func (m *scramMechanism) Name() string { return m.name }

func (m *scramMechanism) Available(cs ConnState) bool {
	if !m.plus {
		return true
	}
	_, ok := preferredBinding(cs)
	return ok
}

func (m *scramMechanism) Start(cs ConnState, creds CredentialSource) Negotiation {
	return &scramNegotiation{mech: m, cs: cs, creds: creds}
}

// fakeCredentials are served for a username without an account: a salt
// derived from the name, and keys that no proof can match.
func (m *scramMechanism) fakeCredentials(username string) scram.StoredCredentials {
	mac := hmac.New(sha256.New, m.fakeKey)
	mac.Write([]byte(m.name + "\x00" + username))
	sum := mac.Sum(nil)
	size := m.hash().Size()
	stored := make([]byte, size)
	rand.Read(stored)
	return scram.StoredCredentials{
		KeyFactors: scram.KeyFactors{Salt: string(sum[:16]), Iters: int(m.lastIterations.Load())},
		StoredKey:  stored,
		ServerKey:  make([]byte, size),
	}
}
