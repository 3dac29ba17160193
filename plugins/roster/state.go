package roster

// State is a subscription state of RFC 6121 Appendix A.1, as the owner of
// a roster item sees its contact. A contact that is not in the roster at
// all is None.
type State uint8

// The nine states of RFC 6121 Appendix A.1.
const (
	None             State = iota // neither is subscribed, nothing is pending
	NonePendingOut                // the owner asked the contact, no answer yet
	NonePendingIn                 // the contact asked the owner, no answer yet
	NonePendingOutIn              // both asked, neither answered
	To                            // the owner receives the contact's presence
	ToPendingIn                   // To, and the contact asked the owner
	From                          // the contact receives the owner's presence
	FromPendingOut                // From, and the owner asked the contact
	Both                          // each receives the other's presence
)

var stateNames = [...]string{
	None: "None", NonePendingOut: "None + Pending Out", NonePendingIn: "None + Pending In",
	NonePendingOutIn: "None + Pending Out+In", To: "To", ToPendingIn: "To + Pending In",
	From: "From", FromPendingOut: "From + Pending Out", Both: "Both",
}

// String returns the state's name as the RFC writes it.
func (s State) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return "invalid"
}

// Subscription is the item's 'subscription' attribute: none, to, from or
// both.
func (s State) Subscription() string {
	switch s {
	case To, ToPendingIn:
		return "to"
	case From, FromPendingOut:
		return "from"
	case Both:
		return "both"
	}
	return "none"
}

// PendingOut is shown as ask='subscribe' on the item.
func (s State) PendingOut() bool {
	return s == NonePendingOut || s == NonePendingOutIn || s == FromPendingOut
}

// PendingIn means a request from the contact awaits the owner's answer.
func (s State) PendingIn() bool {
	return s == NonePendingIn || s == NonePendingOutIn || s == ToPendingIn
}

// stateOf is the inverse of Subscription, PendingOut and PendingIn.
// Pending flags that a subscription rules out (pending out with 'to') are
// dropped: such a combination is not a state.
func stateOf(sub string, out, in bool) State {
	switch {
	case sub == "both":
		return Both
	case sub == "to" && in:
		return ToPendingIn
	case sub == "to":
		return To
	case sub == "from" && out:
		return FromPendingOut
	case sub == "from":
		return From
	case out && in:
		return NonePendingOutIn
	case out:
		return NonePendingOut
	case in:
		return NonePendingIn
	}
	return None
}

// Direction says whose server processes a subscription stanza: the
// sender's (Outbound, RFC 6121 Appendix A.2) or the recipient's (Inbound,
// Appendix A.3).
type Direction uint8

// Directions.
const (
	Outbound Direction = iota
	Inbound
)

// Outcome is what one subscription stanza does to one side's item.
type Outcome struct {
	Next State
	// Pass is the ROUTE? column for outbound stanzas (the sender's server
	// passes it on to the contact) and the DELIVER? column for inbound ones
	// (the recipient's available resources get it).
	Pass bool
	// PreApprove: an outbound "subscribed" without a pending request
	// pre-approves the contact (§3.4): the item gets approved='true'.
	PreApprove bool
	// CancelPreApproval: an outbound "unsubscribed" while the contact has
	// no subscription cancels a pre-approval (note [1] of A.2.4).
	CancelPreApproval bool
	// AutoReply: the recipient's server answers an inbound "subscribe"
	// with "subscribed" on the recipient's behalf: the contact is already
	// subscribed (the rows marked * in A.3.1, §3.1.3), or was pre-approved
	// (§3.4), which also moves the state on.
	AutoReply bool
}

