package contract

import (
	"slices"
	"testing"

	"github.com/switchboard-xmpp/switchboard/sdk/proto/pluginv1"
)

// TestHeldMessagesNeedObserve: a plugin that asks for the messages held
// for hibernating sessions reads users' messages, as an archive does, and
// needs the observe grant.
func TestHeldMessagesNeedObserve(t *testing.T) {
	m := &pluginv1.Manifest{Name: "pusher", Events: []pluginv1.EventKind{pluginv1.EventKind_EVENT_KIND_MESSAGE_HELD}}
	if caps := ImpliedCapabilities(m); !slices.Contains(caps, CapObserve) {
		t.Fatalf("implied %v, want observe", caps)
	}
	if err := CheckCapabilities(m, nil); err == nil {
		t.Error("a plugin asking for held messages without asking for observe was accepted")
	}
	m.Capabilities = []string{CapObserve}
	if err := CheckCapabilities(m, []string{CapObserve}); err != nil {
		t.Error(err)
	}
}
