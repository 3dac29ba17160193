package cluster

import (
	"context"

	"github.com/switchboard-xmpp/switchboard/core/session"
)

// The registry is written where a session's routing state changes: at
// bind, at each broadcast presence, at unbind. c2s reports these to the
// plugins; the server passes them here first.

// Bound registers a session this node bound.
func (n *Node) Bound(s *session.Session) {
	ctx, cancel := context.WithTimeout(n.ctx, n.waitFor())
	defer cancel()
	if err := n.reg.bind(ctx, s); err != nil {
		n.log.Warn("the other nodes cannot reach this session", "jid", s.Full, "error", err)
	}
}

// Presence records a session's new availability, priority and presence.
func (n *Node) Presence(s *session.Session) { n.rewrite(s) }

// SessionOptionChanged records a change of a session's delivery options
// (carbons), which the other nodes apply when they route to it.
func (n *Node) SessionOptionChanged(s *session.Session) { n.rewrite(s) }

// rewrite writes a session's record again: presence and delivery options
// travel together.
func (n *Node) rewrite(s *session.Session) {
	ctx, cancel := context.WithTimeout(n.ctx, n.waitFor())
	defer cancel()
	if err := n.reg.presence(ctx, s); err != nil {
		n.log.Warn("the other nodes see an old presence or delivery options of this session", "jid", s.Full, "error", err)
	}
}

// Unbound removes a session this node held from the registry.
func (n *Node) Unbound(s *session.Session) {
	ctx, cancel := context.WithTimeout(n.ctx, n.waitFor())
	defer cancel()
	if err := n.reg.unbind(ctx, s); err != nil {
		n.log.Warn("the other nodes still route to an ended session until this node's liveness lapses", "jid", s.Full, "error", err)
	}
}
