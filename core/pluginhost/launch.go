package pluginhost

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os/exec"
	"slices"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	"github.com/switchboard-xmpp/switchboard/core/metrics"
	"github.com/switchboard-xmpp/switchboard/core/pluginhost/handlestream"
	"github.com/switchboard-xmpp/switchboard/sdk/proto/pluginv1"
)

// handshake is the go-plugin handshake every plugin shares with the core.
func handshake() plugin.HandshakeConfig {
	return plugin.HandshakeConfig{
		ProtocolVersion:  pluginv1.ProtocolVersion,
		MagicCookieKey:   pluginv1.MagicCookieKey,
		MagicCookieValue: pluginv1.MagicCookieValue,
	}
}

// grpcPlugin is the host side of go-plugin's plugin type: it turns the
// connection into a Plugin client and keeps the broker, through which the
// plugin reaches the Host service.
type grpcPlugin struct {
	plugin.NetRPCUnsupportedPlugin
}

// remote is a connected plugin process.
type remote struct {
	client pluginv1.PluginClient
	broker *plugin.GRPCBroker
	hs     *handlestream.Stream
	// calls time the stanzas handed to this process, by route.
	calls *metrics.PluginCalls
}

// handle gives the plugin a stanza on the process's handle stream. A
// stream that ended fails the call: the process is dying, and its
// successor gets a new one.
func (r *remote) handle(ctx context.Context, env *pluginv1.Envelope) (*pluginv1.HandleResponse, error) {
	start := time.Now()
	resp, err := r.hs.Call(ctx, env)
	outcome := metrics.CallOK
	switch {
	case err != nil:
		outcome = metrics.CallFailed
	case resp.GetDeclined():
		outcome = metrics.CallDeclined
	}
	r.calls.Observe(env.GetRoute(), outcome, start)
	return resp, err
}

func (grpcPlugin) GRPCServer(*plugin.GRPCBroker, *grpc.Server) error {
	return errors.New("the core does not serve plugins")
}

func (grpcPlugin) GRPCClient(_ context.Context, broker *plugin.GRPCBroker, conn *grpc.ClientConn) (any, error) {
	return &remote{client: pluginv1.NewPluginClient(conn), broker: broker}, nil
}

// command returns how to run the plugin: a built-in is this binary
// re-executed as `switchboard plugin NAME`; a third-party plugin is its
// executable, optionally pinned by SHA-256.
func (h *Host) command(s Spec) (*exec.Cmd, *plugin.SecureConfig, error) {
	if s.Path == "" {
		if h.cfg.Executable == "" {
			return nil, nil, fmt.Errorf("plugin %s: built-in plugins need the switchboard executable, which is unknown", s.Name)
		}
		return exec.Command(h.cfg.Executable, "plugin", s.Name), nil, nil
	}
	cmd := exec.Command(s.Path)
	if s.SHA256 == "" {
		return cmd, nil, nil
	}
	sum, err := hex.DecodeString(s.SHA256)
	if err != nil {
		return nil, nil, fmt.Errorf("plugin %s: sha256 %q is not hex: %w", s.Name, s.SHA256, err)
	}
	return cmd, &plugin.SecureConfig{Checksum: sum, Hash: sha256.New()}, nil
}

// launch starts the process and connects to it.
func (h *Host) launch(s Spec, log hclog.Logger) (*plugin.Client, *remote, error) {
	cmd, secure, err := h.command(s)
	if err != nil {
		return nil, nil, err
	}
	cmd.Env = append(append(cmd.Environ(), h.cfg.Env...), s.Env...)
	client := plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig:  handshake(),
		Plugins:          plugin.PluginSet{pluginv1.PluginName: grpcPlugin{}},
		Cmd:              cmd,
		SecureConfig:     secure,
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		AutoMTLS:         true,
		Logger:           fixedName{log},
		StartTimeout:     h.cfg.StartTimeout,
		// What the plugin writes to its own stdout and stderr (not through
		// its logger) reaches the server's log under its name; go-plugin
		// would discard it.
		SyncStdout: log.StandardWriter(&hclog.StandardLoggerOptions{ForceLevel: hclog.Info}),
		SyncStderr: log.StandardWriter(&hclog.StandardLoggerOptions{ForceLevel: hclog.Warn}),
	})
	rpc, err := client.Client()
	if err != nil {
		client.Kill()
		return nil, nil, fmt.Errorf("starting plugin %s: %w", s.Name, err)
	}
	raw, err := rpc.Dispense(pluginv1.PluginName)
	if err != nil {
		client.Kill()
		return nil, nil, fmt.Errorf("connecting to plugin %s: %w", s.Name, err)
	}
	rem := raw.(*remote)
	// Opened here, once per process, before the remote is shared.
	if rem.hs, err = handlestream.Open(rem.client); err != nil {
		client.Kill()
		return nil, nil, fmt.Errorf("opening the handle stream of plugin %s: %w", s.Name, err)
	}
	return client, rem, nil
}

// fixedName keeps a plugin's log lines under the plugin's name: go-plugin
// names the logger after the executable, which for every built-in is
// switchboard itself. A line from a named logger inside the plugin comes
// with that name as an "@module" argument; in JSON output hclog writes
// arguments into the object that holds its own "@module", and the
// plugin's name would be lost, so the plugin's goes out as "module".
type fixedName struct{ hclog.Logger }

func (f fixedName) Named(string) hclog.Logger { return f }

func (f fixedName) Log(level hclog.Level, msg string, args ...any) {
	f.Logger.Log(level, msg, ownModule(args)...)
}
func (f fixedName) Trace(msg string, args ...any) { f.Logger.Trace(msg, ownModule(args)...) }
func (f fixedName) Debug(msg string, args ...any) { f.Logger.Debug(msg, ownModule(args)...) }
func (f fixedName) Info(msg string, args ...any)  { f.Logger.Info(msg, ownModule(args)...) }
func (f fixedName) Warn(msg string, args ...any)  { f.Logger.Warn(msg, ownModule(args)...) }
func (f fixedName) Error(msg string, args ...any) { f.Logger.Error(msg, ownModule(args)...) }

// ownModule renames a plugin line's "@module" argument to "module".
func ownModule(args []any) []any {
	for i := 0; i+1 < len(args); i += 2 {
		if args[i] == "@module" {
			args = slices.Clone(args)
			args[i] = "module"
			break
		}
	}
	return args
}
