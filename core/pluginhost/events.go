package pluginhost

import (
	"bytes"
	"strings"

	"github.com/switchboard-xmpp/switchboard/core/metrics"

	"github.com/switchboard-xmpp/switchboard/core/session"
	"github.com/switchboard-xmpp/switchboard/core/stream"
	"github.com/switchboard-xmpp/switchboard/sdk/proto/pluginv1"
)

// emit queues an event for every running plugin that asked for it. It
// never blocks the caller: a plugin too far behind loses the event, and
// the loss is logged.
func (h *Host) emit(ev *pluginv1.EventRequest) {
	subs := h.snap.Load().subscribers[ev.GetKind()]
	if ev.GetKind() == pluginv1.EventKind_EVENT_KIND_PUBLISHED {
		subs = h.snap.Load().topics[ev.GetTopic()]
	}
	for _, in := range subs {
		in.events.Push(ev)
		in.eventCount.Inc(int(ev.GetKind()))
	}
}

// SessionBound reports a newly bound resource.
func (h *Host) SessionBound(s *session.Session) {
	h.emit(&pluginv1.EventRequest{Kind: pluginv1.EventKind_EVENT_KIND_SESSION_BOUND, Jid: s.Full, SessionId: s.ID})
}

// SessionAvailable reports a session's initial presence.
func (h *Host) SessionAvailable(s *session.Session, presence *stream.Element) {
	h.emit(&pluginv1.EventRequest{Kind: pluginv1.EventKind_EVENT_KIND_SESSION_AVAILABLE, Jid: s.Full, SessionId: s.ID, Stanza: presence.AppendWithFrom(nil, s.Full)})
}

// SessionPresence reports a later broadcast presence of an available
// session.
func (h *Host) SessionPresence(s *session.Session, presence *stream.Element) {
	h.emit(&pluginv1.EventRequest{Kind: pluginv1.EventKind_EVENT_KIND_SESSION_PRESENCE, Jid: s.Full, SessionId: s.ID, Stanza: presence.AppendWithFrom(nil, s.Full)})
}

// SessionClosed reports the end of a session, whatever ended it, with
// the last presence it broadcast.
func (h *Host) SessionClosed(s *session.Session, lastPresence []byte) {
	h.emit(&pluginv1.EventRequest{Kind: pluginv1.EventKind_EVENT_KIND_SESSION_CLOSED, Jid: s.Full, SessionId: s.ID, Stanza: lastPresence})
}

// AccountCreated tells the plugins of an account created by anyone: a
// plugin (in-band registration) or the admin API.
func (h *Host) AccountCreated(bare string) {
	h.emit(&pluginv1.EventRequest{Kind: pluginv1.EventKind_EVENT_KIND_ACCOUNT_CREATED, Jid: bare})
}

// AccountDeleted follows the deletion of an account, by anyone: the store
// has removed the rows the account owns; its delivery rules go, and the
// plugins remove what they keep of it elsewhere (its items in other
// accounts' rosters, its uploaded files, caches).
func (h *Host) AccountDeleted(bare string) {
	if h.deps.Filters != nil {
		h.deps.Filters.Clear(bare)
	}
	h.emit(&pluginv1.EventRequest{Kind: pluginv1.EventKind_EVENT_KIND_ACCOUNT_DELETED, Jid: bare})
}

// SessionElsewhere reports a change of a session that another node of the
// cluster holds: presence is what it broadcasts while available, nil once
// it is unavailable or gone.
func (h *Host) SessionElsewhere(s *session.Session, presence []byte) {
	h.emit(&pluginv1.EventRequest{Kind: pluginv1.EventKind_EVENT_KIND_SESSION_ELSEWHERE, Jid: s.Full, SessionId: s.ID, Stanza: presence})
}

// Published hands this node's plugins a notification published with
// Host.Publish, by a plugin of this node or, elsewhere, of another node.
func (h *Host) Published(topic, jid string, payload []byte, elsewhere bool) {
	h.emit(&pluginv1.EventRequest{Kind: pluginv1.EventKind_EVENT_KIND_PUBLISHED, Topic: topic, Jid: jid, Payload: payload, Elsewhere: elsewhere})
}

// Cluster is what the host tells the other nodes of a cluster
// (core/cluster implements it): the notifications this node's plugins
// publish, and the delivery options they set on this node's sessions.
type Cluster interface {
	Publish(topic, jid string, payload []byte)
	SessionOptionChanged(s *session.Session)
}

// SetCluster makes Host.Publish reach the plugins of the other nodes, and
// session options their routing, through c.
func (h *Host) SetCluster(c Cluster) { h.cluster.Store(&c) }

// SessionResumed reports a session its client took back (XEP-0198).
func (h *Host) SessionResumed(s *session.Session) {
	h.emit(&pluginv1.EventRequest{Kind: pluginv1.EventKind_EVENT_KIND_SESSION_RESUMED, Jid: s.Full, SessionId: s.ID})
}

// MessageHeld implements router.Handlers. The copy is made only when a
// plugin asked for the event: without push loaded a message to a
// waiting session costs nothing here.
func (h *Host) MessageHeld(owner string, msg []byte) {
	if len(h.snap.Load().subscribers[pluginv1.EventKind_EVENT_KIND_MESSAGE_HELD]) == 0 {
		return
	}
	h.emit(&pluginv1.EventRequest{Kind: pluginv1.EventKind_EVENT_KIND_MESSAGE_HELD, Jid: owner, Stanza: bytes.Clone(msg)})
}

// eventCounters resolves the event counters of plugin, one per kind the
// contract has ("session_bound", …).
func (h *Host) eventCounters(plugin string) *metrics.PluginEvents {
	kinds := make([]string, len(pluginv1.EventKind_name))
	for k, name := range pluginv1.EventKind_name {
		if k > 0 && int(k) < len(kinds) {
			kinds[k] = strings.ToLower(strings.TrimPrefix(name, "EVENT_KIND_"))
		}
	}
	return h.cfg.Metrics.PluginEventKinds(plugin, kinds)
}
