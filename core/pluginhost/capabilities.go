package pluginhost

import (
	"fmt"
	"slices"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/switchboard-xmpp/switchboard/core/stream"
	"github.com/switchboard-xmpp/switchboard/sdk/proto/contract"
	"github.com/switchboard-xmpp/switchboard/sdk/proto/pluginv1"
)

// Capability names are the contract's; these short names keep the host's
// checks readable.
const (
	capSendAsUsers    = contract.CapSendAsUsers
	capPreAuth        = contract.CapPreAuth
	capStreamFeatures = contract.CapStreamFeatures
	capCall           = contract.CapCall
	capAccounts       = contract.CapAccounts
	capSessions       = contract.CapSessions
	capFilters        = contract.CapFilters
)

// checkCapabilities runs when a plugin starts: a third-party plugin must
// ask for what its manifest shows it will use, and be granted what it
// asks for. Built-in plugins are trusted.
func (in *instance) checkCapabilities(m *pluginv1.Manifest) error {
	if in.builtIn() {
		return nil
	}
	return contract.CheckCapabilities(m, in.spec.Grants)
}

// builtIn: the plugin is compiled into the server, and trusted.
func (in *instance) builtIn() bool { return in.spec.Path == "" }

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
	return contract.Allowed(in.builtIn(), in.manifestOf(), in.spec.Grants, capability)
}

// require refuses a Host call the plugin has no capability for.
func (s *hostServer) require(capability string) error {
	if s.in.allowed(capability) {
		return nil
	}
	s.in.log.Warn("plugin refused: capability not granted", "capability", capability)
	return status.Errorf(codes.PermissionDenied, "plugin %s has no capability %s (ask for it in the manifest; the operator grants it in plugins.%s.grants)", s.in.spec.Name, capability, s.in.spec.Name)
}
