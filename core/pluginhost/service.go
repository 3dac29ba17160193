package pluginhost

import (
	"context"
	"fmt"

	"github.com/switchboard-xmpp/switchboard/core/jidprep"
	"github.com/switchboard-xmpp/switchboard/core/session"
	"github.com/switchboard-xmpp/switchboard/core/stream"
	"github.com/switchboard-xmpp/switchboard/sdk/proto/pluginv1"
	"github.com/switchboard-xmpp/switchboard/sdk/stanza"
)

// A service plugin owns a domain (the operator's plugins.<name>.domain, or
// its manifest's subdomain under the server's): every stanza to that
// domain or a JID in it goes to its ADDRESSING_SERVICE routes, and it may
// send from any JID in it. The domain is written into the manifest the
// core keeps, so that Host.Manifests tells other plugins (disco lists the
// services) where each service is.

// claimDomain settles the domain of a service plugin when its manifest is
// read, and refuses a domain configured for a plugin that is no service.
func (in *instance) claimDomain(m *pluginv1.Manifest) error {
	svc := m.GetService()
	if svc == nil {
		if in.spec.Domain != "" {
			return fmt.Errorf("plugin %s is not a service, but plugins.%s.domain names one (%s)", in.spec.Name, in.spec.Name, in.spec.Domain)
		}
		return nil
	}
	domain := in.spec.Domain
	if domain == "" {
		d, err := jidprep.Parse(svc.GetSubdomain() + "." + in.h.cfg.Domain)
		if err != nil || d.Local != "" || d.Resource != "" {
			return fmt.Errorf("plugin %s: its service subdomain %q makes no domain", in.spec.Name, svc.GetSubdomain())
		}
		domain = d.Domain
	}
	if domain == in.h.cfg.Domain {
		return fmt.Errorf("plugin %s: a service cannot own the server's own domain", in.spec.Name)
	}
	svc.Domain = domain
	return nil
}

// serviceDomain is the domain the plugin owns, "" for a plugin that is no
// service.
func (in *instance) serviceDomain() string {
	return in.manifestOf().GetService().GetDomain()
}

// buildServices maps each service domain to its plugin; two plugins
// owning one domain is the same mistake as two claiming one route.
func buildServices(ins []*instance) (map[string]*instance, error) {
	services := map[string]*instance{}
	for _, in := range ins {
		d := in.serviceDomain()
		if d == "" {
			continue
		}
		if other, ok := services[d]; ok {
			return nil, fmt.Errorf("service conflict: plugins %s and %s both own %s", other.spec.Name, in.spec.Name, d)
		}
		services[d] = in
	}
	return services, nil
}

// ServiceDomain implements router.Handlers: domain belongs to a service.
func (h *Host) ServiceDomain(domain string) bool {
	_, ok := h.snap.Load().services[domain]
	return ok
}

// Service implements router.Handlers: a stanza from a session to a
// service's domain, or a JID in it, goes to that service's route for it.
// A service that has none answers as an entity that does not serve the
// request would (service-unavailable for IQ requests and messages).
func (h *Host) Service(ctx context.Context, from *session.Session, el *stream.Element, to jidprep.JID) bool {
	s := h.snap.Load()
	in, ok := s.services[to.Domain]
	if !ok {
		return false
	}
	if t := el.Attr("type"); el.Name.Local == "iq" && (t == "result" || t == "error") && h.pending.answer(from.Full, el) {
		return true // the answer to the service's SendIQ
	}
	if h.offer(ctx, s, from, el, to, pluginv1.Addressing_ADDRESSING_SERVICE, to.Domain) {
		return true
	}
	typ := el.Attr("type")
	if el.Name.Local == "presence" || typ == "error" || typ == "result" || (el.Name.Local == "message" && typ == "headline") {
		return true
	}
	in.log.Debug("service has no route for a stanza", "kind", el.Name.Local, "to", to.String())
	h.replyError(ctx, from, el, stanza.New(stanza.ServiceUnavailable))
	return true
}
