// Package storagetest is the conformance suite for storage drivers: every
// driver runs Run from its own tests, so all drivers behave alike.
package storagetest

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/switchboard-xmpp/switchboard/core/storage"
)

// Run exercises every method of storage.Store. open must return a new, empty
// store on each call and arrange (with t.Cleanup) for it to be closed.
func Run(t *testing.T, open func(t *testing.T) storage.Store) {
	t.Run("accounts", func(t *testing.T) { testAccounts(t, open) })
	t.Run("delete account", func(t *testing.T) { testDeleteAccount(t, open) })
	t.Run("kv", func(t *testing.T) { testKV(t, open) })
	t.Run("scan", func(t *testing.T) { testScan(t, open) })
	t.Run("batch", func(t *testing.T) { testBatch(t, open) })
	t.Run("concurrent writes", func(t *testing.T) { testConcurrentWrites(t, open) })
}

// Account returns a distinctive account for tests: every key field differs so
// that a column mix-up in a driver shows. Created has microsecond precision,
// the finest that SQLite's column and PostgreSQL's timestamptz both keep.
func Account(domain, username string) storage.Account {
	return storage.Account{
		Domain:   domain,
		Username: username,
		Created:  time.Date(2024, 5, 6, 7, 8, 9, 123456000, time.UTC),
		Credentials: storage.Credentials{
			SHA1: storage.SCRAMKeys{
				Salt: []byte("sha1-salt-" + username), Iterations: 4096,
				StoredKey: []byte("sha1-stored"), ServerKey: []byte("sha1-server"),
			},
			SHA256: storage.SCRAMKeys{
				Salt: []byte("sha256-salt-" + username), Iterations: 8192,
				StoredKey: []byte("sha256-stored"), ServerKey: []byte("sha256-server"),
			},
		},
	}
}

func equalAccounts(a, b storage.Account) bool {
	return a.Domain == b.Domain && a.Username == b.Username && a.Created.Equal(b.Created) &&
		equalKeys(a.Credentials.SHA1, b.Credentials.SHA1) &&
		equalKeys(a.Credentials.SHA256, b.Credentials.SHA256)
}

func equalKeys(a, b storage.SCRAMKeys) bool {
	return a.Iterations == b.Iterations && bytes.Equal(a.Salt, b.Salt) &&
		bytes.Equal(a.StoredKey, b.StoredKey) && bytes.Equal(a.ServerKey, b.ServerKey)
}

// waitTimeout bounds every wait in the suite so a hung driver fails the test
// instead of stalling it.
const waitTimeout = 30 * time.Second

func withTimeout(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), waitTimeout)
	t.Cleanup(cancel)
	return ctx
}
