package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/hashicorp/go-hclog"
)

// migrations returns the schema changes in order; version N is element N-1.
// Append only: a released migration is never edited, because databases in the
// field have already applied it.
func migrations() []string {
	return []string{
		// 1: accounts and plugin key/value data. WITHOUT ROWID because both
		// tables are only ever reached through their primary key, which then
		// is the table itself instead of an index pointing into it. The kv
		// key leads with owner so that one index serves both a plugin's scan
		// (owner, ns, key range) and DeleteAccount (all rows of an owner);
		// a second index on owner alone would tempt the planner away from
		// the table for scans.
		`CREATE TABLE accounts (
			domain      TEXT    NOT NULL,
			username    TEXT    NOT NULL,
			created     INTEGER NOT NULL, -- unix microseconds, UTC
			sha1_salt   BLOB    NOT NULL,
			sha1_iter   INTEGER NOT NULL,
			sha1_stored BLOB    NOT NULL,
			sha1_server BLOB    NOT NULL,
			sha256_salt   BLOB    NOT NULL,
			sha256_iter   INTEGER NOT NULL,
			sha256_stored BLOB    NOT NULL,
			sha256_server BLOB    NOT NULL,
			PRIMARY KEY (domain, username)
		) WITHOUT ROWID;
		CREATE TABLE kv (
			ns    TEXT NOT NULL,
			owner TEXT NOT NULL,
			key   TEXT NOT NULL,
			value BLOB NOT NULL,
			PRIMARY KEY (owner, ns, key)
		) WITHOUT ROWID;`,
	}
}

// migrate brings the schema up to date, one transaction per version so that a
// failure leaves the database at the last good version. The writer connection
// begins transactions IMMEDIATE, so two processes opening the same file at
// once serialise here and the second sees the first one's versions.
func migrate(ctx context.Context, db *sql.DB, log hclog.Logger) error {
	if _, err := db.ExecContext(ctx,
		`CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY)`); err != nil {
		return fmt.Errorf("creating schema_migrations: %w", err)
	}
	all := migrations()
	var current int
	if err := db.QueryRowContext(ctx,
		`SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
		return fmt.Errorf("reading schema version: %w", err)
	}
	if current > len(all) {
		return fmt.Errorf("database schema version %d is newer than this build supports (%d)", current, len(all))
	}
	for i := current; i < len(all); i++ {
		version := i + 1
		applied, err := applyMigration(ctx, db, version, all[i])
		if err != nil {
			return fmt.Errorf("applying migration %d: %w", version, err)
		}
		if applied {
			log.Info("applied schema migration", "version", version)
		}
	}
	return nil
}

// applyMigration runs one migration unless another process applied it since
// the version was read; it reports whether it ran.
func applyMigration(ctx context.Context, db *sql.DB, version int, stmt string) (bool, error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer tx.Rollback() // a no-op after Commit
	var n int
	if err := tx.QueryRowContext(ctx,
		`SELECT COUNT(*) FROM schema_migrations WHERE version = ?`, version).Scan(&n); err != nil {
		return false, err
	}
	if n > 0 {
		return false, nil
	}
	if _, err := tx.ExecContext(ctx, stmt); err != nil {
		return false, err
	}
	if _, err := tx.ExecContext(ctx,
		`INSERT INTO schema_migrations (version) VALUES (?)`, version); err != nil {
		return false, err
	}
	return true, tx.Commit()
}
