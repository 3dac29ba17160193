package pluginserver

import (
	"errors"
	"fmt"
	"runtime/debug"

	"github.com/switchboard-xmpp/switchboard/sdk/internal/wire"
	"github.com/switchboard-xmpp/switchboard/sdk/stanza"
)

// statusOf turns an Impl error into the status the core receives: see
// stanzaErrorOf.
func (s *Server) statusOf(err error, op string, fields ...any) error {
	return wire.Status(s.stanzaErrorOf(err, op, fields...))
}

// stanzaErrorOf turns an Impl error into the stanza error the client gets.
// A stanza error crosses as it is. Anything else is a bug or an outage the
// client cannot act on: it is logged here, once, under a short id, and the
// client gets internal-server-error with the same id in its text, so that
// an operator can find the log line from a user's report.
func (s *Server) stanzaErrorOf(err error, op string, fields ...any) *stanza.Error {
	var se *stanza.Error
	if errors.As(err, &se) {
		return se
	}
	se, id := stanza.Incident()
	s.log.Error(op+" failed", append(fields, "error_id", id, "error", err)...)
	return se
}

// recoverInto turns a panic in the plugin into internal-server-error,
// logged with its stack, instead of taking the process — and every other
// request in flight — down with it.
func (s *Server) recoverInto(err *error, op string, fields ...any) {
	if r := recover(); r != nil {
		*err = wire.Status(s.panicked(r, op, fields...))
	}
}

// recoverStanza is recoverInto for a call that answers a stanza error.
func (s *Server) recoverStanza(se **stanza.Error, op string, fields ...any) {
	if r := recover(); r != nil {
		*se = s.panicked(r, op, fields...)
	}
}

func (s *Server) panicked(r any, op string, fields ...any) *stanza.Error {
	se, id := stanza.Incident()
	s.log.Error(op+" panicked", append(fields, "error_id", id, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))...)
	return se
}
