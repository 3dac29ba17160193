package pluginhost

import (
	"context"
	"fmt"
	"maps"

	"github.com/switchboard-xmpp/switchboard/core/jidprep"
	"github.com/switchboard-xmpp/switchboard/core/session"
	"github.com/switchboard-xmpp/switchboard/core/stream"
	"github.com/switchboard-xmpp/switchboard/sdk/proto/contract"
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
	if in.h.Hosts(domain) {
		return fmt.Errorf("plugin %s: a service cannot own %s, a domain the server hosts", in.spec.Name, domain)
	}
	svc.Domain = domain
	return nil
}

// serviceDomain is the domain the plugin owns, "" for a plugin that is no
// service.
func (in *instance) serviceDomain() string {
	return in.manifestOf().GetService().GetDomain()
}

// Component is an external component (XEP-0114) connected to the core:
// the core hands it every stanza addressed to its domain. Deliver queues
// an encoded stanza for it, false when it could not be taken (the
// component is gone or not reading). An alias of the literal interface, so
// that the package that serves components need not import this one.
type Component = interface{ Deliver(b []byte) bool }

// owner is what owns a service domain: a plugin or a component.
type owner struct {
	in   *instance
	comp Component
}

// buildServices maps each service domain to what owns it: the service
// plugins, then the attached components. Two owners of one domain is the
// same mistake as two plugins claiming one route.
func buildServices(ins []*instance, comps map[string]Component) (map[string]owner, error) {
	services := map[string]owner{}
	for _, in := range ins {
		d := in.serviceDomain()
		if d == "" {
			continue
		}
		if other, ok := services[d]; ok {
			return nil, fmt.Errorf("service conflict: plugins %s and %s both own %s", other.in.spec.Name, in.spec.Name, d)
		}
		services[d] = owner{in: in}
	}
	for d, c := range comps {
		if other, ok := services[d]; ok {
			return nil, fmt.Errorf("service conflict: plugin %s owns %s, which a component asks for", other.in.spec.Name, d)
		}
		services[d] = owner{comp: c}
	}
	return services, nil
}

// AttachComponent gives domain to an external component: stanzas to the
// domain or a JID in it go to c, its JIDs may send through the router,
// and Host.Manifests lists it as a service named name, so that the
// server's disco#items shows it. It fails when a plugin or another
// component owns the domain. detach gives the domain back.
func (h *Host) AttachComponent(domain, name string, c Component) (detach func(), err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, taken := h.components[domain]; taken {
		return nil, fmt.Errorf("component %s is already connected", domain)
	}
	comps := maps.Clone(h.components)
	if comps == nil {
		comps = map[string]componentEntry{}
	}
	comps[domain] = componentEntry{c: c, manifest: &pluginv1.Manifest{Name: "component " + domain, Service: &pluginv1.Service{Domain: domain, Name: name}}}
	if _, err := buildServices(h.live(), componentsOf(comps)); err != nil {
		return nil, err
	}
	h.components = comps
	h.rebuild()
	return func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		if h.components[domain].c == c {
			delete(h.components, domain)
			h.rebuild()
		}
	}, nil
}

// componentEntry is an attached component and the manifest that stands
// for it in Host.Manifests.
type componentEntry struct {
	c        Component
	manifest *pluginv1.Manifest
}

func componentsOf(entries map[string]componentEntry) map[string]Component {
	comps := make(map[string]Component, len(entries))
	for d, e := range entries {
		comps[d] = e.c
	}
	return comps
}

// ServiceDomain implements router.Handlers: domain belongs to a service
// plugin or a component.
func (h *Host) ServiceDomain(domain string) bool {
	_, ok := h.snap.Load().services[domain]
	return ok
}

// ClaimsService implements router.Handlers: whether Service would offer
// el to a service plugin's route, a call the router hands off the
// sender's reader as it does every plugin call.
func (h *Host) ClaimsService(el *stream.Element, to jidprep.JID) bool {
	s := h.snap.Load()
	if o, ok := s.services[to.Domain]; !ok || o.in == nil {
		return false
	}
	_, ok := s.match(el, pluginv1.Addressing_ADDRESSING_SERVICE, to.Domain, false)
	return ok
}

// Service implements router.Handlers: a stanza from a session (or, for a
// component only, from the server itself) to a service's domain, or a JID
// in it, goes to the component that owns it or to the service plugin's
// route for it. A service that takes none of it
// answers as an entity that does not serve the request would
// (service-unavailable for IQ requests and messages).
func (h *Host) Service(ctx context.Context, from *session.Session, el *stream.Element, to jidprep.JID) bool {
	s := h.snap.Load()
	o, ok := s.services[to.Domain]
	if !ok {
		return false
	}
	if from == nil {
		// The server's own stanza, its 'from' set by the sender.
		return o.comp != nil && o.comp.Deliver(el.Append(nil))
	}
	switch {
	case o.comp != nil:
		if o.comp.Deliver(el.AppendWithFrom(nil, from.Full)) {
			return true
		}
	case contract.IsAnswer(el.Name.Local, el.Attr("type")) && h.pending.answer(from.Full, el):
		return true // the answer to the service's SendIQ
	case h.offer(ctx, s, from, el, to, pluginv1.Addressing_ADDRESSING_SERVICE, to.Domain):
		return true
	}
	if !contract.Unrouted(pluginv1.Addressing_ADDRESSING_SERVICE, el.Name.Local, el.Attr("type")) {
		return true
	}
	h.log.Debug("no service took a stanza", "kind", el.Name.Local, "to", to.String())
	h.replyError(ctx, from, el, stanza.New(stanza.ServiceUnavailable))
	return true
}
