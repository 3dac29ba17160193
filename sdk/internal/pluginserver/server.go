// Package pluginserver is the plugin side of the wire contract: the
// go-plugin plugin type, the gRPC Plugin service and the dial back to the
// core's Host service. It knows nothing of routes and handlers; sdk lowers
// a plugin into an Impl, and this package turns every failure of that Impl
// — a stanza error, any other error, a panic — into what the core expects.
package pluginserver

import (
	"context"
	"sync"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/switchboard-xmpp/switchboard/sdk/internal/hostcalls"
	"github.com/switchboard-xmpp/switchboard/sdk/proto/pluginv1"
	"github.com/switchboard-xmpp/switchboard/sdk/stanza"
)

// Impl is a plugin in wire terms. Its errors may be (or wrap) a
// *stanza.Error, which reaches the core typed; any other error becomes
// internal-server-error.
type Impl interface {
	Describe() (*pluginv1.Manifest, error)
	Configure(ctx context.Context, req *pluginv1.ConfigureRequest, host pluginv1.HostClient) error
	Handle(ctx context.Context, env *pluginv1.Envelope) (*pluginv1.HandleResponse, error)
	Event(ctx context.Context, ev *pluginv1.EventRequest) error
	Invoke(ctx context.Context, req *pluginv1.InvokeRequest) ([]byte, error)
	Observe(ctx context.Context, req *pluginv1.ObserveRequest) error
	Metrics(ctx context.Context) (*pluginv1.MetricsResponse, error)
	// Quiet reports whether the process holds nothing that stopping it
	// would lose (an on-demand plugin's Description.Quiet).
	Quiet(ctx context.Context) bool
	// CheckConfig's error is the operator's: it names the key or value.
	CheckConfig(ctx context.Context, req *pluginv1.CheckConfigRequest) error
	Cleanup() error
}

// Server implements the Plugin service over an Impl.
type Server struct {
	pluginv1.UnimplementedPluginServer
	impl Impl
	log  hclog.Logger

	mu     sync.Mutex
	broker *plugin.GRPCBroker
	host   *hostcalls.Conn // the Host service of the last successful Configure
	closed bool
}

// New returns a server for impl that logs to log.
func New(impl Impl, log hclog.Logger) *Server {
	return &Server{impl: impl, log: log}
}

func (s *Server) setBroker(b *plugin.GRPCBroker) {
	s.mu.Lock()
	s.broker = b
	s.mu.Unlock()
}

func (s *Server) Describe(context.Context, *pluginv1.DescribeRequest) (m *pluginv1.Manifest, err error) {
	defer s.recoverInto(&err, "describe")
	m, err = s.impl.Describe()
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	return m, nil
}