// appendixA is RFC 6121 Appendix A.2 (outbound) and A.3 (inbound), row by
// row, indexed by the existing state. "No state change" rows have Next
// equal to their own state.
var appendixA = map[Direction]map[string][9]Outcome{
	Outbound: {
		// A.2.1: the server routes every outbound request, whatever the
		// state, so that a contact whose state drifted can answer again.
		"subscribe": {
			None:             {Next: NonePendingOut, Pass: true},
			NonePendingOut:   {Next: NonePendingOut, Pass: true},
			NonePendingIn:    {Next: NonePendingOutIn, Pass: true},
			NonePendingOutIn: {Next: NonePendingOutIn, Pass: true},
			To:               {Next: To, Pass: true},
			ToPendingIn:      {Next: ToPendingIn, Pass: true},
			From:             {Next: FromPendingOut, Pass: true},
			FromPendingOut:   {Next: FromPendingOut, Pass: true},
			Both:             {Next: Both, Pass: true},
		},
		// A.2.2
		"unsubscribe": {
			None:             {Next: None, Pass: true},
			NonePendingOut:   {Next: None, Pass: true},
			NonePendingIn:    {Next: NonePendingIn, Pass: true},
			NonePendingOutIn: {Next: NonePendingIn, Pass: true},
			To:               {Next: None, Pass: true},
			ToPendingIn:      {Next: NonePendingIn, Pass: true},
			From:             {Next: From, Pass: true},
			FromPendingOut:   {Next: From, Pass: true},
			Both:             {Next: From, Pass: true},
		},
		// A.2.3
		"subscribed": {
			None:             {Next: None, PreApprove: true},
			NonePendingOut:   {Next: NonePendingOut, PreApprove: true},
			NonePendingIn:    {Next: From, Pass: true},
			NonePendingOutIn: {Next: FromPendingOut, Pass: true},
			To:               {Next: To, PreApprove: true},
			ToPendingIn:      {Next: Both, Pass: true},
			From:             {Next: From},
			FromPendingOut:   {Next: FromPendingOut},
			Both:             {Next: Both},
		},
		// A.2.4
		"unsubscribed": {
			None:             {Next: None, CancelPreApproval: true},
			NonePendingOut:   {Next: NonePendingOut, CancelPreApproval: true},
			NonePendingIn:    {Next: None, Pass: true},
			NonePendingOutIn: {Next: NonePendingOut, Pass: true},
			To:               {Next: To, CancelPreApproval: true},
			ToPendingIn:      {Next: To, Pass: true},
			From:             {Next: None, Pass: true},
			FromPendingOut:   {Next: NonePendingOut, Pass: true},
			Both:             {Next: To, Pass: true},
		},
	},
	Inbound: {
		// A.3.1
		"subscribe": {
			None:             {Next: NonePendingIn, Pass: true},
			NonePendingOut:   {Next: NonePendingOutIn, Pass: true},
			NonePendingIn:    {Next: NonePendingIn},
			NonePendingOutIn: {Next: NonePendingOutIn},
			To:               {Next: ToPendingIn, Pass: true},
			ToPendingIn:      {Next: ToPendingIn},
			From:             {Next: From, AutoReply: true},
			FromPendingOut:   {Next: FromPendingOut, AutoReply: true},
			Both:             {Next: Both, AutoReply: true},
		},
		// A.3.2
		"unsubscribe": {
			None:             {Next: None},
			NonePendingOut:   {Next: NonePendingOut},
			NonePendingIn:    {Next: None, Pass: true},
			NonePendingOutIn: {Next: NonePendingOut, Pass: true},
			To:               {Next: To},
			ToPendingIn:      {Next: To, Pass: true},
			From:             {Next: None, Pass: true},
			FromPendingOut:   {Next: NonePendingOut, Pass: true},
			Both:             {Next: To, Pass: true},
		},
		// A.3.3
		"subscribed": {
			None:             {Next: None},
			NonePendingOut:   {Next: To, Pass: true},
			NonePendingIn:    {Next: NonePendingIn},
			NonePendingOutIn: {Next: ToPendingIn, Pass: true},
			To:               {Next: To},
			ToPendingIn:      {Next: ToPendingIn},
			From:             {Next: From},
			FromPendingOut:   {Next: Both, Pass: true},
			Both:             {Next: Both},
		},
		// A.3.4
		"unsubscribed": {
			None:             {Next: None},
			NonePendingOut:   {Next: None, Pass: true},
			NonePendingIn:    {Next: NonePendingIn},
			NonePendingOutIn: {Next: NonePendingIn, Pass: true},
			To:               {Next: None, Pass: true},
			ToPendingIn:      {Next: NonePendingIn, Pass: true},
			From:             {Next: From},
			FromPendingOut:   {Next: From, Pass: true},
			Both:             {Next: From, Pass: true},
		},
	},
}

// preApproved is §3.4.2: an inbound request from a pre-approved contact is
// approved at once instead of delivered. Pre-approval exists only in these
// states (A.2.3).
var preApproved = map[State]State{None: From, NonePendingOut: FromPendingOut, To: Both}

// Transition is the whole subscription state machine: what a stanza of
// type typ ("subscribe", "subscribed", "unsubscribe", "unsubscribed") does
// to an item in state s, processed by the sender's server (Outbound) or
// the recipient's (Inbound). approved is the item's pre-approval flag. It
// reports false for a type that is not a subscription stanza.
func Transition(d Direction, typ string, s State, approved bool) (Outcome, bool) {
	rows, ok := appendixA[d][typ]
	if !ok || int(s) >= len(rows) {
		return Outcome{Next: s}, false
	}
	if next, ok := preApproved[s]; ok && approved && d == Inbound && typ == "subscribe" {
		return Outcome{Next: next, AutoReply: true}, true
	}
	return rows[s], true
}
