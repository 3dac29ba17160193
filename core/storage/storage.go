// Package storage defines the persistence interface of the core: accounts with
// their SCRAM credentials, and the namespaced key/value data that the core lends
// to plugins. Drivers live in subpackages (sqlite, later postgres); this package
// holds no SQL so that every driver is held to the same contract, which
// storagetest checks.
package storage

import (
	"context"
	"errors"
	"time"
)

// Op is one write of a Batch: a put, or a delete when Delete is set.
type Op struct {
	Owner, Key string
	Value      []byte
	Delete     bool
}

// ErrNotFound is returned when the requested account or key does not exist.
var ErrNotFound = errors.New("not found")

// ErrExists is returned when creating something that is already there.
var ErrExists = errors.New("already exists")

// ErrFull is returned when a write does not fit: the disk, or the cap the
// operator set on the database, is full.
var ErrFull = errors.New("storage is full")

// SCRAMKeys are the salted keys of RFC 5802 §3 for one hash function. They let
// the server verify a password without storing it.
type SCRAMKeys struct {
	Salt       []byte
	Iterations int
	StoredKey  []byte
	ServerKey  []byte
}

// Credentials holds one set of SCRAM keys per supported hash function, so a
// client may authenticate with either SCRAM-SHA-1 or SCRAM-SHA-256.
type Credentials struct {
	SHA1   SCRAMKeys
	SHA256 SCRAMKeys
}

// Account is one user of one hosted domain. Username is the prepared localpart.
type Account struct {
	Domain      string
	Username    string
	Credentials Credentials
	Created     time.Time
}

// KV is one key/value pair returned by Store.Scan.
type KV struct {
	Key   string
	Value []byte
}

// Store is implemented by every storage driver. Methods are safe for
// concurrent use.
//
// ns is a plugin namespace; owner is a bare JID ("alice@localhost") or "" for
// server-wide data. Keys compare in byte order.
type Store interface {
	// CreateAccount stores a new account; ErrExists if it is already there.
	CreateAccount(ctx context.Context, a Account) error
	// Account returns one account; ErrNotFound if it does not exist.
	Account(ctx context.Context, domain, username string) (Account, error)
	// SetCredentials replaces an account's keys; ErrNotFound if it does not exist.
	SetCredentials(ctx context.Context, domain, username string, c Credentials) error
	// DeleteAccount removes an account and every KV row owned by its bare JID
	// in all namespaces; ErrNotFound if it does not exist.
	DeleteAccount(ctx context.Context, domain, username string) error
	// Accounts lists the usernames of a domain in byte order.
	Accounts(ctx context.Context, domain string) ([]string, error)

	// Get returns a value; ErrNotFound if the key is absent.
	Get(ctx context.Context, ns, owner, key string) ([]byte, error)
	// Put creates or replaces a value.
	Put(ctx context.Context, ns, owner, key string, value []byte) error
	// Batch applies puts and deletes in one namespace atomically, in
	// order: all of them or none.
	Batch(ctx context.Context, ns string, ops []Op) error
	// Delete removes a value; deleting an absent key is not an error.
	Delete(ctx context.Context, ns, owner, key string) error
	// Scan returns up to limit pairs whose key starts with prefix, in
	// ascending byte order and strictly after `after`; with reverse it returns
	// them in descending order, strictly before `after`. An empty after sets
	// no bound, and limit <= 0 means no limit.
	Scan(ctx context.Context, ns, owner, prefix, after string, limit int, reverse bool) ([]KV, error)

	// Close releases the store; acknowledged writes are durable by then.
	Close() error
}
