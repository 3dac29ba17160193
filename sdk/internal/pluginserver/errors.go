package pluginserver

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"runtime/debug"

	"github.com/switchboard-xmpp/switchboard/sdk/internal/wire"
	"github.com/switchboard-xmpp/switchboard/sdk/stanza"
)

// statusOf turns an Impl error into the status the core receives. A stanza
// error crosses typed. Anything else is a bug or an outage the client
// cannot act on: it is logged here, once, under a short id, and the client
// gets internal-server-error with the same id in its text, so that an
// operator can find the log line from a user's report.
func (s *Server) statusOf(err error, op string, fields ...any) error {
	var se *stanza.Error
	if errors.As(err, &se) {
		return wire.Status(se)
	}
	id := errorID()
	s.log.Error(op+" failed", append(fields, "error_id", id, "error", err)...)
	return internal(id)
}

// recoverInto turns a panic in the plugin into internal-server-error,
// logged with its stack, instead of taking the process — and every other
// request in flight — down with it.
func (s *Server) recoverInto(err *error, op string, fields ...any) {
	r := recover()
	if r == nil {
		return
	}
	id := errorID()
	s.log.Error(op+" panicked", append(fields, "error_id", id, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))...)
	*err = internal(id)
}

func internal(id string) error {
	return wire.Status(stanza.Errorf(stanza.InternalServerError, "internal error, id "+id))
}

// errorID returns 8 hex digits: enough to find one log line, short enough
// to read out over the phone.
func errorID() string {
	var b [4]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b[:])
}
