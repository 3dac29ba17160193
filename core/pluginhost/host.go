// Package pluginhost launches, dispatches to and supervises plugins: each
// one a process started through hashicorp/go-plugin, speaking the contract
// of sdk/proto. It builds the route table, stream features and manifests
// from what the plugins declare, serves them the Host service, and
// restarts them with backoff when they die, without dropping a client.
//
// Its jobs, each in files or a package of its own:
//   - process supervision: host.go (start, stop, reload), startorder.go,
//     instance.go, launch.go, supervise.go, ondemand.go (plugins stopped
//     when idle and started again by a call), events.go and package
//     eventqueue (event delivery), and package handlestream (the stream a
//     process's stanzas travel on);
//   - the route table and dispatch: snapshot.go (the tables built from
//     the manifests), dispatch.go, routed.go, service.go (service domains
//     and components), pending.go (answers to SendIQ), emit.go (the check
//     on what plugins emit); the rules themselves are sdk/proto/contract's;
//   - the Host service: hostservice.go, capabilities.go, callstream.go (its
//     unary calls carried on one stream);
//   - the archive feed: observe.go and package archivefeed;
//   - inspection: inspect.go.
package pluginhost

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/switchboard-xmpp/switchboard/core/accounts"
	"github.com/switchboard-xmpp/switchboard/core/filter"
	"github.com/switchboard-xmpp/switchboard/core/metrics"
	"github.com/switchboard-xmpp/switchboard/core/pluginhost/archivefeed"
	"github.com/switchboard-xmpp/switchboard/core/router"
	"github.com/switchboard-xmpp/switchboard/core/session"
	"github.com/switchboard-xmpp/switchboard/core/storage"
	"github.com/switchboard-xmpp/switchboard/core/stream"
	"github.com/switchboard-xmpp/switchboard/sdk/proto/pluginv1"
)

// Config is how plugins are run.
type Config struct {
	// Domain is the primary hosted domain; Domains are all of them,
	// Domain first (Domain alone when empty).
	Domain      string
	Domains     []string
	Executable  string        // the switchboard binary, re-executed for built-ins
	Env         []string      // added to every plugin's environment
	CallTimeout time.Duration // for Handle, Invoke and Event calls
	// IdleStop is how long an on-demand plugin may have nothing to do
	// before its process is stopped, to be started again by the next
	// stanza, call or event for it; 0 keeps every plugin running.
	IdleStop time.Duration
	// ObserveWait is how long recording a message may wait for room in
	// an observer's full queue before the copy is dropped: the sender's
	// stream is read no faster than the archive keeps up. 0 never waits.
	ObserveWait time.Duration
	// ObserveQueue is the number of messages queued per observer (default
	// archivefeed.DefaultQueue).
	ObserveQueue int
	StartTimeout time.Duration // for a process to start and hand-shake
	Limits       stream.Limits // applied to stanzas plugins send
	Backoff      Backoff
	// Core describes what the core itself offers (its identity, features
	// such as resource binding); Manifests lists it first, so that disco
	// shows the server whole.
	Core *pluginv1.Manifest
	// Started is when the server started, passed to plugins for uptime.
	Started time.Time
	// ReservedFeatures are namespaces of stream features the core offers
	// itself; no plugin may offer a feature in one of them.
	ReservedFeatures []string
	// Metrics times every call to a plugin's routes; nil counts nothing.
	Metrics *metrics.Metrics
}

// Backoff is the restart policy.
type Backoff struct {
	Initial, Max time.Duration
	// MaxCrashes within Window mark a plugin failed: its routes answer
	// service-unavailable until a reload starts it again.
	MaxCrashes int
	Window     time.Duration
}

// DefaultBackoff restarts after 100 ms, doubling up to 5 s, and gives up
// after 5 crashes within a minute.
func DefaultBackoff() Backoff {
	return Backoff{Initial: 100 * time.Millisecond, Max: 5 * time.Second, MaxCrashes: 5, Window: time.Minute}
}

// Deps are the core services the Host service lends to plugins.
type Deps struct {
	Sessions *session.Table
	Store    storage.Store
	Accounts *accounts.Service
	Filters  *filter.Table
	// Kick closes every session of an account (after its deletion).
	Kick func(bare string, err *stream.Error)
}

// Spec is one plugin to run.
type Spec struct {
	Name   string
	Path   string // "" for a built-in
	SHA256 string
	Grants []string // capabilities granted to a third-party plugin
	Env    []string // "KEY=value" added to the plugin process's environment
	// MaxConcurrent bounds the stanzas handed to the plugin at once
	// (default 64); more wait for a turn, up to the call timeout.
	MaxConcurrent int
	// Domain is the domain a service plugin owns; "" for the subdomain
	// its manifest names under the server's domain.
	Domain string
	Config map[string]any
}

