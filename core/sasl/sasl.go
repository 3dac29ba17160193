// Package sasl implements the server side of the SASL mechanisms that c2s
// streams offer (RFC 6120 §6): SCRAM-SHA-1 and SCRAM-SHA-256 with their -PLUS
// channel-binding variants (RFC 5802, RFC 7677, RFC 9266), PLAIN (RFC 4616)
// and ANONYMOUS (RFC 4505).
//
// The package knows nothing of storage: credentials come through a
// CredentialSource, and the caller moves base64-decoded messages in and out of
// the XML stream.
package sasl

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
)

// ErrUnknownUser is returned by a CredentialSource for an account that does
// not exist.
var ErrUnknownUser = errors.New("unknown user")

// ErrNoKeys is returned by a CredentialSource for an account that has no
// keys for the hash asked for: one imported from a server that kept only
// SCRAM-SHA-1 keys. The exchange then fails as for a wrong password, and
// the client may try another mechanism.
var ErrNoKeys = errors.New("the account has no keys for this hash (imported with others only; setting its password again makes them)")

// SCRAMKeys are the stored SCRAM values of one account for one hash function.
type SCRAMKeys struct {
	Salt       []byte
	Iterations int
	StoredKey  []byte
	ServerKey  []byte
}

// CredentialSource gives the mechanisms what they need about accounts of the
// connection's domain. username is a prepared localpart.
type CredentialSource interface {
	// SCRAM returns the SHA-256 keys if sha256 is true, else the SHA-1 keys;
	// ErrUnknownUser if the account does not exist, ErrNoKeys if it has no
	// keys for that hash.
	SCRAM(ctx context.Context, username string, sha256 bool) (SCRAMKeys, error)
	// VerifyPlain reports whether password is the account's password.
	VerifyPlain(ctx context.Context, username, password string) (bool, error)
}

// ConnState describes the connection being authenticated.
type ConnState struct {
	// TLS is the state of the connection's TLS layer, nil when it is not
	// encrypted. It must come from a real *tls.Conn: channel binding calls
	// its ExportKeyingMaterial.
	TLS *tls.ConnectionState
	// ServerCert is the certificate we presented, used for
	// tls-server-end-point; nil when not TLS.
	ServerCert *x509.Certificate
	// Domain is the domain the client is authenticating to.
	Domain string
	// Offered are the names of the mechanisms offered on the connection,
	// for SCRAM's downgrade protection (XEP-0474); none leaves it out.
	Offered []string
}

// Mechanism is one SASL mechanism as configured for the server. It is safe
// for concurrent use; each authentication attempt gets its own Negotiation.
type Mechanism interface {
	// Name is the mechanism name as advertised, such as "SCRAM-SHA-256".
	Name() string
	// Available reports whether the mechanism may be offered on this
	// connection: PLAIN needs TLS, -PLUS needs a channel binding.
	Available(cs ConnState) bool
	// Start begins an authentication attempt.
	Start(cs ConnState, creds CredentialSource) Negotiation
}

// Negotiation is one authentication attempt. It is not safe for concurrent
// use, and fails every Step after it has finished or failed.
type Negotiation interface {
	// Step consumes the client's (already base64-decoded) message and
	// returns the server's challenge or, when done is true, the additional
	// data for <success/> (nil if none). Errors are *Failure. For mechanisms
	// where the client speaks first, an empty first message (the client sent
	// no initial response) is answered with an empty challenge.
	Step(ctx context.Context, in []byte) (out []byte, done bool, err error)
	// Username is the authenticated, prepared localpart once done (for
	// ANONYMOUS a random one), and "" before.
	Username() string
	// Attempted is the prepared localpart the client tried to log in as,
	// known once its first message is read, success or not; failures are
	// counted against it.
	Attempted() string
	// Testing reports whether Step(in) would test a credential (a
	// password, or a proof made from one), and whose: the prepared
	// localpart, or "" for a name that cannot be an account's. The
	// caller throttles tests per account, so it asks before the Step.
	Testing(in []byte) (account string, tests bool)
}
