package sdktest

import (
	"fmt"
	"slices"

	"github.com/switchboard-xmpp/switchboard/sdk"
	"github.com/switchboard-xmpp/switchboard/sdk/internal/wire"
	"github.com/switchboard-xmpp/switchboard/sdk/proto/pluginv1"
)

// Event is a notification to deliver to the plugin.
type Event struct {
	Kind      sdk.EventKind
	JID       string // full JID for session events, bare JID for account events
	SessionID string
	// Stanza is the XML of the presence for SessionAvailable and SessionPresence; its 'from'
	// is set to JID, as the core does. For MessageHeld it is the message,
	// whose 'from' is its sender's and is kept.
	Stanza string
	// Topic ("plugin.topic") and Payload, for sdk.Published.
	Topic   string
	Payload []byte
	// Elsewhere, for sdk.Published: as published on another node of a
	// cluster.
	Elsewhere bool
}

// Event delivers ev and returns the plugin's error: a *stanza.Error, or an
// error saying the plugin failed. An event the plugin did not ask for in
// its Description is an error too, and is not delivered: the core would
// not send it.
func (h *Harness) Event(ev Event) error {
	h.t.Helper()
	kind := pluginv1.EventKind(ev.Kind)
	if !slices.Contains(h.manifest.GetEvents(), kind) {
		return fmt.Errorf("sdktest: plugin %s does not ask for %s", h.manifest.GetName(), kind)
	}
	if ev.Kind == sdk.Published && !slices.Contains(h.manifest.GetSubscribes(), ev.Topic) {
		return fmt.Errorf("sdktest: plugin %s does not subscribe to %s", h.manifest.GetName(), ev.Topic)
	}
	req := &pluginv1.EventRequest{Kind: kind, Jid: ev.JID, SessionId: ev.SessionID, Topic: ev.Topic, Payload: ev.Payload, Elsewhere: ev.Elsewhere}
	if ev.Stanza != "" {
		el, err := wire.ParseStanza([]byte(ev.Stanza))
		if err != nil {
			h.t.Fatalf("Event: %v", err)
		}
		if ev.JID != "" && ev.Kind != sdk.MessageHeld {
			el.CreateAttr("from", ev.JID)
		}
		if req.Stanza, err = wire.MarshalStanza(el); err != nil {
			h.t.Fatalf("Event: %v", err)
		}
	}
	ctx, cancel := h.ctx()
	defer cancel()
	_, err := h.plugin.Events(ctx, &pluginv1.EventBatch{Events: []*pluginv1.EventRequest{req}})
	return wire.FromStatus(err)
}
