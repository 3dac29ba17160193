package backend

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/go-hclog"

	"github.com/switchboard-xmpp/switchboard/core/storage"
	"github.com/switchboard-xmpp/switchboard/core/storage/postgres"
	"github.com/switchboard-xmpp/switchboard/core/storage/sqlite"
)

// ParseURL splits a store's URL, as the operator's commands take it, into
// a driver and its DSN: "sqlite:PATH" (a database file), or a PostgreSQL
// URL ("postgres://…" or "postgresql://…", which libpq's rules and the
// PG* variables complete).
func ParseURL(url string) (driver, dsn string, err error) {
	switch {
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		return "postgres", url, nil
	case strings.HasPrefix(url, "sqlite:"):
		path := strings.TrimPrefix(strings.TrimPrefix(url, "sqlite:"), "//")
		if path == "" {
			return "", "", fmt.Errorf("store URL %q names no file (want sqlite:PATH)", url)
		}
		return "sqlite", path, nil
	}
	return "", "", fmt.Errorf("store URL %q: want sqlite:PATH or postgres://…", url)
}

// OpenBulk opens the store that url names (see ParseURL) with what the
// operator's commands need of it beyond storage.Store.
func OpenBulk(ctx context.Context, url string, log hclog.Logger) (storage.Bulk, error) {
	driver, dsn, err := ParseURL(url)
	if err != nil {
		return nil, err
	}
	if driver == "sqlite" {
		s, err := sqlite.Open(ctx, dsn, log)
		if err != nil {
			return nil, err
		}
		return s, nil
	}
	s, err := postgres.Open(ctx, dsn, postgres.Options{}, log)
	if err != nil {
		return nil, err
	}
	return s, nil
}
