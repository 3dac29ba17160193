package pluginhost

import (
	"fmt"
	"slices"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/switchboard-xmpp/switchboard/sdk/proto/pluginv1"
)

// Capabilities a third-party plugin can ask for and be granted.
const (
	capSendAsUsers = "send_as_users"
	capPreAuth     = "pre_auth"
	capCall        = "call"
	capAccounts    = "accounts"
	capSessions    = "sessions"
	capFilters     = "filters"
	capObserve     = "observe"
)

// checkCapabilities runs when a third-party plugin starts: what its
// manifest shows it will do must be among what it asks for, and what it
// asks for must be granted. Built-in plugins are trusted.
func (in *instance) checkCapabilities(m *pluginv1.Manifest) error {
	if in.spec.Path == "" {
		return nil
	}
	asked := m.GetCapabilities()
	var implied []string
	for _, r := range m.GetRoutes() {
		if r.GetPreAuth() {
			implied = append(implied, capPreAuth)
		}
	}
	if len(m.GetRequires()) > 0 || len(m.GetUses()) > 0 {
		implied = append(implied, capCall)
	}
	if m.GetObservesMessages() {
		implied = append(implied, capObserve)
	}
	for _, c := range implied {
		if !slices.Contains(asked, c) {
			return fmt.Errorf("plugin %s uses capability %s without asking for it in its manifest", in.spec.Name, c)
		}
	}
	var missing []string
	for _, c := range asked {
		if !slices.Contains(in.spec.Grants, c) {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("plugin %s asks for capabilities %v that plugins.%s.grants does not grant", in.spec.Name, missing, in.spec.Name)
	}
	return nil
}

// allowed reports whether the plugin may use a capability now.
func (in *instance) allowed(capability string) bool {
	if in.spec.Path == "" {
		return true
	}
	return slices.Contains(in.manifestOf().GetCapabilities(), capability) && slices.Contains(in.spec.Grants, capability)
}

// require refuses a Host call the plugin has no capability for.
func (s *hostServer) require(capability string) error {
	if s.in.allowed(capability) {
		return nil
	}
	s.in.log.Warn("plugin refused: capability not granted", "capability", capability)
	return status.Errorf(codes.PermissionDenied, "plugin %s has no capability %s (ask for it in the manifest; the operator grants it in plugins.%s.grants)", s.in.spec.Name, capability, s.in.spec.Name)
}
