package pluginv1

import "slices"

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
	CapObserve        = "observe"         // a copy of every archived message
)

// Capabilities lists every capability.
func Capabilities() []string {
	return []string{CapSendAsUsers, CapPreAuth, CapStreamFeatures, CapService, CapCall, CapAccounts, CapSessions, CapFilters, CapObserve}
}

// ImpliedCapabilities returns what m shows its plugin will use, each of
// which it must ask for: pre-auth routes, stream features (pre-auth ones
// need pre_auth as well), calls to other plugins, observing messages, a
// service domain.
func ImpliedCapabilities(m *Manifest) []string {
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
		if f.GetStage() == Stage_STAGE_PRE_AUTH {
			add(CapPreAuth)
		}
	}
	if len(m.GetRequires()) > 0 || len(m.GetUses()) > 0 {
		add(CapCall)
	}
	if m.GetObservesMessages() {
		add(CapObserve)
	}
	if m.GetService() != nil {
		add(CapService)
	}
	return caps
}
