package postgres

import (
	"context"
	"fmt"

	"github.com/hashicorp/go-hclog"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// migrations returns the schema changes in order; version N is element N-1.
// Append only: a released migration is never edited, because databases in the
// field have already applied it. Tables go in the first schema of the
// connection's search_path, so one database can hold several servers.
func migrations() []string {
	return []string{
		// 1: accounts and plugin key/value data, as in the SQLite driver.
		// Names sort with COLLATE "C", byte order, as the Store contract
		// requires whatever the database's locale. kv keys are bytea: a
		// plugin's key may hold any byte, NUL and invalid UTF-8 included,
		// which text refuses, and bytea compares byte by byte. The kv key
		// leads with owner so that one index serves both a plugin's scan
		// (owner, ns, key range) and DeleteAccount (all rows of an owner).
		`CREATE TABLE accounts (
			domain        text COLLATE "C" NOT NULL,
			username      text COLLATE "C" NOT NULL,
			created       timestamptz NOT NULL,
			sha1_salt     bytea   NOT NULL,
			sha1_iter     integer NOT NULL,
			sha1_stored   bytea   NOT NULL,
			sha1_server   bytea   NOT NULL,
			sha256_salt   bytea   NOT NULL,
			sha256_iter   integer NOT NULL,
			sha256_stored bytea   NOT NULL,
			sha256_server bytea   NOT NULL,
			PRIMARY KEY (domain, username)
		);
		CREATE TABLE kv (
			owner text COLLATE "C" NOT NULL,
			ns    text COLLATE "C" NOT NULL,
			key   bytea NOT NULL,
			value bytea NOT NULL,
			PRIMARY KEY (owner, ns, key)
		);`,
	}
}

// migrationLock is the advisory lock key under which servers starting at
// once take turns to migrate; any constant works, it only has to be ours.
const migrationLock = 0x5b0a_7d00

// migrate brings the schema up to date, one transaction per version (DDL is
// transactional in PostgreSQL) so that a failure leaves the database at the
// last good version.
func migrate(ctx context.Context, pool *pgxpool.Pool, log hclog.Logger) error {
	// Under the lock: two servers creating the table at once would
	// otherwise collide on PostgreSQL's catalog even with IF NOT EXISTS.
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, migrationLock); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version integer PRIMARY KEY,
			applied timestamptz NOT NULL DEFAULT now()
		)`)
		return err
	})
	if err != nil {
		return fmt.Errorf("creating schema_migrations: %w", err)
	}
	all := migrations()
	current, err := schemaVersion(ctx, pool)
	if err != nil {
		return err
	}
	if current > len(all) {
		return fmt.Errorf("database schema version %d is newer than this build supports (%d)", current, len(all))
	}
	for i := current; i < len(all); i++ {
		version := i + 1
		applied, err := applyMigration(ctx, pool, version, all[i])
		if err != nil {
			return fmt.Errorf("applying migration %d: %w", version, err)
		}
		if applied {
			log.Info("applied schema migration", "version", version)
		}
	}
	return nil
}

func schemaVersion(ctx context.Context, pool *pgxpool.Pool) (int, error) {
	var v int
	if err := pool.QueryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v); err != nil {
		return 0, fmt.Errorf("reading schema version: %w", err)
	}
	return v, nil
}

// applyMigration runs one migration unless another server applied it since
// the version was read; it reports whether it ran.
func applyMigration(ctx context.Context, pool *pgxpool.Pool, version int, stmt string) (bool, error) {
	applied := false
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, migrationLock); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = $1`, version).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return nil
		}
		if _, err := tx.Exec(ctx, stmt); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version) VALUES ($1)`, version); err != nil {
			return err
		}
		applied = true
		return nil
	})
	return applied && err == nil, err
}
