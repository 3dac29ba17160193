package sdktest

import (
	"context"

	"github.com/beevik/etree"
	"google.golang.org/protobuf/proto"

	"github.com/switchboard-xmpp/switchboard/sdk"
	"github.com/switchboard-xmpp/switchboard/sdk/proto/pluginv1"
)

// Sent returns copies of the stanzas the plugin sent through Host.Send and
// Host.SendIQ, in order. Calls made while handling a stanza or an event
// are recorded before Handle or Event returns.
func (h *Harness) Sent() []*etree.Element {
	h.host.mu.Lock()
	defer h.host.mu.Unlock()
	out := make([]*etree.Element, len(h.host.sent))
	for i, el := range h.host.sent {
		out[i] = el.Copy()
	}
	return out
}

// Published returns what the plugin published through Host.Publish, in
// order, and forgets it.
func (h *Harness) Published() []Publication {
	h.host.mu.Lock()
	defer h.host.mu.Unlock()
	p := h.host.published
	h.host.published = nil
	return p
}

// StreamFeatures returns the features the plugin last set through
// Host.SetStreamFeatures (not the static ones of its Description).
func (h *Harness) StreamFeatures() []sdk.StreamFeature {
	h.host.mu.Lock()
	defer h.host.mu.Unlock()
	return append([]sdk.StreamFeature(nil), h.host.features...)
}

// SessionOption reports what the plugin last set for a session's option
// through Host.SetSessionOption.
func (h *Harness) SessionOption(jid, option string) bool {
	h.host.mu.Lock()
	defer h.host.mu.Unlock()
	return h.host.options[jid][option]
}

// Ended returns the JIDs the plugin asked to end sessions of, in order.
func (h *Harness) Ended() []string {
	h.host.mu.Lock()
	defer h.host.mu.Unlock()
	return append([]string(nil), h.host.ended...)
}

// AnswerIQ sets how IQs sent through Host.SendIQ are answered: fn gets the
// request and returns the result or error IQ, or nil for no answer
// (remote-server-timeout). Without it, every IQ meets
// recipient-unavailable, as for an offline peer.
func (h *Harness) AnswerIQ(fn func(iq *etree.Element) *etree.Element) {
	h.host.mu.Lock()
	h.host.answerIQ = fn
	h.host.mu.Unlock()
}

// SetSessions sets the online resources Host.Sessions reports for bare.
func (h *Harness) SetSessions(bare string, sessions ...sdk.Session) {
	h.host.mu.Lock()
	h.host.sessions[bare] = sessions
	h.host.mu.Unlock()
}

// Store is the plugin's storage for owner, the same the plugin reaches
// through Host.Store: a test reads what the plugin wrote, or seeds data.
func (h *Harness) Store(owner string) sdk.Store { return h.host.store(owner) }

// Accounts are the accounts the plugin reaches through Host.Accounts.
func (h *Harness) Accounts() sdk.Accounts { return h.host.accounts }

// Password returns the password of an account the plugin created or
// changed.
func (h *Harness) Password(username string) (string, bool) {
	h.host.accounts.mu.Lock()
	defer h.host.accounts.mu.Unlock()
	p, ok := h.host.accounts.passwords[username]
	return p, ok
}

// Filters returns the rules the plugin last installed for owner.
func (h *Harness) Filters(owner string) []sdk.FilterRule {
	h.host.mu.Lock()
	defer h.host.mu.Unlock()
	return h.host.filters[owner]
}

// Provide makes plugin.method callable through Host.Call, served by fn. As
// in the core, the plugin must list "plugin.method" in its Requires or
// Uses (or "*.method" in its Uses). A
// *stanza.Error from fn reaches the plugin as one.
func (h *Harness) Provide(plugin, method string, fn func(ctx context.Context, caller string, payload []byte) ([]byte, error)) {
	h.host.mu.Lock()
	h.host.provided[plugin+"."+method] = fn
	h.host.mu.Unlock()
}

// AddManifest adds another plugin's manifest to what Host.Manifests
// returns, after the plugin's own, encoded as the sdk encodes its own.
func (h *Harness) AddManifest(m sdk.Manifest) {
	h.t.Helper()
	b, err := m.MarshalBinary()
	if err != nil {
		h.t.Fatalf("AddManifest: %v", err)
	}
	p := &pluginv1.Manifest{}
	if err := proto.Unmarshal(b, p); err != nil {
		h.t.Fatalf("AddManifest: decoding: %v", err)
	}
	h.host.mu.Lock()
	h.host.manifests = append(h.host.manifests, p)
	h.host.mu.Unlock()
}
