// Package sdktest runs a plugin in-process against a fake core, over the
// same wire as production: go-plugin's in-memory gRPC connection, with the
// Host service reached through go-plugin's broker. A test drives the plugin
// the way the core does — stanzas matched against its routes, events,
// calls — and inspects what the plugin did to the fake host: stanzas
// sent, storage, accounts, filters.
//
//	h := sdktest.New(t, ping.New(), sdktest.Options{})
//	r := h.Handle(`<iq type='get' id='1' to='localhost'><ping xmlns='urn:xmpp:ping'/></iq>`, "alice@localhost/phone")
//
// What the fake host does not do: route stanzas (Send only records them),
// send AccountCreated/AccountDeleted events when the plugin creates or
// deletes an account, or restart the plugin.
package sdktest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
	"google.golang.org/grpc/status"

	"github.com/switchboard-xmpp/switchboard/sdk"
	"github.com/switchboard-xmpp/switchboard/sdk/internal/pluginserver"
	"github.com/switchboard-xmpp/switchboard/sdk/internal/wire"
	"github.com/switchboard-xmpp/switchboard/sdk/proto/contract"
	"github.com/switchboard-xmpp/switchboard/sdk/proto/pluginv1"
)

// callTimeout bounds every call into the plugin, so that a hung plugin
// fails its test instead of the whole run.
const callTimeout = 10 * time.Second

// Options configure a Harness.
type Options struct {
	// Domain is the served domain; "localhost" when empty.
	Domain string
	// Domains are more hosted domains (virtual hosts) beside Domain.
	Domains []string
	// ServiceDomain is the domain a service plugin owns, as the operator
	// would name it; by default the Service's Subdomain under Domain.
	ServiceDomain string
	// Config is the plugin's config section, as it would appear in the
	// server's configuration; nil for none.
	Config map[string]any
	// Logger receives the plugin's log; by default it goes to the test's
	// output.
	Logger hclog.Logger
	// Grants, when not nil, run the plugin as the core runs a third-party
	// plugin with these capabilities granted (plugins.<name>.grants): it
	// must ask in its Description for every capability it uses, and is
	// refused, as by the core, what it may not do (sending as a user
	// without send_as_users, say). Nil runs it as a built-in, which the
	// core trusts with everything.
	Grants []string
	// Setup, when set, is called once the plugin is configured, before New
	// returns: the place to Provide fakes or SetSessions for a harness a
	// test does not build itself, such as FuzzStanzas'.
	Setup func(*Harness)
}

// Harness is a plugin running against a fake core.
type Harness struct {
	t        testing.TB
	domain   string
	domains  []string // every hosted domain, domain first
	plugin   pluginv1.PluginClient
	broker   *plugin.GRPCBroker
	manifest *pluginv1.Manifest
	host     *fakeHost
	started  time.Time // the "server" start time plugins are given
	// serviceDomain is the domain a service plugin owns; "" for others.
	serviceDomain string
	routes        contract.Table[string]
}

// New starts p, reads its manifest and configures it with opts.Config. It
// fails the test if any of that fails, and stops p (running its Cleanup)
// when the test ends.
func New(t testing.TB, p sdk.Plugin, opts Options) *Harness {
	t.Helper()
	if opts.Domain == "" {
		opts.Domain = "localhost"
	}
	if opts.Logger == nil {
		opts.Logger = hclog.New(&hclog.LoggerOptions{Name: "plugin", Level: hclog.Trace, Output: t.Output()})
	}
	// sdk.Serve hands the plugin side over instead of serving a process.
	got := make(chan *pluginserver.GRPCPlugin, 1)
	sdk.Serve(inProcess{Plugin: p, log: opts.Logger, got: got})
	gp := <-got

	client, _ := plugin.TestPluginGRPCConn(t, false, plugin.PluginSet{pluginv1.PluginName: harnessPlugin{gp}})
	t.Cleanup(func() {
		// As when the core stops a plugin: the broker closes (stopping the
		// Host servers), the plugin's server is told to shut down, and
		// then Cleanup runs.
		_ = client.Close()
		if err := gp.Close(); err != nil {
			t.Errorf("plugin cleanup: %v", err)
		}
	})
	raw, err := client.Dispense(pluginv1.PluginName)
	if err != nil {
		t.Fatalf("dispensing the plugin: %v", err)
	}
	conn := raw.(*harnessConn)
	h := &Harness{t: t, domain: opts.Domain, domains: append([]string{opts.Domain}, opts.Domains...), plugin: conn.client, broker: conn.broker, started: time.Now()}

	ctx, cancel := h.ctx()
	defer cancel()
	m, err := h.plugin.Describe(ctx, &pluginv1.DescribeRequest{})
	if err != nil {
		t.Fatalf("describe: %v", wire.FromStatus(err))
	}
	h.manifest = m
	if svc := m.GetService(); svc != nil {
		h.serviceDomain = opts.ServiceDomain
		if h.serviceDomain == "" {
			h.serviceDomain = svc.GetSubdomain() + "." + opts.Domain
		}
		// As the core does: Host.Manifests tells where the service is,
		// and the route table keys the service's routes by it.
		svc.Domain = h.serviceDomain
	}
	if opts.Grants != nil {
		if err := contract.CheckCapabilities(m, opts.Grants); err != nil {
			t.Fatalf("the core would not start the plugin: %v", err)
		}
	}
	if err := h.routes.Add(m.GetName(), m); err != nil {
		t.Fatalf("route table: %v", err)
	}
	h.host = newFakeHost(opts.Domain, h.domains, h.serviceDomain, m, opts.Grants)
	if err := h.Configure(opts.Config); err != nil {
		t.Fatalf("configure: %v", err)
	}
	if opts.Setup != nil {
		opts.Setup(h)
	}
	return h
}

