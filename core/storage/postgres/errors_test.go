package postgres

import (
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/switchboard-xmpp/switchboard/core/storage"
)

func TestErrorClasses(t *testing.T) {
	pg := func(code string) error { return fmt.Errorf("writing: %w", &pgconn.PgError{Code: code}) }
	tests := []struct {
		name                  string
		err                   error
		is                    error // what mapError's result matches, if anything
		retryIdem, retryOther bool  // retried for an idempotent write; for one that is not
	}{
		{"duplicate key", pg(uniqueViolation), storage.ErrExists, false, false},
		{"disk full", pg(diskFull), storage.ErrFull, false, false},
		{"serialization failure", pg(serializationFailure), nil, true, true},
		{"deadlock", pg(deadlockDetected), nil, true, true},
		{"server shut down", pg(adminShutdown), nil, true, false},
		{"connection failure", pg("08006"), nil, true, false},
		{"statement timeout", pg("57014"), nil, false, false},
		{"syntax error", pg("42601"), nil, false, false},
		{"connection closed mid-reply", fmt.Errorf("reading: %w", io.ErrUnexpectedEOF), nil, true, false},
	}
	s := &Store{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.is != nil && !errors.Is(mapError(tt.err), tt.is) {
				t.Errorf("mapError(%v) = %v, want it to match %v", tt.err, mapError(tt.err), tt.is)
			}
			if got := s.retryable(tt.err, idempotent); got != tt.retryIdem {
				t.Errorf("retryable(%v, idempotent) = %v, want %v", tt.err, got, tt.retryIdem)
			}
			if got := s.retryable(tt.err, notIdempotent); got != tt.retryOther {
				t.Errorf("retryable(%v, notIdempotent) = %v, want %v", tt.err, got, tt.retryOther)
			}
		})
	}
}
