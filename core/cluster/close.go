package cluster

import (
	"encoding/json"

	"github.com/nats-io/nats.go"

	"github.com/switchboard-xmpp/switchboard/core/jidprep"
	"github.com/switchboard-xmpp/switchboard/core/stream"
)

// A session is closed by the node that holds it. Closing a session of
// another node (an administrator's kick, the deletion of its account)
// asks that node over `<cluster.name>.close.<node>`, unacknowledged: a
// node that is away has lost its sessions anyway.

// closeRequest names the session to close and the stream error to close
// it with.
type closeRequest struct {
	Full      string `json:"full"`
	ID        string `json:"id"`
	Condition string `json:"condition"`
	Text      string `json:"text,omitempty"`
}

func (n *Node) closeSubject(node string) string { return n.cfg.Name + ".close." + node }

// requestClose asks node to close its session id bound to full.
func (n *Node) requestClose(node, full, id string, e *stream.Error) {
	req := closeRequest{Full: full, ID: id, Condition: "policy-violation"}
	if e != nil {
		req.Condition, req.Text = e.Condition, e.Text
	}
	b, err := json.Marshal(req)
	if err == nil {
		err = n.nc.Publish(n.closeSubject(node), b)
	}
	if err != nil {
		n.log.Warn("asking another node to close a session: it stays open", "jid", full, "holder", node, "error", err)
	}
}

// closeRequested closes the session of this node that another asked to.
func (n *Node) closeRequested(m *nats.Msg) {
	var req closeRequest
	if err := json.Unmarshal(m.Data, &req); err != nil {
		n.log.Warn("ignoring a request to close a session that does not decode", "error", err)
		return
	}
	j, err := jidprep.Parse(req.Full)
	if err != nil {
		n.log.Warn("ignoring a request to close a session", "jid", req.Full, "error", err)
		return
	}
	s := n.table.Lookup(j.Bare(), j.Resource)
	if s == nil || s.Node != "" || s.ID != req.ID {
		return // gone already, or replaced since
	}
	n.log.Debug("closing a session at another node's request", "jid", req.Full, "condition", req.Condition)
	s.Sink.Close(stream.NewError(req.Condition, req.Text))
}
