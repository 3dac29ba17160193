package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/switchboard-xmpp/switchboard/core/storage"
)

// SQLSTATE codes the driver acts on (PostgreSQL manual, appendix A).
const (
	uniqueViolation      = "23505"
	diskFull             = "53100"
	serializationFailure = "40001"
	deadlockDetected     = "40P01"
	adminShutdown        = "57P01"
	crashShutdown        = "57P02"
	cannotConnectNow     = "57P03"
	invalidPassword      = "28P01"
	invalidAuthorization = "28000"
	invalidCatalogName   = "3D000"
)

// mapError turns a duplicate primary key into storage.ErrExists and a full
// disk into storage.ErrFull, keeping pgx's error in the chain for the log.
func mapError(err error) error {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return err
	}
	switch pe.Code {
	case uniqueViolation:
		return fmt.Errorf("%w: %w", storage.ErrExists, err)
	case diskFull:
		return fmt.Errorf("%w: %w", storage.ErrFull, err)
	}
	return err
}

// connectFailure names, for the operator, why a connection could not be
// made; "" when err is not one of the failures an operator fixes in the
// DSN or on the database server.
func connectFailure(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case invalidPassword, invalidAuthorization:
			return "authentication failed (check the user and password in storage.dsn, PGUSER/PGPASSWORD, and pg_hba.conf)"
		case invalidCatalogName:
			return "the database does not exist (create it, or name another in storage.dsn)"
		case cannotConnectNow:
			return "the server is starting up or shutting down"
		}
		return ""
	}
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return "host not found"
	}
	var op *net.OpError
	if errors.As(err, &op) || pgconn.Timeout(err) {
		return "host unreachable (is PostgreSQL running and listening there?)"
	}
	return ""
}

// transient reports whether err may go away if the same work is tried
// again: PostgreSQL aborted the transaction to resolve a conflict, or the
// connection to it broke.
func transient(err error) bool {
	return conflict(err) || connectionLost(err)
}

// conflict reports whether PostgreSQL rolled the transaction back to let
// another one through; nothing of it was written.
func conflict(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == serializationFailure || pe.Code == deadlockDetected)
}

// connectionLost reports whether err is the connection failing rather than
// the statement: the server closing it (shutting down, or the backend
// terminated) or the network.
func connectionLost(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case adminShutdown, crashShutdown, cannotConnectNow:
			return true
		}
		return strings.HasPrefix(pe.Code, "08") // connection exception
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	return errors.As(err, &ce) || errors.As(err, &ne) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}

// retryDelays are the pauses before each retry of transient failures. They
// cover a conflict and a pool reconnecting after the server restarted, not
// a server that is down: that costs errors until it is back.
var retryDelays = [...]time.Duration{20 * time.Millisecond, 100 * time.Millisecond, 400 * time.Millisecond}

// idempotence says whether running a write twice leaves what running it
// once does. A write that is not may be retried only when it surely never
// reached the server, or the server rolled it back: after a connection lost
// mid-commit, a second CREATE would report the first one's row as a
// conflict.
type idempotence bool

const (
	idempotent    idempotence = true
	notIdempotent idempotence = false
)

// retry runs op, again after a transient failure while that is safe, and
// maps the last error.
func (s *Store) retry(ctx context.Context, safe idempotence, op func(context.Context) error) error {
	for attempt := 0; ; attempt++ {
		err := op(ctx)
		if err == nil || ctx.Err() != nil || attempt == len(retryDelays) || !s.retryable(err, safe) {
			return mapError(err)
		}
		if connectionLost(err) {
			// The server may have restarted: every idle connection is as
			// dead as this one, so drop them all instead of trying each.
			s.pool.Reset()
			s.log.Warn("database connection lost, retrying", "attempt", attempt+1, "error", err)
		} else {
			s.log.Debug("transaction conflict, retrying", "attempt", attempt+1, "error", err)
		}
		t := time.NewTimer(retryDelays[attempt])
		select {
		case <-ctx.Done():
			t.Stop()
			return mapError(err)
		case <-t.C:
		}
	}
}

func (s *Store) retryable(err error, safe idempotence) bool {
	if !transient(err) {
		return false
	}
	return safe == idempotent || pgconn.SafeToRetry(err) || conflict(err)
}