// Host runs the configured plugins.
type Host struct {
	cfg    Config
	deps   Deps
	router *router.Router
	log    hclog.Logger

	mu      sync.Mutex // guards plugins and components, and serializes rebuilds
	plugins map[string]*instance
	// components are the external components attached, by domain.
	components map[string]componentEntry
	snap       atomic.Pointer[snapshot]
	pending    pendingIQs
	expected   archivefeed.Expectations

	// rebuilds asks the rebuilder goroutine for a new snapshot.
	rebuilds chan struct{}

	// cluster carries Host.Publish and session options to the other
	// nodes; nil on a single server. Set once the node has joined, after
	// the plugins started.
	cluster atomic.Pointer[Cluster]

	ctx    context.Context // lives until Stop
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// New returns a host with no plugins running.
func New(cfg Config, deps Deps, log hclog.Logger) *Host {
	ctx, cancel := context.WithCancel(context.Background())
	h := &Host{cfg: cfg, deps: deps, log: log, plugins: map[string]*instance{}, rebuilds: make(chan struct{}, 1), ctx: ctx, cancel: cancel}
	h.pending.waiting = map[pendingKey]chan []byte{}
	h.snap.Store(&snapshot{})
	h.wg.Add(1)
	go h.rebuilder()
	return h
}

// SetRouter connects the router, which is built with the host as its
// handlers; it must be called before Start.
func (h *Host) SetRouter(r *router.Router) { h.router = r }

// Start launches every plugin in specs, providers before the plugins that
// require them. A route claimed twice, a missing requirement, or a plugin
// that fails to start is an error and nothing is left running.
func (h *Host) Start(ctx context.Context, specs []Spec) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	started, err := h.startSet(ctx, specs, nil)
	if err != nil {
		return err
	}
	for _, in := range started {
		h.plugins[in.spec.Name] = in
	}
	h.rebuild()
	return nil
}

// startSet launches and configures specs alongside the already running
// plugins in keep; on error it stops what it started.
func (h *Host) startSet(ctx context.Context, specs []Spec, keep []*instance) ([]*instance, error) {
	started := make([]*instance, len(specs))
	errs := make([]error, len(specs))
	var wg sync.WaitGroup
	for i, s := range specs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			started[i], errs[i] = h.spawn(ctx, s)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		stopAll(started)
		return nil, err
	}
	order, err := startOrder(append(append([]*instance(nil), keep...), started...), componentsOf(h.components))
	if err != nil {
		stopAll(started)
		return nil, err
	}
	for _, in := range order {
		if in.state() != stateStarting {
			continue
		}
		if err := in.configure(ctx); err != nil {
			stopAll(started)
			return nil, err
		}
		in.lastUsed.Store(time.Now().UnixNano())
		in.setState(stateRunning)
		in.log.Info("plugin started", "version", in.manifestOf().GetVersion(), "pid", in.pid())
	}
	for _, in := range started {
		h.wg.Add(2)
		go in.supervise()
		go in.deliverEvents()
	}
	return started, nil
}

func stopAll(ins []*instance) {
	for _, in := range ins {
		if in != nil {
			in.stop()
		}
	}
}

// Stop ends every plugin and waits for their supervisors.
func (h *Host) Stop() {
	h.mu.Lock()
	ins := make([]*instance, 0, len(h.plugins))
	for _, in := range h.plugins {
		ins = append(ins, in)
	}
	h.plugins = map[string]*instance{}
	h.mu.Unlock()
	stopAll(ins)
	h.cancel()
	h.wg.Wait()
	h.snap.Store(&snapshot{})
}

// Reload brings the running set in line with specs: new plugins start,
// removed ones stop, changed executables restart, changed configuration is
// handed to Configure again. Sessions are untouched.
func (h *Host) Reload(ctx context.Context, specs []Spec) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	want := map[string]Spec{}
	for _, s := range specs {
		want[s.Name] = s
	}
	var stop []*instance
	var keep []*instance
	var start []Spec
	var reconfigure []*instance
	for name, in := range h.plugins {
		s, ok := want[name]
		switch {
		case !ok || s.Path != in.spec.Path || s.SHA256 != in.spec.SHA256:
			stop = append(stop, in)
			if ok {
				start = append(start, s)
			}
		case in.state() == stateFailed:
			stop = append(stop, in)
			start = append(start, s)
		default:
			keep = append(keep, in)
			if !sameConfig(s.Config, in.spec.Config) {
				in.spec.Config = s.Config
				reconfigure = append(reconfigure, in)
			}
		}
	}
	for _, s := range specs {
		if _, ok := h.plugins[s.Name]; !ok {
			start = append(start, s)
		}
	}
	for _, in := range stop {
		delete(h.plugins, in.spec.Name)
		in.log.Info("plugin stopped by reload")
		// Its delivery rules go with it: a disabled privacy plugin must
		// not keep users blocked. (A crash keeps them: the plugin is
		// coming back.)
		if h.deps.Filters != nil {
			h.deps.Filters.ClearPlugin(in.spec.Name)
		}
	}
	stopAll(stop)
	h.rebuild()
	started, err := h.startSet(ctx, start, keep)
	if err != nil {
		return fmt.Errorf("reloading plugins: %w", err)
	}
	for _, in := range started {
		h.plugins[in.spec.Name] = in
	}
	var errs []error
	for _, in := range reconfigure {
		running := in.tryAcquire() // not stopped for idleness while it is configured
		if !running && in.state().idle() {
			// Starting it here would wait on h.mu, which a start takes.
			in.log.Info("plugin stopped while idle: its new configuration is applied when it starts again")
			continue
		}
		if err := in.configure(ctx); err != nil {
			errs = append(errs, err)
		}
		if running {
			in.release()
		}
	}
	h.rebuild()
	if len(reconfigure) > 0 && len(start) == 0 && len(stop) == 0 {
		// The manifests are the same values, so rebuild saw no change; a
		// reconfigured plugin may offer different things all the same.
		h.emit(&pluginv1.EventRequest{Kind: pluginv1.EventKind_EVENT_KIND_MANIFESTS_CHANGED})
	}
	return errors.Join(errs...)
}

// Hosts reports whether domain is one of the hosted domains.
func (h *Host) Hosts(domain string) bool {
	if len(h.cfg.Domains) == 0 {
		return domain == h.cfg.Domain
	}
	return slices.Contains(h.cfg.Domains, domain)
}

// domains are the hosted domains, the primary first.
func (h *Host) domains() []string {
	if len(h.cfg.Domains) == 0 {
		return []string{h.cfg.Domain}
	}
	return h.cfg.Domains
}
