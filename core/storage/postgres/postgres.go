// Package postgres is the production storage driver: PostgreSQL through
// pgx's connection pool, for servers with many users or more than one node.
package postgres

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/switchboard-xmpp/switchboard/core/storage"
)

// defaultConnectTimeout bounds a connection attempt whose DSN sets no
// connect_timeout, so that a server behind a firewall that drops packets
// fails the call instead of hanging it until the kernel gives up.
const defaultConnectTimeout = 10 * time.Second

// Store is a storage.Store backed by a PostgreSQL database.
type Store struct {
	pool *pgxpool.Pool
	log  hclog.Logger
}

var _ storage.Store = (*Store)(nil)

// Options tune a Store.
type Options struct {
	// PoolSize is the most connections the store holds open; 0 leaves
	// pgx's default.
	PoolSize int
	// StatementTimeout makes the server cancel a statement that runs
	// longer; 0 sets none (the server's own setting applies).
	StatementTimeout time.Duration
}

// Open connects to the database that dsn names (a libpq URL or keyword/value
// string; empty uses the PG* environment variables as libpq would), checks
// that it answers, and applies any pending schema migrations. log may be nil.
func Open(ctx context.Context, dsn string, opts Options, log hclog.Logger) (*Store, error) {
	if log == nil {
		log = hclog.NewNullLogger()
	}
	cfg, err := poolConfig(dsn, opts)
	if err != nil {
		return nil, err
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("opening postgres pool: %w", err)
	}
	if err := ping(ctx, pool); err != nil {
		pool.Close()
		return nil, err
	}
	if err := migrate(ctx, pool, log); err != nil {
		pool.Close()
		return nil, fmt.Errorf("migrating postgres database %s: %w", describe(cfg), err)
	}
	return &Store{pool: pool, log: log}, nil
}

// Check connects to the database that dsn names and reports what failed,
// without touching the schema: what `switchboard config check` runs.
func Check(ctx context.Context, dsn string, opts Options) error {
	cfg, err := poolConfig(dsn, opts)
	if err != nil {
		return err
	}
	cfg.MaxConns = 1
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return fmt.Errorf("opening postgres pool: %w", err)
	}
	defer pool.Close()
	return ping(ctx, pool)
}

// Close closes every connection; committed writes are durable in the server.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

func poolConfig(dsn string, opts Options) (*pgxpool.Config, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		// pgx masks the password it recognises in the DSN it quotes; a
		// DSN too broken to parse may still show it, in the operator's
		// own terminal or log.
		return nil, fmt.Errorf("parsing storage.dsn: %w", err)
	}
	if opts.PoolSize > 0 {
		cfg.MaxConns = int32(min(opts.PoolSize, 1<<20))
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = defaultConnectTimeout
	}
	if opts.StatementTimeout > 0 {
		cfg.ConnConfig.RuntimeParams["statement_timeout"] = strconv.FormatInt(opts.StatementTimeout.Milliseconds(), 10)
	}
	if _, ok := cfg.ConnConfig.RuntimeParams["application_name"]; !ok {
		cfg.ConnConfig.RuntimeParams["application_name"] = "switchboard"
	}
	return cfg, nil
}

// ping makes one connection and a round trip, turning a failure into an
// error that says what the operator has to fix.
func ping(ctx context.Context, pool *pgxpool.Pool) error {
	if err := pool.Ping(ctx); err != nil {
		cfg := pool.Config()
		if reason := connectFailure(err); reason != "" {
			return fmt.Errorf("connecting to postgres %s: %s: %w", describe(cfg), reason, err)
		}
		return fmt.Errorf("connecting to postgres %s: %w", describe(cfg), err)
	}
	return nil
}

// describe names the server and database of cfg for messages, never the
// password.
func describe(cfg *pgxpool.Config) string {
	c := cfg.ConnConfig
	return fmt.Sprintf("host=%s port=%d user=%s database=%s", c.Host, c.Port, c.User, c.Database)
}
