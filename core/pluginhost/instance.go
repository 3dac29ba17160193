package pluginhost

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	"github.com/switchboard-xmpp/switchboard/core/metrics"
	"github.com/switchboard-xmpp/switchboard/core/pluginhost/archivefeed"
	"github.com/switchboard-xmpp/switchboard/core/pluginhost/eventqueue"
	"github.com/switchboard-xmpp/switchboard/sdk/proto/contract"
	"github.com/switchboard-xmpp/switchboard/sdk/proto/pluginv1"
)

type state int

const (
	stateStarting   state = iota
	stateRunning          // serving
	stateRestarting       // died; a new process is on its way
	stateFailed           // crashed too often; waits for a reload
	stateStopped          // stopped on purpose
	stateIdle             // on demand, stopped after a quiet spell; the next call starts it
	stateWaking           // on demand, starting again for a call
)

// idle reports whether an on-demand plugin is stopped for idleness, or on
// its way back from it: it serves, through a start, whatever comes.
func (s state) idle() bool { return s == stateIdle || s == stateWaking }

func (s state) String() string {
	return [...]string{"starting", "running", "restarting", "failed", "stopped", "idle", "waking"}[s]
}

// instance is one configured plugin across its process restarts.
type instance struct {
	h    *Host
	spec Spec
	log  hclog.Logger

	mu       sync.Mutex
	st       state
	client   *plugin.Client
	remote   *remote
	manifest *pluginv1.Manifest
	crashes  []time.Time
	restarts int
	exited   chan struct{} // closed by stop, to wake the supervisor

	events *eventqueue.Queue
	// eventCount counts the events queued, by kind.
	eventCount *metrics.PluginEvents
	inflight   atomic.Int64
	// busy counts the calls and event deliveries under way (acquire), so
	// that an on-demand plugin is never stopped under one; lastUsed is
	// when the last began (Unix nanoseconds).
	busy     atomic.Int64
	lastUsed atomic.Int64
	uses     atomic.Int64 // calls begun, ever: a stop decided on a count that moved is off
	// woken is closed when a start out of stateIdle ends, either way;
	// wakeAfter is when the next may begin after one failed.
	woken     chan struct{}
	wakeAfter time.Time
	// turns bounds the stanzas handed to the plugin at once.
	turns chan struct{}
	// dynamic are the stream features set through SetStreamFeatures.
	dynamic []*pluginv1.StreamFeature
	// observed queues archived messages for an observer plugin; nil for
	// others.
	observed *archivefeed.Queue
}

// spawn launches the process and reads its manifest.
func (h *Host) spawn(ctx context.Context, s Spec) (*instance, error) {
	in := &instance{
		h:          h,
		spec:       s,
		log:        h.log.Named(s.Name),
		exited:     make(chan struct{}),
		events:     eventqueue.New(),
		eventCount: h.eventCounters(s.Name),
		turns:      make(chan struct{}, cmp.Or(max(s.MaxConcurrent, 0), defaultMaxConcurrent)),
	}
	if err := in.launch(ctx); err != nil {
		return nil, err
	}
	return in, nil
}

