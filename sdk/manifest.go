package sdk

import (
	"fmt"
	"slices"

	"google.golang.org/protobuf/proto"
)

// Manifest is a Description without its handlers: what a plugin declares,
// as other plugins see it through Host.Manifests (disco aggregates them).
type Manifest struct {
	Name, Version     string
	Routes            []Route // Handle is nil
	Events            []EventKind
	Subscribes        []string // "plugin.topic" of the Published handlers
	ObservesMessages  bool     // the plugin archives messages (Description.Observe)
	Capabilities      []string // asked for, when run as a third-party plugin
	Identities        []Identity
	Features          []string
	AccountIdentities []Identity
	AccountFeatures   []string
	StreamFeatures    []StreamFeature
	Service           *Service // set for a service that owns a domain
	Provides          []string // method names
	Requires          []string // "plugin.method"
	Uses              []string // "plugin.method" or "*.method", called when loaded
	OnDemand          bool     // the core may stop it when idle (Description.OnDemand)
}

// Manifest returns what d declares, without the handlers: exactly what the
// core is told.
func (d Description) Manifest() Manifest {
	m := Manifest{
		Name:              d.Name,
		Version:           d.Version,
		Identities:        d.Identities,
		Features:          d.Features,
		AccountIdentities: d.AccountIdentities,
		AccountFeatures:   d.AccountFeatures,
		StreamFeatures:    d.StreamFeatures,
		Service:           d.Service,
		Requires:          d.Requires,
		Uses:              d.Uses,
	}
	for _, r := range d.Routes {
		r.Handle = nil
		m.Routes = append(m.Routes, r)
	}
	for _, e := range d.Events {
		if !slices.Contains(m.Events, e.Kind) {
			m.Events = append(m.Events, e.Kind)
		}
		if e.Kind == Published {
			m.Subscribes = append(m.Subscribes, e.Topic)
		}
	}
	m.ObservesMessages = d.Observe != nil
	m.OnDemand = d.OnDemand
	m.Capabilities = d.Capabilities
	for _, p := range d.Provides {
		m.Provides = append(m.Provides, p.Name)
	}
	return m
}

// MarshalBinary encodes m as the contract's Manifest message
// (sdk/proto/plugin.proto), as Describe hands it to the core: for a fake
// core, such as sdktest's, that serves other plugins' manifests.
func (m Manifest) MarshalBinary() ([]byte, error) {
	b, err := proto.Marshal(manifestToProto(m))
	if err != nil {
		return nil, fmt.Errorf("encoding the manifest of %s: %w", m.Name, err)
	}
	return b, nil
}
