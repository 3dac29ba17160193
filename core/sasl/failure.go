package sasl

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

// authFailed is the one answer for a wrong password, an unknown user or an
// unusable username, so the client cannot tell them apart.
func authFailed(cause error) *Failure {
	return &Failure{Condition: NotAuthorized, Text: "authentication failed", Err: cause}
}
