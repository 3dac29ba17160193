package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/switchboard-xmpp/switchboard/core/storage"
)

// CreateAccount implements storage.Store.
func (s *Store) CreateAccount(ctx context.Context, a storage.Account) error {
	c := a.Credentials
	err := s.retry(ctx, notIdempotent, func(ctx context.Context) error {
		_, err := s.pool.Exec(ctx, `INSERT INTO accounts (
				domain, username, created,
				sha1_salt, sha1_iter, sha1_stored, sha1_server,
				sha256_salt, sha256_iter, sha256_stored, sha256_server
			) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
			a.Domain, a.Username, a.Created.UTC(),
			nonNil(c.SHA1.Salt), c.SHA1.Iterations, nonNil(c.SHA1.StoredKey), nonNil(c.SHA1.ServerKey),
			nonNil(c.SHA256.Salt), c.SHA256.Iterations, nonNil(c.SHA256.StoredKey), nonNil(c.SHA256.ServerKey),
		)
		return err
	})
	if err != nil {
		return fmt.Errorf("creating account %s: %w", storage.Owner(a.Domain, a.Username), err)
	}
	return nil
}

// Account implements storage.Store.
func (s *Store) Account(ctx context.Context, domain, username string) (storage.Account, error) {
	var a storage.Account
	err := s.retry(ctx, idempotent, func(ctx context.Context) error {
		a = storage.Account{Domain: domain, Username: username}
		c := &a.Credentials
		err := s.pool.QueryRow(ctx, `SELECT created,
				sha1_salt, sha1_iter, sha1_stored, sha1_server,
				sha256_salt, sha256_iter, sha256_stored, sha256_server
			FROM accounts WHERE domain = $1 AND username = $2`, domain, username).Scan(
			&a.Created,
			&c.SHA1.Salt, &c.SHA1.Iterations, &c.SHA1.StoredKey, &c.SHA1.ServerKey,
			&c.SHA256.Salt, &c.SHA256.Iterations, &c.SHA256.StoredKey, &c.SHA256.ServerKey,
		)
		if errors.Is(err, pgx.ErrNoRows) {
			return storage.ErrNotFound
		}
		return err
	})
	if err != nil {
		return storage.Account{}, fmt.Errorf("reading account %s: %w", storage.Owner(domain, username), err)
	}
	a.Created = a.Created.UTC()
	return a, nil
}

// SetCredentials implements storage.Store.
func (s *Store) SetCredentials(ctx context.Context, domain, username string, c storage.Credentials) error {
	err := s.retry(ctx, idempotent, func(ctx context.Context) error {
		tag, err := s.pool.Exec(ctx, `UPDATE accounts SET
				sha1_salt = $1, sha1_iter = $2, sha1_stored = $3, sha1_server = $4,
				sha256_salt = $5, sha256_iter = $6, sha256_stored = $7, sha256_server = $8
			WHERE domain = $9 AND username = $10`,
			nonNil(c.SHA1.Salt), c.SHA1.Iterations, nonNil(c.SHA1.StoredKey), nonNil(c.SHA1.ServerKey),
			nonNil(c.SHA256.Salt), c.SHA256.Iterations, nonNil(c.SHA256.StoredKey), nonNil(c.SHA256.ServerKey),
			domain, username,
		)
		if err == nil && tag.RowsAffected() == 0 {
			return storage.ErrNotFound
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("setting credentials of %s: %w", storage.Owner(domain, username), err)
	}
	return nil
}

// DeleteAccount implements storage.Store. The account and its KV rows go in
// one transaction so a plugin never sees data of an account that is gone.
func (s *Store) DeleteAccount(ctx context.Context, domain, username string) error {
	owner := storage.Owner(domain, username)
	err := s.retry(ctx, notIdempotent, func(ctx context.Context) error {
		return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
			tag, err := tx.Exec(ctx, `DELETE FROM accounts WHERE domain = $1 AND username = $2`, domain, username)
			if err != nil {
				return err
			}
			if tag.RowsAffected() == 0 {
				return storage.ErrNotFound
			}
			_, err = tx.Exec(ctx, `DELETE FROM kv WHERE owner = $1`, owner)
			return err
		})
	})
	if err != nil {
		return fmt.Errorf("deleting account %s: %w", owner, err)
	}
	return nil
}

// Accounts implements storage.Store.
func (s *Store) Accounts(ctx context.Context, domain string) ([]string, error) {
	var names []string
	err := s.retry(ctx, idempotent, func(ctx context.Context) error {
		rows, err := s.pool.Query(ctx, `SELECT username FROM accounts WHERE domain = $1 ORDER BY username`, domain)
		if err != nil {
			return err
		}
		names, err = pgx.CollectRows(rows, pgx.RowTo[string])
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("listing accounts of %s: %w", domain, err)
	}
	return names, nil
}

// nonNil stores an absent byte slice as an empty bytea: the columns are NOT
// NULL, and pgx sends a nil slice as NULL.
func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}
