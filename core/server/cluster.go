package server

import (
	"context"
	"fmt"

	"github.com/switchboard-xmpp/switchboard/core/c2s"
	"github.com/switchboard-xmpp/switchboard/core/cluster"
	"github.com/switchboard-xmpp/switchboard/core/session"
	"github.com/switchboard-xmpp/switchboard/core/stream"
)

// clusterHooks passes the session changes c2s reports to the cluster's
// registry, then to the plugins as before. node is set by Start, before
// any listener opens.
type clusterHooks struct {
	c2s.Extensions
	node *cluster.Node
}

func (h *clusterHooks) SessionBound(s *session.Session) {
	h.node.Bound(s)
	h.Extensions.SessionBound(s)
}

func (h *clusterHooks) SessionAvailable(s *session.Session, presence *stream.Element) {
	h.node.Presence(s)
	h.Extensions.SessionAvailable(s, presence)
}

func (h *clusterHooks) SessionPresence(s *session.Session, presence *stream.Element) {
	h.node.Presence(s)
	h.Extensions.SessionPresence(s, presence)
}

func (h *clusterHooks) SessionClosed(s *session.Session, lastPresence []byte) {
	h.node.Unbound(s)
	h.Extensions.SessionClosed(s, lastPresence)
}

// extensions is what c2s reports session changes to: the plugins, behind
// the cluster's registry when the server is a node of a cluster.
func (s *Server) extensions() c2s.Extensions {
	if !s.cfg.Cluster.Enabled() {
		return s.plugins
	}
	s.clusterHooks = &clusterHooks{Extensions: s.plugins}
	return s.clusterHooks
}

// joinCluster joins the cluster, if the server is a node of one.
func (s *Server) joinCluster(ctx context.Context) error {
	if s.clusterHooks == nil {
		return nil
	}
	node, err := cluster.Start(ctx, s.cfg.Cluster, s.cfg.DataDir, s.sessions, s.router, s.plugins, s.log.Named("cluster"))
	if err != nil {
		return fmt.Errorf("joining the cluster: %w", err)
	}
	s.cluster = node
	s.clusterHooks.node = node
	s.plugins.SetCluster(node)
	return nil
}