func (in *instance) launch(ctx context.Context) error {
	client, rem, err := in.h.launch(in.spec, in.log)
	if err != nil {
		return err
	}
	cctx, cancel := context.WithTimeout(ctx, in.h.cfg.CallTimeout)
	defer cancel()
	m, err := rem.client.Describe(cctx, &pluginv1.DescribeRequest{})
	if err != nil {
		client.Kill()
		return fmt.Errorf("plugin %s: describe: %w", in.spec.Name, err)
	}
	if m.GetProtocolVersion() != pluginv1.ProtocolVersion {
		client.Kill()
		return fmt.Errorf("plugin %s speaks protocol %d, this server speaks %d", in.spec.Name, m.GetProtocolVersion(), pluginv1.ProtocolVersion)
	}
	if m.GetName() != in.spec.Name {
		client.Kill()
		return fmt.Errorf("plugin %s calls itself %q: configure it as plugins.%s, the name it answers to", in.spec.Name, m.GetName(), m.GetName())
	}
	if err := in.checkCapabilities(m); err != nil {
		client.Kill()
		return err
	}
	if err := contract.CheckOnDemand(m); err != nil {
		client.Kill()
		return fmt.Errorf("plugin %s: %w", in.spec.Name, err)
	}
	if err := contract.CheckMetrics(m.GetMetrics()); err != nil {
		client.Kill()
		return fmt.Errorf("plugin %s: %w", in.spec.Name, err)
	}
	for _, f := range m.GetStreamFeatures() {
		if err := in.h.checkFeature(f); err != nil {
			client.Kill()
			return fmt.Errorf("plugin %s: %w", in.spec.Name, err)
		}
	}
	if err := in.claimDomain(m); err != nil {
		client.Kill()
		return err
	}
	rem.calls = in.h.cfg.Metrics.PluginRoutes(in.spec.Name, RouteLabels(m))
	in.mu.Lock()
	in.client, in.remote, in.manifest = client, rem, m
	if m.GetObservesMessages() {
		in.observe()
	}
	in.mu.Unlock()
	return nil
}

func (in *instance) streamFeatures() []*pluginv1.StreamFeature {
	in.mu.Lock()
	defer in.mu.Unlock()
	return append(append([]*pluginv1.StreamFeature(nil), in.manifest.GetStreamFeatures()...), in.dynamic...)
}

// configure serves the Host service on the broker and hands the plugin its
// config section.
func (in *instance) configure(ctx context.Context) error {
	cfgJSON, err := json.Marshal(in.spec.Config)
	if err != nil {
		return fmt.Errorf("plugin %s: encoding its config: %w", in.spec.Name, err)
	}
	rem := in.remoteOf()
	id := rem.broker.NextId()
	hs := &hostServer{h: in.h, in: in}
	go rem.broker.AcceptAndServe(id, func(opts []grpc.ServerOption) *grpc.Server {
		s := grpc.NewServer(append(opts, grpc.MaxRecvMsgSize(pluginv1.MaxMessageBytes))...)
		pluginv1.RegisterHostServer(s, hs)
		return s
	})
	cctx, cancel := context.WithTimeout(ctx, in.h.cfg.CallTimeout)
	defer cancel()
	_, err = rem.client.Configure(cctx, &pluginv1.ConfigureRequest{ConfigJson: cfgJSON, HostBrokerId: id, Domain: in.h.cfg.Domain, Domains: in.h.domains(), ServerStartedUnixNano: in.h.cfg.Started.UnixNano(), ServiceDomain: in.serviceDomain()})
	if err != nil {
		return fmt.Errorf("plugin %s: configure: %s", in.spec.Name, describeErr(err))
	}
	return nil
}

func sameConfig(a, b map[string]any) bool {
	if len(a) == 0 && len(b) == 0 {
		return true
	}
	return reflect.DeepEqual(a, b)
}

func (in *instance) state() state {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.st
}

func (in *instance) setState(s state) {
	in.mu.Lock()
	in.st = s
	in.mu.Unlock()
}

func (in *instance) remoteOf() *remote {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.remote
}

func (in *instance) manifestOf() *pluginv1.Manifest {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.manifest
}

func (in *instance) pid() int {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.client == nil || in.st == stateIdle {
		return 0
	}
	if rc := in.client.ReattachConfig(); rc != nil {
		return rc.Pid
	}
	return 0
}

// stop ends the process for good.
func (in *instance) stop() {
	in.mu.Lock()
	if in.st == stateStopped {
		in.mu.Unlock()
		return
	}
	in.st = stateStopped
	client := in.client
	close(in.exited)
	in.mu.Unlock()
	if client != nil {
		client.Kill()
	}
}
