package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/switchboard-xmpp/switchboard/core/storage"
)

// CreateAccount implements storage.Store.
func (s *Store) CreateAccount(ctx context.Context, a storage.Account) error {
	c := a.Credentials
	_, err := s.writer.ExecContext(ctx, `INSERT INTO accounts (
			domain, username, created,
			sha1_salt, sha1_iter, sha1_stored, sha1_server,
			sha256_salt, sha256_iter, sha256_stored, sha256_server
		) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		a.Domain, a.Username, a.Created.UnixMicro(),
		nonNil(c.SHA1.Salt), c.SHA1.Iterations, nonNil(c.SHA1.StoredKey), nonNil(c.SHA1.ServerKey),
		nonNil(c.SHA256.Salt), c.SHA256.Iterations, nonNil(c.SHA256.StoredKey), nonNil(c.SHA256.ServerKey),
	)
	if err != nil {
		return fmt.Errorf("creating account %s: %w", storage.Owner(a.Domain, a.Username), mapError(err))
	}
	return nil
}

// Account implements storage.Store.
func (s *Store) Account(ctx context.Context, domain, username string) (storage.Account, error) {
	a := storage.Account{Domain: domain, Username: username}
	c := &a.Credentials
	var created int64
	st, err := s.stmts.get(ctx, s.reader, `SELECT created,
			sha1_salt, sha1_iter, sha1_stored, sha1_server,
			sha256_salt, sha256_iter, sha256_stored, sha256_server
		FROM accounts WHERE domain = ? AND username = ?`)
	if err != nil {
		return a, err
	}
	err = st.QueryRowContext(ctx, domain, username).Scan(
		&created,
		&c.SHA1.Salt, &c.SHA1.Iterations, &c.SHA1.StoredKey, &c.SHA1.ServerKey,
		&c.SHA256.Salt, &c.SHA256.Iterations, &c.SHA256.StoredKey, &c.SHA256.ServerKey,
	)
	if errors.Is(err, sql.ErrNoRows) {
		return storage.Account{}, fmt.Errorf("reading account %s: %w", storage.Owner(domain, username), storage.ErrNotFound)
	}
	if err != nil {
		return storage.Account{}, fmt.Errorf("reading account %s: %w", storage.Owner(domain, username), err)
	}
	a.Created = time.UnixMicro(created).UTC()
	return a, nil
}

// SetCredentials implements storage.Store.
func (s *Store) SetCredentials(ctx context.Context, domain, username string, c storage.Credentials) error {
	res, err := s.writer.ExecContext(ctx, `UPDATE accounts SET
			sha1_salt = ?, sha1_iter = ?, sha1_stored = ?, sha1_server = ?,
			sha256_salt = ?, sha256_iter = ?, sha256_stored = ?, sha256_server = ?
		WHERE domain = ? AND username = ?`,
		nonNil(c.SHA1.Salt), c.SHA1.Iterations, nonNil(c.SHA1.StoredKey), nonNil(c.SHA1.ServerKey),
		nonNil(c.SHA256.Salt), c.SHA256.Iterations, nonNil(c.SHA256.StoredKey), nonNil(c.SHA256.ServerKey),
		domain, username,
	)
	if err != nil {
		return fmt.Errorf("setting credentials of %s: %w", storage.Owner(domain, username), mapError(err))
	}
	return requireRow(res, "setting credentials of "+storage.Owner(domain, username))
}

// DeleteAccount implements storage.Store. The account and its KV rows go in
// one transaction so a plugin never sees data of an account that is gone.
func (s *Store) DeleteAccount(ctx context.Context, domain, username string) error {
	owner := storage.Owner(domain, username)
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("deleting account %s: %w", owner, err)
	}
	defer tx.Rollback() // a no-op after Commit
	res, err := tx.ExecContext(ctx, `DELETE FROM accounts WHERE domain = ? AND username = ?`, domain, username)
	if err != nil {
		return fmt.Errorf("deleting account %s: %w", owner, err)
	}
	if err := requireRow(res, "deleting account "+owner); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM kv WHERE owner = ?`, owner); err != nil {
		return fmt.Errorf("deleting data of account %s: %w", owner, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("deleting account %s: %w", owner, err)
	}
	return nil
}

// Accounts implements storage.Store.
func (s *Store) Accounts(ctx context.Context, domain string) ([]string, error) {
	rows, err := s.reader.QueryContext(ctx,
		`SELECT username FROM accounts WHERE domain = ? ORDER BY username`, domain)
	if err != nil {
		return nil, fmt.Errorf("listing accounts of %s: %w", domain, err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, fmt.Errorf("listing accounts of %s: %w", domain, err)
		}
		names = append(names, name)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("listing accounts of %s: %w", domain, err)
	}
	return names, nil
}
