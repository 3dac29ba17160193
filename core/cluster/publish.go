package cluster

import (
	"encoding/json"

	"github.com/nats-io/nats.go"
)

// A plugin's Host.Publish reaches the same topic's subscribers on every
// node: the core publishes it on one subject for the cluster, and each
// other node hands it to its plugins. One subject, not one per topic: a
// topic is the plugin's to name and need not fit in a NATS subject.

// notification is what crosses between the nodes.
type notification struct {
	Node    string `json:"node"`
	Topic   string `json:"topic"`
	JID     string `json:"jid,omitempty"`
	Payload []byte `json:"payload,omitempty"`
}

func (n *Node) publishSubject() string { return n.cfg.Name + ".publish" }

// Publish carries a notification of this node's plugins to the others.
// Like Host.Publish it is asynchronous and unacknowledged: a node that is
// away misses it (and rebuilds what it caches when it comes back).
func (n *Node) Publish(topic, jid string, payload []byte) {
	b, err := json.Marshal(notification{Node: n.name, Topic: topic, JID: jid, Payload: payload})
	if err == nil {
		err = n.nc.Publish(n.publishSubject(), b)
	}
	if err != nil {
		n.log.Warn("the other nodes miss a plugin's notification", "topic", topic, "error", err)
	}
}

// published hands another node's notification to this node's plugins.
func (n *Node) published(m *nats.Msg) {
	var no notification
	if err := json.Unmarshal(m.Data, &no); err != nil {
		n.log.Warn("ignoring a plugin notification that does not decode", "error", err)
		return
	}
	if no.Node == n.name {
		return // this node's plugins had it when it was published
	}
	n.plugins.Published(no.Topic, no.JID, no.Payload, true)
}
