package router

// reportHeld tells the plugins about a chat or normal message that only
// sessions waiting for resumption got: nobody has seen it, and a phone
// asleep with push enabled needs waking (XEP-0357). Asking here, where
// the router already has the recipients, costs a message to an attached
// session one atomic load and no call: the first recipient is attached.
// A plugin watching every session's queue instead would be told of
// messages that a live session of the same account showed the user.
func (d *delivery) reportHeld() {
	if d.r.handlers == nil || d.typ != "" && d.typ != "normal" && d.typ != "chat" {
		return
	}
	for _, s := range d.deliveredArr[:d.deliveredN] {
		if !s.Detached.Load() {
			return
		}
	}
	if d.r.noneAttached(d.to.Bare()) {
		d.r.handlers.MessageHeld(d.to.Bare(), d.buf)
	}
}

// ReportHeld is reportHeld for a chat or normal message that a session
// was sent before its connection broke, and that its client never
// acknowledged: the session now waits for resumption, and the message
// with it.
func (r *Router) ReportHeld(owner string, msg []byte) {
	if r.handlers != nil && r.noneAttached(owner) {
		r.handlers.MessageHeld(owner, msg)
	}
}

// noneAttached reports whether every session of owner waits for
// resumption: a carbon, or another resource, reached the user otherwise.
func (r *Router) noneAttached(owner string) bool {
	for _, s := range r.sessions.Resources(owner) {
		if !s.Detached.Load() {
			return false
		}
	}
	return true
}