// Configure configures the plugin again, as a reload does, with a fresh
// Host connection; it returns the plugin's error, such as a config that
// fails to decode or validate.
func (h *Harness) Configure(config map[string]any) error {
	raw, err := json.Marshal(config)
	if err != nil {
		return fmt.Errorf("encoding config: %w", err)
	}
	id := h.broker.NextId()
	go h.broker.AcceptAndServe(id, func(opts []grpc.ServerOption) *grpc.Server {
		// As large messages as the core takes (a store batch of an archive).
		s := grpc.NewServer(append(opts, grpc.MaxRecvMsgSize(pluginv1.MaxMessageBytes))...)
		pluginv1.RegisterHostServer(s, h.host)
		return s
	})
	ctx, cancel := h.ctx()
	defer cancel()
	_, err = h.plugin.Configure(ctx, &pluginv1.ConfigureRequest{ConfigJson: raw, HostBrokerId: id, Domain: h.domain, Domains: h.domains, ServerStartedUnixNano: h.started.UnixNano(), ServiceDomain: h.serviceDomain})
	if err != nil {
		return errors.New(status.Convert(err).Message()) // the plugin's own words
	}
	return nil
}

func (h *Harness) ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(h.t.Context(), callTimeout)
}

// Observe hands the plugin a batch of archived messages, as the core does
// for a plugin with Description.Observe; it returns the plugin's error.
func (h *Harness) Observe(b sdk.ObservedBatch) error {
	req := &pluginv1.ObserveRequest{Dropped: b.Dropped}
	for _, m := range b.Messages {
		req.Messages = append(req.Messages, &pluginv1.ObservedMessage{
			Owner: m.Owner, StanzaId: m.StanzaID, With: m.With, Outgoing: m.Outgoing,
			UnixNano: m.Time.UnixNano(), Stanza: m.Stanza,
		})
	}
	ctx, cancel := h.ctx()
	defer cancel()
	_, err := h.plugin.Observe(ctx, req)
	return wire.FromStatus(err)
}

// Invoke calls a method the plugin provides, as another plugin would
// through Host.Call; a *stanza.Error it returns comes back as one.
func (h *Harness) Invoke(method, caller string, payload []byte) ([]byte, error) {
	ctx, cancel := h.ctx()
	defer cancel()
	resp, err := h.plugin.Invoke(ctx, &pluginv1.InvokeRequest{Method: method, Payload: payload, Caller: caller})
	if err != nil {
		return nil, wire.FromStatus(err)
	}
	return resp.GetPayload(), nil
}

// inProcess is how sdk.Serve recognises a plugin started by New.
type inProcess struct {
	sdk.Plugin
	log hclog.Logger
	got chan<- *pluginserver.GRPCPlugin
}

func (p inProcess) Logger() hclog.Logger                       { return p.log }
func (p inProcess) ServeInProcess(gp *pluginserver.GRPCPlugin) { p.got <- gp }

// Cleanup passes through to the plugin's own, which embedding the Plugin
// interface alone would hide.
func (p inProcess) Cleanup() error {
	if c, ok := p.Plugin.(sdk.CleanerUpper); ok {
		return c.Cleanup()
	}
	return nil
}

// harnessPlugin is the plugin side of sdk.Serve plus a client side that,
// like the core's, keeps the broker for serving the Host service.
type harnessPlugin struct{ *pluginserver.GRPCPlugin }

type harnessConn struct {
	client pluginv1.PluginClient
	broker *plugin.GRPCBroker
}

func (harnessPlugin) GRPCClient(_ context.Context, broker *plugin.GRPCBroker, conn *grpc.ClientConn) (any, error) {
	return &harnessConn{client: pluginv1.NewPluginClient(conn), broker: broker}, nil
}
