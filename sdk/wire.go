package sdk

import (
	"github.com/switchboard-xmpp/switchboard/sdk/proto/pluginv1"
)

// The sdk's enums have the numbers of the wire's, so that converting is a
// cast; wire_test.go keeps them equal. These conversions live here rather
// than in sdk/internal because they touch the sdk's own types, which an
// internal package could only import at the price of a cycle with Serve.

func manifestToProto(m Manifest) *pluginv1.Manifest {
	p := &pluginv1.Manifest{
		Name:             m.Name,
		Version:          m.Version,
		ProtocolVersion:  pluginv1.ProtocolVersion,
		Features:         m.Features,
		AccountFeatures:  m.AccountFeatures,
		Provides:         m.Provides,
		Requires:         m.Requires,
		Uses:             m.Uses,
		Subscribes:       m.Subscribes,
		ObservesMessages: m.ObservesMessages,
		Capabilities:     m.Capabilities,
		OnDemand:         m.OnDemand,
	}
	for _, r := range m.Routes {
		p.Routes = append(p.Routes, &pluginv1.Route{
			Kind:       pluginv1.Kind(r.Kind),
			Namespace:  r.Namespace,
			Types:      r.Types,
			Addressing: pluginv1.Addressing(r.To),
			PreAuth:    r.PreAuth,
		})
	}
	for _, e := range m.Events {
		p.Events = append(p.Events, pluginv1.EventKind(e))
	}
	p.Identities = identitiesToProto(m.Identities)
	p.AccountIdentities = identitiesToProto(m.AccountIdentities)
	for _, f := range m.StreamFeatures {
		p.StreamFeatures = append(p.StreamFeatures, &pluginv1.StreamFeature{Xml: f.XML, Stage: pluginv1.Stage(f.Stage)})
	}
	if s := m.Service; s != nil {
		p.Service = &pluginv1.Service{Subdomain: s.Subdomain, Name: s.Name, Features: s.Features, Domain: s.Domain}
		for _, id := range s.Identities {
			p.Service.Identities = append(p.Service.Identities, &pluginv1.Identity{Category: id.Category, Type: id.Type, Name: id.Name})
		}
	}
	return p
}

func identitiesToProto(ids []Identity) []*pluginv1.Identity {
	var p []*pluginv1.Identity
	for _, id := range ids {
		p = append(p, &pluginv1.Identity{Category: id.Category, Type: id.Type, Name: id.Name})
	}
	return p
}

func manifestFromProto(p *pluginv1.Manifest) Manifest {
	m := Manifest{
		Name:             p.GetName(),
		Version:          p.GetVersion(),
		Features:         p.GetFeatures(),
		AccountFeatures:  p.GetAccountFeatures(),
		Provides:         p.GetProvides(),
		Requires:         p.GetRequires(),
		Uses:             p.GetUses(),
		Subscribes:       p.GetSubscribes(),
		ObservesMessages: p.GetObservesMessages(),
		Capabilities:     p.GetCapabilities(),
		OnDemand:         p.GetOnDemand(),
	}
	for _, r := range p.GetRoutes() {
		m.Routes = append(m.Routes, Route{
			Kind:      Kind(r.GetKind()),
			Namespace: r.GetNamespace(),
			Types:     r.GetTypes(),
			To:        Addressing(r.GetAddressing()),
			PreAuth:   r.GetPreAuth(),
		})
	}
	for _, e := range p.GetEvents() {
		m.Events = append(m.Events, EventKind(e))
	}
	m.Identities = identitiesFromProto(p.GetIdentities())
	m.AccountIdentities = identitiesFromProto(p.GetAccountIdentities())
	for _, f := range p.GetStreamFeatures() {
		m.StreamFeatures = append(m.StreamFeatures, StreamFeature{XML: f.GetXml(), Stage: Stage(f.GetStage())})
	}
	if s := p.GetService(); s != nil {
		m.Service = &Service{Subdomain: s.GetSubdomain(), Name: s.GetName(), Features: s.GetFeatures(), Domain: s.GetDomain(), Identities: identitiesFromProto(s.GetIdentities())}
	}
	return m
}

func identitiesFromProto(p []*pluginv1.Identity) []Identity {
	var ids []Identity
	for _, id := range p {
		ids = append(ids, Identity{Category: id.GetCategory(), Type: id.GetType(), Name: id.GetName()})
	}
	return ids
}

func filterRulesToProto(rules []FilterRule) []*pluginv1.FilterRule {
	p := make([]*pluginv1.FilterRule, len(rules))
	for i, r := range rules {
		p[i] = &pluginv1.FilterRule{
			Action:        pluginv1.FilterAction(r.Action),
			Jid:           r.JID,
			Stanzas:       uint32(r.Stanzas),
			ReportBlocked: r.ReportBlocked,
		}
	}
	return p
}