// Configure dials the Host service on the broker id the core gave, then
// configures the plugin. Every Configure carries a fresh id, since a
// go-plugin broker id is dialled once. The previous connection closes only
// once the new configuration took, so a failed reload leaves the running
// one intact.
func (s *Server) Configure(ctx context.Context, req *pluginv1.ConfigureRequest) (_ *pluginv1.ConfigureResponse, err error) {
	defer s.recoverInto(&err, "configure")
	s.mu.Lock()
	broker := s.broker
	s.mu.Unlock()
	if broker == nil {
		return nil, status.Error(codes.FailedPrecondition, "no go-plugin broker to reach the host service")
	}
	conn, err := broker.Dial(req.GetHostBrokerId())
	if err != nil {
		return nil, status.Errorf(codes.Unavailable, "dialling the host service on broker id %d: %v", req.GetHostBrokerId(), err)
	}
	hc := hostcalls.New(conn)
	if err := s.impl.Configure(ctx, req, pluginv1.NewHostClient(hc)); err != nil {
		_ = hc.Close() // nothing was built on it
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	s.mu.Lock()
	old := s.host
	s.host = hc
	s.mu.Unlock()
	if old != nil {
		_ = old.Close() // the core has moved on to the new id
	}
	return &pluginv1.ConfigureResponse{}, nil
}

// handle runs the plugin's Handle for a call on the handle stream,
// failures and panics turned into the stanza error the client gets.
func (s *Server) handle(ctx context.Context, env *pluginv1.Envelope) (resp *pluginv1.HandleResponse, se *stanza.Error) {
	fields := []any{"route", env.GetRoute(), "from", env.GetFrom(), "session_id", env.GetSessionId()}
	defer s.recoverStanza(&se, "handle", fields...)
	resp, err := s.impl.Handle(ctx, env)
	if err != nil {
		return nil, s.stanzaErrorOf(err, "handle", fields...)
	}
	return resp, nil
}

// Events handles a batch of events in order. An event that fails does
// not stop the rest: one bad event must not cost the others. The call
// fails with the first failure, which the core logs; any later one is
// logged here.
func (s *Server) Events(ctx context.Context, b *pluginv1.EventBatch) (*pluginv1.EventResponse, error) {
	var first error
	for _, ev := range b.GetEvents() {
		err := s.event(ctx, ev)
		switch {
		case err == nil:
		case first == nil:
			first = err
		default:
			s.log.Warn("event failed", "event", ev.GetKind().String(), "jid", ev.GetJid(), "error", err)
		}
	}
	if first != nil {
		return nil, first
	}
	return &pluginv1.EventResponse{}, nil
}

// event runs the plugin's handler for one event, a panic turned into an
// error.
func (s *Server) event(ctx context.Context, ev *pluginv1.EventRequest) (err error) {
	fields := []any{"event", ev.GetKind().String(), "jid", ev.GetJid(), "session_id", ev.GetSessionId()}
	defer s.recoverInto(&err, "event", fields...)
	if err := s.impl.Event(ctx, ev); err != nil {
		return s.statusOf(err, "event", fields...)
	}
	return nil
}

func (s *Server) Metrics(ctx context.Context, _ *pluginv1.MetricsRequest) (_ *pluginv1.MetricsResponse, err error) {
	defer s.recoverInto(&err, "metrics")
	return s.impl.Metrics(ctx)
}

func (s *Server) CheckConfig(ctx context.Context, req *pluginv1.CheckConfigRequest) (_ *pluginv1.CheckConfigResponse, err error) {
	defer s.recoverInto(&err, "check config")
	if err := s.impl.CheckConfig(ctx, req); err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	return &pluginv1.CheckConfigResponse{}, nil
}

func (s *Server) Quiet(ctx context.Context, _ *pluginv1.QuietRequest) (_ *pluginv1.QuietResponse, err error) {
	defer s.recoverInto(&err, "quiet")
	return &pluginv1.QuietResponse{Quiet: s.impl.Quiet(ctx)}, nil
}

func (s *Server) Observe(ctx context.Context, req *pluginv1.ObserveRequest) (_ *pluginv1.ObserveResponse, err error) {
	defer s.recoverInto(&err, "observe")
	if err := s.impl.Observe(ctx, req); err != nil {
		return nil, s.statusOf(err, "observe", "messages", len(req.GetMessages()))
	}
	return &pluginv1.ObserveResponse{}, nil
}

func (s *Server) Invoke(ctx context.Context, req *pluginv1.InvokeRequest) (_ *pluginv1.InvokeResponse, err error) {
	fields := []any{"method", req.GetMethod(), "caller", req.GetCaller()}
	defer s.recoverInto(&err, "invoke", fields...)
	payload, err := s.impl.Invoke(ctx, req)
	if err != nil {
		return nil, s.statusOf(err, "invoke", fields...)
	}
	return &pluginv1.InvokeResponse{Payload: payload}, nil
}

// Close runs the plugin's Cleanup and lets go of the Host service. It is
// called once the core has stopped the plugin, so Cleanup cannot count on
// the Host any more.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	host := s.host
	s.host = nil
	s.mu.Unlock()
	err := s.impl.Cleanup()
	if host != nil {
		_ = host.Close() // the core is gone or going; nothing to report
	}
	return err
}
