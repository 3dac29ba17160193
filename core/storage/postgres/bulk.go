package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/switchboard-xmpp/switchboard/core/storage"
)

var _ storage.Bulk = (*Store)(nil)

// EachAccount implements storage.Bulk. A lost connection is not retried
// here: fn has seen rows already; the copy that calls it is rerun.
func (s *Store) EachAccount(ctx context.Context, fn func(storage.Account) error) error {
	rows, err := s.pool.Query(ctx, `SELECT domain, username, created,
			sha1_salt, sha1_iter, sha1_stored, sha1_server,
			sha256_salt, sha256_iter, sha256_stored, sha256_server
		FROM accounts ORDER BY domain, username`)
	if err != nil {
		return fmt.Errorf("listing accounts: %w", err)
	}
	var a storage.Account
	c := &a.Credentials
	_, err = pgx.ForEachRow(rows, []any{&a.Domain, &a.Username, &a.Created,
		&c.SHA1.Salt, &c.SHA1.Iterations, &c.SHA1.StoredKey, &c.SHA1.ServerKey,
		&c.SHA256.Salt, &c.SHA256.Iterations, &c.SHA256.StoredKey, &c.SHA256.ServerKey,
	}, func() error {
		a.Created = a.Created.UTC()
		return fn(a)
	})
	if err != nil {
		return fmt.Errorf("listing accounts: %w", err)
	}
	return nil
}

// EachKV implements storage.Bulk.
func (s *Store) EachKV(ctx context.Context, fn func(string, storage.Op) error) error {
	rows, err := s.pool.Query(ctx, `SELECT ns, owner, key, value FROM kv ORDER BY owner, ns, key`)
	if err != nil {
		return fmt.Errorf("listing data: %w", err)
	}
	var ns, owner string
	var key, value []byte
	_, err = pgx.ForEachRow(rows, []any{&ns, &owner, &key, &value}, func() error {
		return fn(ns, storage.Op{Owner: owner, Key: string(key), Value: nonNil(value)})
	})
	if err != nil {
		return fmt.Errorf("listing data: %w", err)
	}
	return nil
}

// PutAccount implements storage.Bulk.
func (s *Store) PutAccount(ctx context.Context, a storage.Account) error {
	c := a.Credentials
	err := s.retry(ctx, idempotent, func(ctx context.Context) error {
		_, err := s.pool.Exec(ctx, `INSERT INTO accounts (
				domain, username, created,
				sha1_salt, sha1_iter, sha1_stored, sha1_server,
				sha256_salt, sha256_iter, sha256_stored, sha256_server
			) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
			ON CONFLICT (domain, username) DO UPDATE SET created = excluded.created,
				sha1_salt = excluded.sha1_salt, sha1_iter = excluded.sha1_iter,
				sha1_stored = excluded.sha1_stored, sha1_server = excluded.sha1_server,
				sha256_salt = excluded.sha256_salt, sha256_iter = excluded.sha256_iter,
				sha256_stored = excluded.sha256_stored, sha256_server = excluded.sha256_server`,
			a.Domain, a.Username, a.Created.UTC(),
			nonNil(c.SHA1.Salt), c.SHA1.Iterations, nonNil(c.SHA1.StoredKey), nonNil(c.SHA1.ServerKey),
			nonNil(c.SHA256.Salt), c.SHA256.Iterations, nonNil(c.SHA256.StoredKey), nonNil(c.SHA256.ServerKey),
		)
		return err
	})
	if err != nil {
		return fmt.Errorf("writing account %s: %w", storage.Owner(a.Domain, a.Username), err)
	}
	return nil
}

// Count implements storage.Bulk.
func (s *Store) Count(ctx context.Context) (storage.Counts, error) {
	var c storage.Counts
	err := s.retry(ctx, idempotent, func(ctx context.Context) error {
		c = storage.Counts{KV: map[string]int64{}}
		if err := s.pool.QueryRow(ctx, `SELECT COUNT(*) FROM accounts`).Scan(&c.Accounts); err != nil {
			return err
		}
		rows, err := s.pool.Query(ctx, `SELECT ns, COUNT(*) FROM kv GROUP BY ns`)
		if err != nil {
			return err
		}
		var ns string
		var n int64
		_, err = pgx.ForEachRow(rows, []any{&ns, &n}, func() error {
			c.KV[ns] = n
			return nil
		})
		return err
	})
	if err != nil {
		return c, fmt.Errorf("counting what the database holds: %w", err)
	}
	return c, nil
}
