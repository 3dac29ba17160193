package pluginhost

import (
	"fmt"
	"slices"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/switchboard-xmpp/switchboard/core/stream"
	"github.com/switchboard-xmpp/switchboard/sdk/proto/pluginv1"
)

// Capability names are the contract's (pluginv1); these short names keep
// the host's checks readable.
const (
	capSendAsUsers    = pluginv1.CapSendAsUsers
	capPreAuth        = pluginv1.CapPreAuth
	capStreamFeatures = pluginv1.CapStreamFeatures
	capCall           = pluginv1.CapCall
	capAccounts       = pluginv1.CapAccounts
	capSessions       = pluginv1.CapSessions
	capFilters        = pluginv1.CapFilters
)

// checkCapabilities runs when a third-party plugin starts: what its
// manifest shows it will do must be among what it asks for, and what it
// asks for must be granted. Built-in plugins are trusted.
func (in *instance) checkCapabilities(m *pluginv1.Manifest) error {
	if in.spec.Path == "" {
		return nil
	}
	asked := m.GetCapabilities()
	for _, c := range pluginv1.ImpliedCapabilities(m) {
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

// checkFeature refuses a stream feature that is not one element, or that
// is in a namespace the core's own features use.
func (h *Host) checkFeature(f *pluginv1.StreamFeature) error {
	el, err := stream.ParseElement([]byte(f.GetXml()), stream.Limits{})
	if err != nil {
		return fmt.Errorf("stream feature %q: %w", f.GetXml(), err)
	}
	if slices.Contains(h.cfg.ReservedFeatures, el.Name.Space) {
		return fmt.Errorf("stream feature %q: the namespace %s is the core's", f.GetXml(), el.Name.Space)
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
