package pluginserver

import (
	"context"
	"errors"
	"os"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	"github.com/switchboard-xmpp/switchboard/sdk/heaptrim"
	"github.com/switchboard-xmpp/switchboard/sdk/proto/pluginv1"
)

// GRPCPlugin is go-plugin's plugin type for the plugin side only: the core
// has its own, which dispenses a Plugin client.
type GRPCPlugin struct {
	plugin.NetRPCUnsupportedPlugin
	srv *Server
}

// NewGRPCPlugin returns the go-plugin plugin type serving srv.
func NewGRPCPlugin(srv *Server) *GRPCPlugin { return &GRPCPlugin{srv: srv} }

// Close ends the plugin: see Server.Close.
func (p *GRPCPlugin) Close() error { return p.srv.Close() }

// GRPCServer registers the Plugin service and keeps the broker for the
// dial back to the Host service.
func (p *GRPCPlugin) GRPCServer(broker *plugin.GRPCBroker, s *grpc.Server) error {
	p.srv.setBroker(broker)
	pluginv1.RegisterPluginServer(s, p.srv)
	return nil
}

// GRPCClient is the core's business; a plugin never dispenses itself.
func (p *GRPCPlugin) GRPCClient(context.Context, *plugin.GRPCBroker, *grpc.ClientConn) (any, error) {
	return nil, errors.New("a plugin is not a go-plugin client")
}

// exitWithParent ends the plugin when the core that started it is gone —
// killed with SIGKILL, say, so that it never stopped its plugins: the
// process is re-parented, and a plugin without its core only holds memory
// and ports. A poll is portable where prctl's parent-death signal is not,
// and that signal fires when the forking thread, not the process, ends.
func exitWithParent(srv *Server, log hclog.Logger) {
	parent := os.Getppid()
	for range time.Tick(time.Second) {
		if os.Getppid() != parent {
			log.Warn("the server that started this plugin is gone; exiting")
			srv.Close()
			os.Exit(0)
		}
	}
}

// InProcess is implemented by sdktest's wrapper around a plugin under
// test: sdk.Serve hands it the plugin side instead of serving a process,
// so that tests run the very code a process runs. Its method takes a type
// of this internal package, so no plugin outside this module can
// implement it by accident.
type InProcess interface {
	Logger() hclog.Logger
	ServeInProcess(p *GRPCPlugin)
}

// Serve serves srv as a go-plugin process over gRPC only, with the
// handshake of pluginv1, until the core stops it; then it runs Cleanup.
// It returns the process's exit status.
func Serve(srv *Server, log hclog.Logger) int {
	go exitWithParent(srv, log)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	releaseHeap(ctx, log)
	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig: plugin.HandshakeConfig{
			ProtocolVersion:  pluginv1.ProtocolVersion,
			MagicCookieKey:   pluginv1.MagicCookieKey,
			MagicCookieValue: pluginv1.MagicCookieValue,
		},
		Plugins: plugin.PluginSet{pluginv1.PluginName: NewGRPCPlugin(srv)},
		GRPCServer: func(opts []grpc.ServerOption) *grpc.Server {
			return plugin.DefaultGRPCServer(append(opts, grpc.MaxRecvMsgSize(pluginv1.MaxMessageBytes)))
		},
		Logger: log,
	})
	if err := srv.Close(); err != nil {
		log.Error("cleanup failed", "error", err)
		return 1
	}
	return 0
}

// releaseHeap runs a heaptrim.Trimmer for the process when the core asks
// for one (pluginv1.ReleaseAfterEnv), as it runs one for itself: after a
// burst of logins a plugin keeps per-session heap too.
func releaseHeap(ctx context.Context, log hclog.Logger) {
	v := os.Getenv(pluginv1.ReleaseAfterEnv)
	if v == "" {
		return // a core that does not ask
	}
	quiet, err := time.ParseDuration(v)
	if err != nil {
		log.Warn("ignoring a malformed memory setting from the core", "variable", pluginv1.ReleaseAfterEnv, "value", v, "error", err)
		return
	}
	if quiet > 0 {
		go heaptrim.New(quiet, log.Named("heaptrim")).Run(ctx)
	}
}
