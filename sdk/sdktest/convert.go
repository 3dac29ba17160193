package sdktest

import (
	"github.com/switchboard-xmpp/switchboard/sdk"
	"github.com/switchboard-xmpp/switchboard/sdk/proto/pluginv1"
)

// manifestToProto mirrors the sdk's own conversion, which is unexported;
// sdk's tests compare the two through Host.Manifests, so they cannot drift
// apart unnoticed.
func manifestToProto(m sdk.Manifest) *pluginv1.Manifest {
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
	}
	for _, r := range m.Routes {
		p.Routes = append(p.Routes, &pluginv1.Route{
			Kind: pluginv1.Kind(r.Kind), Namespace: r.Namespace, Types: r.Types,
			Addressing: pluginv1.Addressing(r.To), PreAuth: r.PreAuth,
		})
	}
	for _, e := range m.Events {
		p.Events = append(p.Events, pluginv1.EventKind(e))
	}
	for _, id := range m.Identities {
		p.Identities = append(p.Identities, &pluginv1.Identity{Category: id.Category, Type: id.Type, Name: id.Name})
	}
	for _, id := range m.AccountIdentities {
		p.AccountIdentities = append(p.AccountIdentities, &pluginv1.Identity{Category: id.Category, Type: id.Type, Name: id.Name})
	}
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
