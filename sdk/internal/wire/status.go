package wire

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/switchboard-xmpp/switchboard/sdk/proto/pluginv1"
	"github.com/switchboard-xmpp/switchboard/sdk/stanza"
)

// statusCode is the gRPC code of every status that carries a stanza error.
// The detail is what counts; the code only has to differ from those of
// transport failures, and it is the one the core uses too.
const statusCode = codes.FailedPrecondition

// Status carries e over gRPC as a status whose detail is a StanzaError:
// a typed error on the wire, never a string to parse.
func Status(e *stanza.Error) error {
	st := status.New(statusCode, e.Error())
	withDetail, err := st.WithDetails(ToProto(e))
	if err != nil {
		// Only a detail that cannot be marshalled fails, and StanzaError
		// always can; keep the message rather than lose the error.
		return st.Err()
	}
	return withDetail.Err()
}

// ToProto converts a stanza error to its wire form.
func ToProto(e *stanza.Error) *pluginv1.StanzaError { return pluginv1.StanzaErrorToProto(e) }

// FromProto converts a wire stanza error back.
func FromProto(p *pluginv1.StanzaError) *stanza.Error { return pluginv1.StanzaErrorFromProto(p) }

// StanzaErrorOf returns the stanza error a status carries, or nil.
func StanzaErrorOf(err error) *stanza.Error {
	st, ok := status.FromError(err)
	if !ok {
		return nil
	}
	for _, d := range st.Details() {
		if se, ok := d.(*pluginv1.StanzaError); ok {
			return FromProto(se)
		}
	}
	return nil
}

// FromStatus turns the error of a gRPC call into what a Go caller can
// test: the *stanza.Error it carries, context.Canceled or
// context.DeadlineExceeded for those codes (so errors.Is works), or an
// error with the status's code and message and none of gRPC's wording.
func FromStatus(err error) error {
	if err == nil {
		return nil
	}
	if se := StanzaErrorOf(err); se != nil {
		return se
	}
	st, ok := status.FromError(err)
	if !ok {
		return err
	}
	switch st.Code() {
	case codes.Canceled:
		return fmt.Errorf("%s: %w", st.Message(), context.Canceled)
	case codes.DeadlineExceeded:
		return fmt.Errorf("%s: %w", st.Message(), context.DeadlineExceeded)
	}
	return errors.New(codeName(st.Code()) + ": " + st.Message())
}

// codeName spells a code the way a log reader expects ("unavailable").
func codeName(c codes.Code) string {
	var b strings.Builder
	for i, r := range c.String() {
		if i > 0 && r >= 'A' && r <= 'Z' {
			b.WriteByte(' ')
		}
		b.WriteString(strings.ToLower(string(r)))
	}
	return b.String()
}
