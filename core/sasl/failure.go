package sasl

import "strings"

// SASL failure conditions of RFC 6120 §6.5.
const (
	Aborted              = "aborted"
	AccountDisabled      = "account-disabled"
	CredentialsExpired   = "credentials-expired"
	EncryptionRequired   = "encryption-required"
	IncorrectEncoding    = "incorrect-encoding"
	InvalidAuthzid       = "invalid-authzid"
	InvalidMechanism     = "invalid-mechanism"
	MalformedRequest     = "malformed-request"
	MechanismTooWeak     = "mechanism-too-weak"
	NotAuthorized        = "not-authorized"
	TemporaryAuthFailure = "temporary-auth-failure"
)

// Failure is a failed authentication: Condition and Text may be sent to the
// client in <failure/>; Err is the underlying cause, for the server's log
// only, since it may say whether the account exists.
type Failure struct {
	Condition string
	Text      string
	Err       error
	// Negotiation is set when the client and this connection could not
	// agree on how to authenticate (a channel-binding type it cannot
	// provide, a gs2 flag saying no -PLUS was offered) before any
	// credential was looked at: the failure says nothing about a password,
	// so it is no reason to slow down or ban anyone.
	Negotiation bool
}

func (f *Failure) Error() string {
	msg := "sasl " + f.Condition
	if f.Text != "" {
		msg += ": " + f.Text
	}
	if f.Err != nil {
		msg += ": " + f.Err.Error()
	}
	return msg
}

func (f *Failure) Unwrap() error { return f.Err }

// finished is returned by Step once a negotiation has succeeded or failed.
func finished() *Failure {
	return &Failure{Condition: MalformedRequest, Text: "authentication exchange already finished"}
}

// unsupportedBinding answers a -PLUS request for a channel-binding type
// this connection cannot provide. RFC 5802 calls it
// unsupported-channel-binding-type; RFC 6120 has no place for SCRAM's e=
// in <failure/>, so the name goes into the text, with the types the client
// could have used (the XEP-0440 feature lists them too).
func unsupportedBinding(cs ConnState, cause error) *Failure {
	text := "unsupported-channel-binding-type"
	if types := ChannelBindingTypes(cs); len(types) > 0 {
		text += ": this connection supports " + strings.Join(types, ", ")
	}
	return &Failure{Condition: InvalidMechanism, Text: text, Err: cause, Negotiation: true}
}

// authFailed is the one answer for a wrong password, an unknown user or an
// unusable username, so the client cannot tell them apart.
func authFailed(cause error) *Failure {
	return &Failure{Condition: NotAuthorized, Text: "authentication failed", Err: cause}
}
