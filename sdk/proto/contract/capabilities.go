package contract

import (
	"fmt"
	"slices"

	"github.com/switchboard-xmpp/switchboard/sdk/proto/pluginv1"
)

// Capabilities a third-party plugin can ask for and the operator grant:
// what it may do beyond answering its own routes and keeping its own
// data. These names are the contract's; the sdk, the core and the
// configuration all use this list.
const (
	CapSendAsUsers    = "send_as_users"   // stanzas from local users, not only from the server
	CapPreAuth        = "pre_auth"        // routes and stream features before authentication
	CapStreamFeatures = "stream_features" // stream features offered to clients
	CapService        = "service"         // a domain of its own (Manifest.service)
	CapCall           = "call"            // other plugins' methods
	CapAccounts       = "accounts"        // create, delete, list accounts, change passwords
	CapSessions       = "sessions"        // list and end sessions, set session options
	CapFilters        = "filters"         // delivery rules the core enforces
	CapObserve        = "observe"         // a copy of every archived message, and of held ones (EVENT_KIND_MESSAGE_HELD)
)

// Capabilities lists every capability.
func Capabilities() []string {
	return []string{CapSendAsUsers, CapPreAuth, CapStreamFeatures, CapService, CapCall, CapAccounts, CapSessions, CapFilters, CapObserve}
}

// ImpliedCapabilities returns what m shows its plugin will use, each of
// which it must ask for: pre-auth routes, stream features (pre-auth ones
// need pre_auth as well), calls to other plugins, observing messages
// (archived or held), a service domain.
func ImpliedCapabilities(m *pluginv1.Manifest) []string {
	var caps []string
	add := func(c string) {
		if !slices.Contains(caps, c) {
			caps = append(caps, c)
		}
	}
	for _, r := range m.GetRoutes() {
		if r.GetPreAuth() {
			add(CapPreAuth)
		}
	}
	for _, f := range m.GetStreamFeatures() {
		add(CapStreamFeatures)
		if f.GetStage() == pluginv1.Stage_STAGE_PRE_AUTH {
			add(CapPreAuth)
		}
	}
	if len(m.GetRequires()) > 0 || len(m.GetUses()) > 0 {
		add(CapCall)
	}
	// Held messages are users' messages as much as archived ones are.
	if m.GetObservesMessages() || slices.Contains(m.GetEvents(), pluginv1.EventKind_EVENT_KIND_MESSAGE_HELD) {
		add(CapObserve)
	}
	if m.GetService() != nil {
		add(CapService)
	}
	return caps
}

// CheckCapabilities is the check on a third-party plugin when it starts:
// what its manifest m shows it will use must be among what it asks for,
// and what it asks for must be among grants, the operator's
// plugins.<name>.grants. Built-in plugins are trusted and not checked.
func CheckCapabilities(m *pluginv1.Manifest, grants []string) error {
	asked := m.GetCapabilities()
	for _, c := range ImpliedCapabilities(m) {
		if !slices.Contains(asked, c) {
			return fmt.Errorf("plugin %s uses capability %s without asking for it in its manifest", m.GetName(), c)
		}
	}
	var missing []string
	for _, c := range asked {
		if !slices.Contains(grants, c) {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("plugin %s asks for capabilities %v that plugins.%s.grants does not grant", m.GetName(), missing, m.GetName())
	}
	return nil
}

// Allowed reports whether a plugin may use capability c now: a built-in
// always, a third-party plugin when its manifest m asks for c and grants
// include it.
func Allowed(builtIn bool, m *pluginv1.Manifest, grants []string, c string) bool {
	return builtIn || slices.Contains(m.GetCapabilities(), c) && slices.Contains(grants, c)
}
