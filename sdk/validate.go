package sdk

import (
	"errors"
	"fmt"
	"strings"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/sdk/proto/contract"
	"github.com/switchboard-xmpp/switchboard/sdk/proto/pluginv1"
)

// validate catches the mistakes a plugin author can make in a Description
// before the core sees it: Describe fails with the first one, and the
// server's log names it.
func validate(d Description) error {
	if d.Name == "" {
		return errors.New("no name")
	}
	for i, r := range d.Routes {
		if err := validateRoute(r); err != nil {
			return fmt.Errorf("route %d: %w", i, err)
		}
		if r.To == ToService && d.Service == nil {
			return fmt.Errorf("route %d: ToService routes need a Service", i)
		}
	}
	if s := d.Service; s != nil && (s.Subdomain == "" || strings.ContainsAny(s.Subdomain, "@/. ")) {
		return fmt.Errorf("service: Subdomain %q is not one domain label", s.Subdomain)
	}
	for i, e := range d.Events {
		if e.Kind < SessionBound || e.Kind > SessionElsewhere || e.Handle == nil {
			return fmt.Errorf("event handler %d: needs a known kind and a handler", i)
		}
		if p, t, ok := strings.Cut(e.Topic, "."); (e.Kind == Published) != (ok && p != "" && t != "") {
			return fmt.Errorf("event handler %d: a Published handler needs a topic \"plugin.topic\", and only it", i)
		}
	}
	seen := map[string]bool{}
	for _, m := range d.Provides {
		if m.Name == "" || m.Handle == nil || seen[m.Name] {
			return fmt.Errorf("method %q: needs a unique name and a handler", m.Name)
		}
		seen[m.Name] = true
	}
	for _, r := range d.Requires {
		if p, m, ok := strings.Cut(r, "."); !ok || p == "" || p == "*" || m == "" {
			return fmt.Errorf("requires %q: want plugin.method", r)
		}
	}
	for _, r := range d.Uses {
		if p, m, ok := strings.Cut(r, "."); !ok || p == "" || m == "" {
			return fmt.Errorf("uses %q: want plugin.method or *.method", r)
		}
	}
	if err := contract.CheckOnDemand(&pluginv1.Manifest{OnDemand: d.OnDemand, ObservesMessages: d.Observe != nil}); err != nil {
		return err
	}
	for i, f := range d.StreamFeatures {
		if err := validateFeature(f); err != nil {
			return fmt.Errorf("stream feature %d: %w", i, err)
		}
	}
	for i, m := range d.Metrics {
		if m == nil {
			return fmt.Errorf("metric %d: nil", i)
		}
	}
	return contract.CheckMetrics(metricsToProto(d.Metrics))
}

func validateRoute(r Route) error {
	switch {
	case r.Kind < Message || r.Kind > IQ:
		return errors.New("unknown kind")
	case r.To < ToServer || r.To > ToService:
		return errors.New("unknown addressing")
	case r.Handle == nil:
		return errors.New("no handler")
	case r.To == Broadcast && r.Kind != Presence:
		return errors.New("only presence is broadcast")
	case r.PreAuth && (r.Kind != IQ || r.To != ToServer):
		return errors.New("only IQs to the server are served before authentication")
	case r.Kind == IQ && r.Namespace == "":
		return errors.New("an IQ route names the namespace of its child")
	}
	return nil
}

func validateFeature(f StreamFeature) error {
	if f.Stage != StagePreAuth && f.Stage != StagePostAuth {
		return errors.New("unknown stage")
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromString(f.XML); err != nil || doc.Root() == nil {
		return fmt.Errorf("not one XML element: %q", f.XML)
	}
	if doc.Root().NamespaceURI() == "" {
		return fmt.Errorf("%q declares no namespace", f.XML)
	}
	return nil
}
