package pluginhost

import (
	"context"
	"strings"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/switchboard-xmpp/switchboard/sdk/proto/contract"
	"github.com/switchboard-xmpp/switchboard/sdk/proto/pluginv1"
)

// Inspect starts a plugin just long enough to read its manifest, for
// `switchboard plugin list`.
func Inspect(ctx context.Context, executable string, s Spec, log hclog.Logger) (*pluginv1.Manifest, error) {
	h := New(Config{Executable: executable, CallTimeout: 10 * time.Second, StartTimeout: 30 * time.Second}, Deps{}, log)
	in, err := h.spawn(ctx, s)
	if err != nil {
		return nil, err
	}
	defer in.stop()
	return in.manifestOf(), nil
}

// RouteNames describes each route of a manifest in words.
func RouteNames(m *pluginv1.Manifest) []string {
	names := make([]string, len(m.GetRoutes()))
	for i, r := range m.GetRoutes() {
		names[i] = contract.DescribeRoute(r)
	}
	return names
}

// RouteLabels names each route of a manifest for the metrics, short and
// stable: kind/addressing[/namespace][/types], as in
// "iq/server/urn:xmpp:ping/get".
func RouteLabels(m *pluginv1.Manifest) []string {
	labels := make([]string, len(m.GetRoutes()))
	for i, r := range m.GetRoutes() {
		l := strings.ToLower(strings.TrimPrefix(r.GetKind().String(), "KIND_")) + "/" +
			strings.ToLower(strings.TrimPrefix(r.GetAddressing().String(), "ADDRESSING_"))
		if r.GetNamespace() != "" {
			l += "/" + r.GetNamespace()
		}
		if len(r.GetTypes()) > 0 {
			l += "/" + strings.Join(r.GetTypes(), ",")
		}
		labels[i] = l
	}
	return labels
}

// Status is what the host knows of one plugin.
type Status struct {
	Name  string
	Path  string // "" for a built-in
	State string // starting, running, restarting, failed, stopped, idle (on demand, stopped when quiet), waking
	// Up: the plugin serves, its process running or, on demand, stopped
	// while idle (the next call starts it). Idle: the latter.
	Up, Idle bool
	PID      int
	Restarts int
	InFlight int // requests the plugin is handling now
}

// Status reports every configured plugin, sorted by name.
func (h *Host) Status() []Status {
	h.mu.Lock()
	ins := h.live()
	h.mu.Unlock()
	out := make([]Status, len(ins))
	for i, in := range ins {
		st := in.state()
		out[i] = Status{Name: in.spec.Name, Path: in.spec.Path, State: st.String(), Up: st == stateRunning || st.idle(), Idle: st.idle(),
			PID: in.pid(), Restarts: in.restartCount(), InFlight: int(in.inflight.Load())}
	}
	return out
}
