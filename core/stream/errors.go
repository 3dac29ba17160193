package stream

// Stream error conditions of RFC 6120 §4.9.3.
const (
	CondBadFormat              = "bad-format"
	CondBadNamespacePrefix     = "bad-namespace-prefix"
	CondConflict               = "conflict"
	CondConnectionTimeout      = "connection-timeout"
	CondHostGone               = "host-gone"
	CondHostUnknown            = "host-unknown"
	CondImproperAddressing     = "improper-addressing"
	CondInternalServerError    = "internal-server-error"
	CondInvalidFrom            = "invalid-from"
	CondInvalidNamespace       = "invalid-namespace"
	CondInvalidXML             = "invalid-xml"
	CondNotAuthorized          = "not-authorized"
	CondNotWellFormed          = "not-well-formed"
	CondPolicyViolation        = "policy-violation"
	CondRemoteConnectionFailed = "remote-connection-failed"
	CondReset                  = "reset"
	CondResourceConstraint     = "resource-constraint"
	CondRestrictedXML          = "restricted-xml"
	CondSeeOtherHost           = "see-other-host"
	CondSystemShutdown         = "system-shutdown"
	CondUndefinedCondition     = "undefined-condition"
	CondUnsupportedEncoding    = "unsupported-encoding"
	CondUnsupportedFeature     = "unsupported-feature"
	CondUnsupportedStanzaType  = "unsupported-stanza-type"
	CondUnsupportedVersion     = "unsupported-version"
)

// Error is a stream error (RFC 6120 §4.9.3). Condition is the element name,
// e.g. "not-well-formed"; Text is an optional human-readable explanation.
type Error struct {
	Condition string
	Text      string
}

// NewError returns a stream error with the given condition and text.
func NewError(cond, text string) *Error {
	return &Error{Condition: cond, Text: text}
}

func (e *Error) Error() string {
	if e.Text == "" {
		return "stream error: " + e.Condition
	}
	return "stream error: " + e.Condition + ": " + e.Text
}

// Is lets errors.Is match a stream error by condition: a target with an
// empty Text matches any error with the same Condition.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	if !ok {
		return false
	}
	return t.Condition == e.Condition && (t.Text == "" || t.Text == e.Text)
}

func errNotWellFormed(text string) error { return &Error{Condition: CondNotWellFormed, Text: text} }
func errRestricted(text string) error    { return &Error{Condition: CondRestrictedXML, Text: text} }
func errPolicy(text string) error        { return &Error{Condition: CondPolicyViolation, Text: text} }
