// Package backend opens the storage driver that the configuration names. It
// is the one place that knows every driver, so the core depends on the
// storage.Store interface alone.
package backend

import (
	"context"
	"fmt"

	"github.com/hashicorp/go-hclog"

	"github.com/switchboard-xmpp/switchboard/core/storage"
	"github.com/switchboard-xmpp/switchboard/core/storage/sqlite"
)

// Options are the settings every driver honours.
type Options struct {
	MaxBytes int64 // cap on the stored data; 0: none
}

// Open opens driver with dsn: for "sqlite", dsn is the database file path.
func Open(ctx context.Context, driver, dsn string, opts Options, log hclog.Logger) (storage.Store, error) {
	switch driver {
	case "sqlite":
		s, err := sqlite.OpenWith(ctx, dsn, sqlite.Options{MaxBytes: opts.MaxBytes}, log)
		if err != nil {
			return nil, err
		}
		return s, nil
	default:
		return nil, fmt.Errorf("unknown storage driver %q (supported: sqlite)", driver)
	}
}
