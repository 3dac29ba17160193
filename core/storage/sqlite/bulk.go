package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/switchboard-xmpp/switchboard/core/storage"
)

var _ storage.Bulk = (*Store)(nil)

// EachAccount implements storage.Bulk.
func (s *Store) EachAccount(ctx context.Context, fn func(storage.Account) error) error {
	rows, err := s.reader.QueryContext(ctx, `SELECT domain, username, created,
			sha1_salt, sha1_iter, sha1_stored, sha1_server,
			sha256_salt, sha256_iter, sha256_stored, sha256_server
		FROM accounts ORDER BY domain, username`)
	if err != nil {
		return fmt.Errorf("listing accounts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var a storage.Account
		var created int64
		c := &a.Credentials
		if err := rows.Scan(&a.Domain, &a.Username, &created,
			&c.SHA1.Salt, &c.SHA1.Iterations, &c.SHA1.StoredKey, &c.SHA1.ServerKey,
			&c.SHA256.Salt, &c.SHA256.Iterations, &c.SHA256.StoredKey, &c.SHA256.ServerKey,
		); err != nil {
			return fmt.Errorf("listing accounts: %w", err)
		}
		a.Created = time.UnixMicro(created).UTC()
		if err := fn(a); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("listing accounts: %w", err)
	}
	return nil
}

// EachKV implements storage.Bulk.
func (s *Store) EachKV(ctx context.Context, fn func(string, storage.Op) error) error {
	rows, err := s.reader.QueryContext(ctx, `SELECT ns, owner, key, value FROM kv ORDER BY owner, ns, key`)
	if err != nil {
		return fmt.Errorf("listing data: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var ns string
		var op storage.Op
		if err := rows.Scan(&ns, &op.Owner, &op.Key, &op.Value); err != nil {
			return fmt.Errorf("listing data: %w", err)
		}
		op.Value = nonNil(op.Value)
		if err := fn(ns, op); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("listing data: %w", err)
	}
	return nil
}

// PutAccount implements storage.Bulk.
func (s *Store) PutAccount(ctx context.Context, a storage.Account) error {
	c := a.Credentials
	_, err := s.writer.ExecContext(ctx, `INSERT INTO accounts (
			domain, username, created,
			sha1_salt, sha1_iter, sha1_stored, sha1_server,
			sha256_salt, sha256_iter, sha256_stored, sha256_server
		) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (domain, username) DO UPDATE SET created = excluded.created,
			sha1_salt = excluded.sha1_salt, sha1_iter = excluded.sha1_iter,
			sha1_stored = excluded.sha1_stored, sha1_server = excluded.sha1_server,
			sha256_salt = excluded.sha256_salt, sha256_iter = excluded.sha256_iter,
			sha256_stored = excluded.sha256_stored, sha256_server = excluded.sha256_server`,
		a.Domain, a.Username, a.Created.UnixMicro(),
		nonNil(c.SHA1.Salt), c.SHA1.Iterations, nonNil(c.SHA1.StoredKey), nonNil(c.SHA1.ServerKey),
		nonNil(c.SHA256.Salt), c.SHA256.Iterations, nonNil(c.SHA256.StoredKey), nonNil(c.SHA256.ServerKey),
	)
	if err != nil {
		return fmt.Errorf("writing account %s: %w", storage.Owner(a.Domain, a.Username), mapError(err))
	}
	return nil
}

// Count implements storage.Bulk.
func (s *Store) Count(ctx context.Context) (storage.Counts, error) {
	c := storage.Counts{KV: map[string]int64{}}
	if err := s.reader.QueryRowContext(ctx, `SELECT COUNT(*) FROM accounts`).Scan(&c.Accounts); err != nil {
		return c, fmt.Errorf("counting accounts: %w", err)
	}
	rows, err := s.reader.QueryContext(ctx, `SELECT ns, COUNT(*) FROM kv GROUP BY ns`)
	if err != nil {
		return c, fmt.Errorf("counting data: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var ns string
		var n int64
		if err := rows.Scan(&ns, &n); err != nil {
			return c, fmt.Errorf("counting data: %w", err)
		}
		c.KV[ns] = n
	}
	if err := rows.Err(); err != nil {
		return c, fmt.Errorf("counting data: %w", err)
	}
	return c, nil
}
