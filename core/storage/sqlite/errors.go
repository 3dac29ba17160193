package sqlite

import (
	"database/sql"
	"errors"
	"fmt"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/switchboard-xmpp/switchboard/core/storage"
)

// mapError turns a constraint violation (a duplicate primary key) into
// storage.ErrExists and a full database or disk into storage.ErrFull,
// keeping the driver's error in the chain for the log.
func mapError(err error) error {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return err
	}
	switch se.Code() & 0xff {
	case sqlite3.SQLITE_CONSTRAINT:
		return fmt.Errorf("%w: %w", storage.ErrExists, err)
	case sqlite3.SQLITE_FULL:
		return fmt.Errorf("%w: %w", storage.ErrFull, err)
	}
	return err
}

// requireRow reports storage.ErrNotFound when an UPDATE or DELETE matched
// nothing.
func requireRow(res sql.Result, doing string) error {
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("%s: %w", doing, err)
	}
	if n == 0 {
		return fmt.Errorf("%s: %w", doing, storage.ErrNotFound)
	}
	return nil
}

// nonNil stores an absent byte slice as an empty BLOB: the columns are NOT
// NULL, and a nil slice would bind as NULL.
func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}
