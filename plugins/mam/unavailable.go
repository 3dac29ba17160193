package mam

import (
	"context"
	"errors"
	"time"

	"github.com/switchboard-xmpp/switchboard/sdk/stanza"
)

// Pauses between tries of a store call that found the storage
// unavailable: short first (a pool reconnecting), then up to a ceiling
// that keeps a database restart from being hammered.
const (
	firstStoreRetry = 50 * time.Millisecond
	maxStoreRetry   = time.Second
)

// whileUnavailable runs op, and again while the store says it is
// unavailable (a database restarting, a connection lost), until ctx ends:
// the host's deadline for the batch. The archive's writes put the same
// records under the same keys, so a try that did land is harmless; and a
// copy whose stanza-id a client already holds must not be dropped for an
// outage of a few seconds.
func whileUnavailable(ctx context.Context, op func() error) error {
	delay := firstStoreRetry
	for {
		err := op()
		if err == nil || !unavailable(err) {
			return err
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
		delay = min(2*delay, maxStoreRetry)
	}
}

// unavailable reports whether err is the host saying its storage failed
// for now (internal-server-error of type wait), not that it is full
// (resource-constraint) or that the request was wrong.
func unavailable(err error) bool {
	var se *stanza.Error
	return errors.As(err, &se) && se.Type == stanza.Wait && se.Condition == stanza.InternalServerError
}
