package sdk

import (
	"context"
	"reflect"
	"testing"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/sdk/proto/pluginv1"
)

// The conversions cast enums; this keeps their numbers those of the wire.
func TestEnumsMatchTheWire(t *testing.T) {
	pairs := []struct {
		name      string
		sdk, wire int32
	}{
		{"Message", int32(Message), int32(pluginv1.Kind_KIND_MESSAGE)},
		{"Presence", int32(Presence), int32(pluginv1.Kind_KIND_PRESENCE)},
		{"IQ", int32(IQ), int32(pluginv1.Kind_KIND_IQ)},
		{"ToServer", int32(ToServer), int32(pluginv1.Addressing_ADDRESSING_SERVER)},
		{"ToBare", int32(ToBare), int32(pluginv1.Addressing_ADDRESSING_BARE)},
		{"ToFull", int32(ToFull), int32(pluginv1.Addressing_ADDRESSING_FULL)},
		{"Broadcast", int32(Broadcast), int32(pluginv1.Addressing_ADDRESSING_BROADCAST)},
		{"SessionBound", int32(SessionBound), int32(pluginv1.EventKind_EVENT_KIND_SESSION_BOUND)},
		{"SessionAvailable", int32(SessionAvailable), int32(pluginv1.EventKind_EVENT_KIND_SESSION_AVAILABLE)},
		{"SessionClosed", int32(SessionClosed), int32(pluginv1.EventKind_EVENT_KIND_SESSION_CLOSED)},
		{"AccountCreated", int32(AccountCreated), int32(pluginv1.EventKind_EVENT_KIND_ACCOUNT_CREATED)},
		{"AccountDeleted", int32(AccountDeleted), int32(pluginv1.EventKind_EVENT_KIND_ACCOUNT_DELETED)},
		{"SessionPresence", int32(SessionPresence), int32(pluginv1.EventKind_EVENT_KIND_SESSION_PRESENCE)},
		{"MessageHeld", int32(MessageHeld), int32(pluginv1.EventKind_EVENT_KIND_MESSAGE_HELD)},
		{"SessionResumed", int32(SessionResumed), int32(pluginv1.EventKind_EVENT_KIND_SESSION_RESUMED)},
		{"SessionElsewhere", int32(SessionElsewhere), int32(pluginv1.EventKind_EVENT_KIND_SESSION_ELSEWHERE)},
		{"StagePreAuth", int32(StagePreAuth), int32(pluginv1.Stage_STAGE_PRE_AUTH)},
		{"StagePostAuth", int32(StagePostAuth), int32(pluginv1.Stage_STAGE_POST_AUTH)},
		{"Allow", int32(Allow), int32(pluginv1.FilterAction_FILTER_ACTION_ALLOW)},
		{"Deny", int32(Deny), int32(pluginv1.FilterAction_FILTER_ACTION_DENY)},
		{"MessageIn", int32(MessageIn), int32(pluginv1.FilterStanza_FILTER_STANZA_MESSAGE_IN)},
		{"MessageOut", int32(MessageOut), int32(pluginv1.FilterStanza_FILTER_STANZA_MESSAGE_OUT)},
		{"IQIn", int32(IQIn), int32(pluginv1.FilterStanza_FILTER_STANZA_IQ_IN)},
		{"PresenceIn", int32(PresenceIn), int32(pluginv1.FilterStanza_FILTER_STANZA_PRESENCE_IN)},
		{"PresenceOut", int32(PresenceOut), int32(pluginv1.FilterStanza_FILTER_STANZA_PRESENCE_OUT)},
	}
	for _, p := range pairs {
		if p.sdk != p.wire {
			t.Errorf("%s = %d, the wire says %d", p.name, p.sdk, p.wire)
		}
	}
}

func TestManifestSurvivesTheWire(t *testing.T) {
	nop := func(context.Context, *Request) (*etree.Element, error) { return nil, nil }
	d := Description{
		Name: "full", Version: "2",
		Routes: []Route{
			{Kind: IQ, Namespace: "jabber:iq:register", Types: []string{"get", "set"}, To: ToServer, PreAuth: true, Handle: nop},
			{Kind: Presence, To: Broadcast, Handle: nop},
		},
		Events:            []EventHandler{{Kind: AccountDeleted, Handle: func(context.Context, Event) error { return nil }}},
		Identities:        []Identity{{Category: "server", Type: "im", Name: "Switchboard"}},
		Features:          []string{"jabber:iq:register"},
		AccountIdentities: []Identity{{Category: "account", Type: "registered"}},
		AccountFeatures:   []string{"urn:xmpp:mam:2"},
		StreamFeatures:    []StreamFeature{{XML: "<register xmlns='http://jabber.org/features/iq-register'/>", Stage: StagePreAuth}},
		Provides:          []Method{{Name: "items", Handle: func(context.Context, string, []byte) ([]byte, error) { return nil, nil }}},
		Requires:          []string{"roster.items"},
		Uses:              []string{"*.nodes"},
	}
	want := d.Manifest()
	p := manifestToProto(want)
	if p.GetProtocolVersion() != pluginv1.ProtocolVersion {
		t.Errorf("protocol version %d, want %d", p.GetProtocolVersion(), pluginv1.ProtocolVersion)
	}
	if got := manifestFromProto(p); !reflect.DeepEqual(got, want) {
		t.Errorf("round trip\n got %+v\nwant %+v", got, want)
	}
	if err := validate(d); err != nil {
		t.Errorf("validate: %v", err)
	}
}
