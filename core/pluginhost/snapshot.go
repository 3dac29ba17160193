package pluginhost

import (
	"maps"
	"slices"
	"sort"

	"github.com/switchboard-xmpp/switchboard/sdk/proto/contract"
	"github.com/switchboard-xmpp/switchboard/sdk/proto/pluginv1"
)

// snapshot is everything that follows from the loaded manifests, rebuilt
// when a plugin starts, stops or restarts and read without locks by every
// dispatch.
type snapshot struct {
	routes      *contract.Table[*instance]
	features    map[pluginv1.Stage][]string
	manifests   []*pluginv1.Manifest
	subscribers map[pluginv1.EventKind][]*instance
	topics      map[string][]*instance // "plugin.topic" -> subscribers
	observers   []*instance            // archive observers
	byName      map[string]*instance
	services    map[string]owner // by the domain each owns
}

// buildRoutes makes the route table of ins, failing on a route claimed by
// two plugins.
func buildRoutes(ins []*instance) (*contract.Table[*instance], error) {
	table := &contract.Table[*instance]{}
	for _, in := range ins {
		if err := table.Add(in, in.manifestOf()); err != nil {
			return nil, err
		}
	}
	return table, nil
}

// live returns the plugins whose routes and features count: all but the
// stopped ones. A failed plugin keeps its routes so that they answer with
// an error instead of falling through to another handler.
func (h *Host) live() []*instance {
	ins := make([]*instance, 0, len(h.plugins))
	for _, in := range h.plugins {
		if in.state() != stateStopped {
			ins = append(ins, in)
		}
	}
	sort.Slice(ins, func(i, j int) bool { return ins[i].spec.Name < ins[j].spec.Name })
	return ins
}

// rebuild recomputes the snapshot; h.mu must be held. Conflicts were ruled
// out when the plugins started, so an error here means a restarted plugin
// changed its manifest, and that plugin was already refused by checkRoutes.
func (h *Host) rebuild() {
	ins := h.live()
	routes, err := buildRoutes(ins)
	if err != nil {
		h.log.Error("rebuilding the route table", "error", err)
		return
	}
	services, err := buildServices(ins, componentsOf(h.components))
	if err != nil {
		h.log.Error("rebuilding the service table", "error", err)
		return
	}
	s := &snapshot{
		routes:      routes,
		features:    map[pluginv1.Stage][]string{},
		subscribers: map[pluginv1.EventKind][]*instance{},
		topics:      map[string][]*instance{},
		byName:      map[string]*instance{},
		services:    services,
	}
	if h.cfg.Core != nil {
		s.manifests = append(s.manifests, h.cfg.Core)
	}
	for _, in := range ins {
		s.byName[in.spec.Name] = in
		if in.state() == stateFailed {
			continue
		}
		m := in.manifestOf()
		s.manifests = append(s.manifests, m)
		for _, k := range m.GetEvents() {
			s.subscribers[k] = append(s.subscribers[k], in)
		}
		for _, t := range m.GetSubscribes() {
			s.topics[t] = append(s.topics[t], in)
		}
		if m.GetObservesMessages() {
			s.observers = append(s.observers, in)
		}
		for _, f := range in.streamFeatures() {
			s.features[f.GetStage()] = append(s.features[f.GetStage()], f.GetXml())
		}
	}
	for _, d := range slices.Sorted(maps.Keys(h.components)) {
		s.manifests = append(s.manifests, h.components[d].manifest)
	}
	old := h.snap.Swap(s)
	if !sameManifests(old.manifests, s.manifests) {
		h.emit(&pluginv1.EventRequest{Kind: pluginv1.EventKind_EVENT_KIND_MANIFESTS_CHANGED})
	}
}

// sameManifests compares two manifest lists by identity: every start,
// restart or reload produces new manifest values.
func sameManifests(a, b []*pluginv1.Manifest) bool {
	return slices.Equal(a, b)
}

func (h *Host) rebuildLocked() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.rebuild()
}

// requestRebuild asks for a new snapshot soon, from the one goroutine that
// makes them: the caller may be a plugin inside its Configure while the
// host holds its lock to start it, and calls made meanwhile are served by
// one rebuild.
func (h *Host) requestRebuild() {
	select {
	case h.rebuilds <- struct{}{}:
	default:
	}
}

func (h *Host) rebuilder() {
	defer h.wg.Done()
	for {
		select {
		case <-h.ctx.Done():
			return
		case <-h.rebuilds:
			h.rebuildLocked()
		}
	}
}

// checkRoutes refuses a restarted plugin whose new manifest conflicts with
// the others.
func (h *Host) checkRoutes(in *instance) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, err := buildRoutes(h.live()); err != nil {
		return err
	}
	_, err := buildServices(h.live(), componentsOf(h.components))
	return err
}

// StreamFeatures returns the features plugins add at a stage.
func (h *Host) StreamFeatures(postAuth bool) []string {
	stage := pluginv1.Stage_STAGE_PRE_AUTH
	if postAuth {
		stage = pluginv1.Stage_STAGE_POST_AUTH
	}
	return h.snap.Load().features[stage]
}

// Manifests returns the core's manifest and those of the plugins that are
// loaded and not failed.
func (h *Host) Manifests() []*pluginv1.Manifest { return h.snap.Load().manifests }

// Offers reports whether a loaded plugin declares the disco feature.
func (h *Host) Offers(feature string) bool {
	for _, m := range h.snap.Load().manifests {
		if slices.Contains(m.GetFeatures(), feature) {
			return true
		}
	}
	return false
}
