// Package backend opens the storage driver that the configuration names. It
// is the one place that knows every driver, so the core depends on the
// storage.Store interface alone.
package backend

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/switchboard-xmpp/switchboard/core/storage"
	"github.com/switchboard-xmpp/switchboard/core/storage/postgres"
	"github.com/switchboard-xmpp/switchboard/core/storage/sqlite"
)

// Options are the drivers' settings; each driver reads those that apply
// to it.
type Options struct {
	MaxBytes         int64         // sqlite: cap on the stored data; 0: none
	PoolSize         int           // postgres: connections held at most
	StatementTimeout time.Duration // postgres: longest a statement may run; 0: the server's setting
}

// Open opens driver with dsn: for "sqlite", dsn is the database file path;
// for "postgres", a libpq URL or keyword/value string.
func Open(ctx context.Context, driver, dsn string, opts Options, log hclog.Logger) (storage.Store, error) {
	switch driver {
	case "sqlite":
		s, err := sqlite.OpenWith(ctx, dsn, sqlite.Options{MaxBytes: opts.MaxBytes}, log)
		if err != nil {
			return nil, err
		}
		return s, nil
	case "postgres":
		s, err := postgres.Open(ctx, dsn, postgresOptions(opts), log)
		if err != nil {
			return nil, err
		}
		return s, nil
	default:
		return nil, unknown(driver)
	}
}

// Check reports whether the database can be reached, without creating or
// changing anything: a PostgreSQL server is connected to, and a SQLite
// file, which Open creates when missing, is not touched.
func Check(ctx context.Context, driver, dsn string, opts Options) error {
	switch driver {
	case "sqlite":
		return nil
	case "postgres":
		return postgres.Check(ctx, dsn, postgresOptions(opts))
	default:
		return unknown(driver)
	}
}

func postgresOptions(opts Options) postgres.Options {
	return postgres.Options{PoolSize: opts.PoolSize, StatementTimeout: opts.StatementTimeout}
}

func unknown(driver string) error {
	return fmt.Errorf("unknown storage driver %q (supported: sqlite, postgres)", driver)
}
