// Package server is the composition root of the core: it builds storage,
// accounts, TLS, SASL, the session table, the router and the listeners from
// the configuration, and runs them until shutdown.
package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/switchboard-xmpp/switchboard/core/accept"
	"github.com/switchboard-xmpp/switchboard/core/accounts"
	"github.com/switchboard-xmpp/switchboard/core/admin"
	"github.com/switchboard-xmpp/switchboard/core/bosh"
	"github.com/switchboard-xmpp/switchboard/core/c2s"
	"github.com/switchboard-xmpp/switchboard/core/cluster"
	"github.com/switchboard-xmpp/switchboard/core/component"
	"github.com/switchboard-xmpp/switchboard/core/config"
	"github.com/switchboard-xmpp/switchboard/core/fdlimit"
	"github.com/switchboard-xmpp/switchboard/core/filter"
	"github.com/switchboard-xmpp/switchboard/core/limiter"
	"github.com/switchboard-xmpp/switchboard/core/metrics"
	"github.com/switchboard-xmpp/switchboard/core/pluginhost"
	"github.com/switchboard-xmpp/switchboard/core/router"
	"github.com/switchboard-xmpp/switchboard/core/s2s"
	"github.com/switchboard-xmpp/switchboard/core/sasl"
	"github.com/switchboard-xmpp/switchboard/core/session"
	"github.com/switchboard-xmpp/switchboard/core/storage"
	"github.com/switchboard-xmpp/switchboard/core/storage/backend"
	"github.com/switchboard-xmpp/switchboard/core/stream"
	"github.com/switchboard-xmpp/switchboard/core/tlscert"
	"github.com/switchboard-xmpp/switchboard/core/websocket"
)

// Options are what the composition root knows that the config does not.
type Options struct {
	// Builtins names the plugins compiled into the binary; each runs unless
	// the config disables it.
	Builtins []string
	// OptIn names the built-ins that run only when the config enables
	// them: services that are of no use before the operator sets them up
	// (upload needs a listener).
	OptIn []string
	// Executable is the switchboard binary that built-ins re-execute.
	Executable string
	// PluginBackoff is the restart policy; zero means
	// pluginhost.DefaultBackoff.
	PluginBackoff pluginhost.Backoff
	// Version is what the admin API reports the server to be.
	Version string
	// LoadConfig reads the configuration again, for a reload the admin
	// API asks for; nil: it cannot.
	LoadConfig func() (*config.Config, error)
}

// Server is a running Switchboard core.
type Server struct {
	cfg      *config.Config
	opts     Options
	log      hclog.Logger
	store    storage.Store
	accounts *accounts.Service
	certs    *tlscert.Provider
	sessions *session.Table
	filters  *filter.Table
	plugins  *pluginhost.Host
	// authLimits remembers failed logins (delays, bans, account locks).
	authLimits *limiter.Auth
	// connLimits counts connections per client address, on every listener.
	connLimits *limiter.Conns
	c2s        *c2s.Server

	// gate caps the client connections of every listener together, below
	// the open-file limit fileLimit.
	gate      *accept.Gate
	fileLimit fdlimit.Limit
	listeners []net.Listener
	// components serves listen.component; nil when it is off.
	components *component.Server
	// federation serves listen.s2s and the streams to other servers; nil
	// when it is off.
	federation  *s2s.Server
	s2sAddr     net.Addr
	s2sTLSAddr  net.Addr
	router      *router.Router
	web         *http.Server // WebSocket and host-meta
	webAddr     net.Addr
	pprof       *http.Server
	metrics     *metrics.Metrics // nil when listen.metrics is off
	metricsWeb  *http.Server
	metricsAddr net.Addr
	adminAPI    *admin.Handler // nil when listen.admin is off
	adminWeb    *http.Server
	adminAddr   net.Addr
	started     time.Time
	// reloadMu keeps reloads, from SIGHUP or the admin API, one at a time.
	reloadMu sync.Mutex
	// overrides are the plugins the admin API enabled (true) or disabled
	// (false) against the config file; every reload applies them.
	overridesMu sync.Mutex
	overrides   map[string]bool
	wg          sync.WaitGroup
	serveErr    chan error
	stopOnce    sync.Once
	stopErr     error
	stopping    chan struct{} // closed when Shutdown begins
	// cluster is this node's membership, nil unless cluster.nats_url or
	// cluster.embedded_nats is set; clusterHooks feed its registry.
	cluster      *cluster.Node
	clusterHooks *clusterHooks
}

// New builds a server from cfg; nothing listens and no plugin runs until
// Start.
func New(ctx context.Context, cfg *config.Config, opts Options, log hclog.Logger) (*Server, error) {
	store, err := OpenStore(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, opts: opts, log: log, serveErr: make(chan error, 3), stopping: make(chan struct{}), started: time.Now(), overrides: map[string]bool{}}
	// Off, nothing is counted: a nil *Metrics does nothing.
	if cfg.Listen.Metrics != "" {
		s.metrics = metrics.New()
	}
	s.store = s.metrics.Store(store)
	if err := s.build(); err != nil {
		store.Close()
		return nil, err
	}
	return s, nil
}

// OpenStore opens the configured storage; the CLI uses it too.
func OpenStore(ctx context.Context, cfg *config.Config, log hclog.Logger) (storage.Store, error) {
	store, err := backend.Open(ctx, cfg.Storage.Driver, cfg.StorageDSN(), StorageOptions(cfg), log.Named("storage"))
	if err != nil {
		return nil, fmt.Errorf("opening storage: %w", err)
	}
	return store, nil
}

// StorageOptions are the storage driver's settings from cfg.
func StorageOptions(cfg *config.Config) backend.Options {
	return backend.Options{
		MaxBytes:         int64(cfg.Storage.MaxSize),
		PoolSize:         cfg.Storage.PoolSize,
		StatementTimeout: cfg.Storage.StatementTimeout,
	}
}

func (s *Server) build() error {
	cfg := s.cfg
	certs, err := tlscert.New(tlscert.Source{
		CertFile: cfg.TLS.CertFile,
		KeyFile:  cfg.TLS.KeyFile,
		Bundles:  cfg.TLS.Certificates,
		Dir:      filepath.Join(cfg.DataDir, "tls"),
		Domains:  cfg.Hosted(),
	}, s.log.Named("tls"))
	if err != nil {
		return err
	}
	s.certs = certs
	mechs, err := sasl.Mechanisms(cfg.Auth.Mechanisms, cfg.Auth.Anonymous)
	if err != nil {
		return fmt.Errorf("configuring SASL: %w", err)
	}
	trusted, err := limiter.ParseTrusted(cfg.Limits.TrustedNetworks)
	if err != nil {
		return fmt.Errorf("limits.trusted_networks: %w", err)
	}
	s.connLimits = limiter.NewConns(limiter.ConnsConfig{
		MaxOpen:      cfg.Limits.ConnectionsPerIP,
		Rate:         float64(cfg.Limits.ConnectRatePerIP),
		Burst:        2 * cfg.Limits.ConnectRatePerIP,
		MaxAddresses: cfg.Limits.MaxTrackedAddresses,
		Trusted:      trusted,
	})
	s.accounts = accounts.New(s.store, cfg.Auth.SCRAMIterations)
	s.authLimits = limiter.NewAuth(limiter.AuthConfig{
		MaxFailures:     cfg.Auth.BanFailures,
		Window:          cfg.Auth.BanWindow,
		BanTime:         cfg.Auth.BanTime,
		BaseDelay:       cfg.Auth.FailureDelay,
		MaxDelay:        cfg.Auth.FailureDelayMax,
		AccountDelayMax: cfg.Auth.AccountDelayMax,
		KnownNetworks:   cfg.Auth.KnownNetworks,
		KnownNetworkTTL: cfg.Auth.KnownNetworkTTL,
		Trusted:         trusted,
		Book:            s.accounts.LoginBook(),
		Log:             s.log.Named("auth"),
	})
	s.sessions = session.NewTable()
	s.filters = filter.NewTable()
	s.plugins = pluginhost.New(pluginhost.Config{
		Domain:       cfg.Domain,
		Domains:      cfg.Hosted(),
		Executable:   s.opts.Executable,
		CallTimeout:  cfg.Limits.PluginTimeout,
		IdleStop:     cfg.Memory.StopIdlePlugins,
		ObserveQueue: cfg.Limits.ArchiveQueue,
		ObserveWait:  cfg.Limits.ArchiveWait,
		StartTimeout: time.Minute,
		Limits:       streamLimits(cfg, cfg.Limits.MaxStanzaBytes),
		Backoff:      s.pluginBackoff(),
		Core:         coreManifest(),
		Started:      time.Now(),
		// The core's own stream features are its to offer.
		ReservedFeatures: c2s.FeatureNamespaces(),
		Metrics:          s.metrics,
	}, pluginhost.Deps{
		Sessions: s.sessions,
		Store:    s.store,
		Accounts: s.accounts,
		Filters:  s.filters,
		Kick:     s.kick,
	}, s.log.Named("plugin"))
	r := router.New(cfg.Hosted(), s.sessions, s.accounts, s.plugins, s.filters, s.plugins, s.log.Named("router"))
	r.SetMetrics(s.metrics)
	s.plugins.SetRouter(r)
	s.router = r
	if err := s.buildFederation(); err != nil {
		return err
	}
	s.c2s = c2s.NewServer(c2s.Config{
		Domain:           cfg.Domain,
		Domains:          cfg.Hosted(),
		TLS:              certs.Config(),
		Certificate:      certs.Leaf,
		TLSRequired:      cfg.TLS.Required,
		Mechanisms:       mechs,
		Credentials:      s.accounts.SASLSource,
		MaxFailures:      cfg.Auth.MaxFailures,
		PreauthLimits:    streamLimits(cfg, cfg.Limits.MaxStanzaBytesPreauth),
		Limits:           streamLimits(cfg, cfg.Limits.MaxStanzaBytes),
		PreauthTimeout:   cfg.Limits.PreauthTimeout,
		IdleTimeout:      cfg.Limits.IdleTimeout,
		HandshakeTimeout: cfg.Limits.TLSHandshakeTimeout,
		WriteTimeout:     cfg.Limits.WriteTimeout,
		MaxResources:     cfg.Limits.MaxResources,
		SendQueueBytes:   cfg.Limits.SendQueueBytes,
		ResumeTimeout:    cfg.Limits.ResumeTimeout,
		MaxUnacked:       cfg.Limits.MaxUnacked,
		MaxInFlight:      cfg.Limits.MaxInFlight,
		Tokens:           fastTokens(cfg, s.accounts),
		TokenTTL:         cfg.Auth.FASTTokenTTL,
		Extensions:       s.extensions(),
		Conns:            s.connLimits,
		Auth:             s.authLimits,
		BanTime:          cfg.Auth.BanTime,
		RateBytes:        cfg.Limits.RateBytesPerSecond,
		RateBurst:        cfg.Limits.RateBurstBytes,
		Metrics:          s.metrics,
	}, s.sessions, r, s.log.Named("c2s"))
	return s.registerMetrics()
}

// fastTokens is where c2s keeps FAST tokens, nil when FAST is off.
func fastTokens(cfg *config.Config, accts *accounts.Service) c2s.TokenStore {
	if !cfg.Auth.FAST {
		return nil
	}
	return accts.FASTTokens(cfg.Domain, cfg.Auth.FASTTokenTTL, cfg.Auth.FASTTokensPerAccount)
}

func (s *Server) pluginBackoff() pluginhost.Backoff {
	if s.opts.PluginBackoff == (pluginhost.Backoff{}) {
		return pluginhost.DefaultBackoff()
	}
	return s.opts.PluginBackoff
}

// kick closes every session of an account.
func (s *Server) kick(bare string, err *stream.Error) {
	for _, sess := range s.sessions.Resources(bare) {
		sess.Sink.Close(err)
	}
}

func streamLimits(cfg *config.Config, maxBytes int) stream.Limits {
	return stream.Limits{MaxStanzaBytes: maxBytes, MaxDepth: cfg.Limits.MaxDepth, MaxAttrs: cfg.Limits.MaxAttrs}
}

// Start sets the open-file limit, launches the plugins, then opens the
// listeners and begins accepting clients.
func (s *Server) Start(ctx context.Context) error {
	specs, err := PluginSpecs(s.cfg, s.opts.Builtins, s.opts.OptIn)
	if err != nil {
		return err
	}
	maxConns, err := s.openFiles()
	if err != nil {
		return err
	}
	s.gate = accept.NewGate(maxConns, s.log.Named("accept"))
	if err := s.plugins.Start(ctx, specs); err != nil {
		return fmt.Errorf("starting plugins: %w", err)
	}
	if err := s.joinCluster(ctx); err != nil {
		s.plugins.Stop()
		return err
	}
	type listener struct {
		addr, what, name string
		direct           bool
	}
	for _, l := range []listener{
		{s.cfg.Listen.C2S, "STARTTLS", "c2s", false},
		{s.cfg.Listen.C2STLS, "direct TLS", "c2s_tls", true},
	} {
		if l.addr == "" {
			continue
		}
		ln, err := s.listen(l.addr, l.name)
		if err != nil {
			s.closeListeners()
			return fmt.Errorf("listening for %s clients on %s: %w", l.what, l.addr, err)
		}
		s.listeners = append(s.listeners, ln)
		s.log.Info("listening for "+l.what+" clients", "addr", ln.Addr().String(), "domain", s.cfg.Domain)
		s.wg.Add(1)
		go func(direct bool) {
			defer s.wg.Done()
			if err := s.c2s.Serve(ctx, ln, direct); !errors.Is(err, net.ErrClosed) {
				s.serveErr <- fmt.Errorf("accepting clients on %s: %w", ln.Addr(), err)
			}
		}(l.direct)
	}
	if err := s.startComponents(ctx); err != nil {
		s.closeListeners()
		return err
	}
	if err := s.startFederation(ctx); err != nil {
		s.closeListeners()
		return err
	}
	s.wg.Add(1)
	go s.sweep(ctx)
	if err := s.startWebSocket(ctx); err != nil {
		s.closeListeners()
		return err
	}
	if err := s.startPprof(); err != nil {
		return err
	}
	if err := s.startMetrics(); err != nil {
		s.closeListeners()
		return err
	}
	if err := s.startAdmin(); err != nil {
		s.closeListeners()
		return err
	}
	s.reportOpenFiles()
	return nil
}

// listen opens the client listener called name: its connections count
// against the gate, and running out of descriptors pauses it instead of
// ending it.
func (s *Server) listen(addr, name string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	return s.metrics.Listener(accept.Wrap(ln, s.gate, s.log.Named("accept").With("listener", ln.Addr().String())), name), nil
}

// startComponents serves external components (XEP-0114) when
// listen.component is set: each owns its domain through the plugin host's
// table of service domains.
func (s *Server) startComponents(ctx context.Context) error {
	if s.cfg.Listen.Component == "" {
		return nil
	}
	secrets := map[string]string{}
	for _, c := range s.cfg.Components {
		secrets[c.Domain] = c.Secret
	}
	s.components = component.NewServer(component.Config{
		Secrets:          secrets,
		Limits:           streamLimits(s.cfg, s.cfg.Limits.MaxStanzaBytes),
		HandshakeTimeout: s.cfg.Limits.PreauthTimeout,
		WriteTimeout:     s.cfg.Limits.WriteTimeout,
		Queue:            s.cfg.Limits.ComponentQueue,
	}, s.plugins, s.router, s.log.Named("component"))
	raw, err := net.Listen("tcp", s.cfg.Listen.Component)
	if err != nil {
		return fmt.Errorf("listening for components on %s: %w", s.cfg.Listen.Component, err)
	}
	// Not under the clients' connection cap: a server full of clients
	// must not leave a component's whole domain dark when it reconnects.
	// Running out of descriptors still pauses the listener.
	ln := accept.Wrap(raw, nil, s.log.Named("accept").With("listener", raw.Addr().String()))
	s.listeners = append(s.listeners, ln)
	s.log.Info("listening for components", "addr", ln.Addr().String(), "components", len(secrets))
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := s.components.Serve(ctx, ln); !errors.Is(err, net.ErrClosed) {
			s.serveErr <- fmt.Errorf("accepting components on %s: %w", ln.Addr(), err)
		}
	}()
	return nil
}

// startWebSocket serves RFC 7395 and host-meta over HTTPS with the
// server's certificate; WebSockets need HTTP/1.1.
func (s *Server) startWebSocket(ctx context.Context) error {
	if s.cfg.Listen.WebSocket == "" {
		return nil
	}
	ln, err := s.listen(s.cfg.Listen.WebSocket, "websocket")
	if err != nil {
		return fmt.Errorf("listening for WebSocket clients on %s: %w", s.cfg.Listen.WebSocket, err)
	}
	tlsCfg := s.certs.Config()
	tlsCfg.NextProtos = []string{"http/1.1"}
	s.webAddr = ln.Addr()
	ad := websocket.Advertised{Domain: s.cfg.Domain, Domains: s.cfg.Hosted(), URL: s.cfg.Listen.WebSocketURL, BOSHPath: s.cfg.BOSH.Path, BOSHURL: s.cfg.BOSH.URL}
	var boshHandler http.Handler
	if s.cfg.BOSH.Path != "" {
		boshHandler = s.newBOSH(ctx)
	}
	s.web = websocket.NewServer(ctx, s.c2s, websocket.Config{
		HeaderTimeout:  s.cfg.Limits.PreauthTimeout,
		MaxHeaderBytes: s.cfg.Limits.MaxStanzaBytesPreauth,
		UpgradeTimeout: s.cfg.Limits.PreauthTimeout,
		IdleTimeout:    s.cfg.Limits.HTTPIdleTimeout,
		CloseTimeout:   s.cfg.Limits.WriteTimeout,
		Advertised:     ad,
		BOSH:           boshHandler,
	}, s.log.Named("websocket"))
	s.log.Info("listening for WebSocket clients", "addr", ln.Addr().String(), "url", ad.EndpointURL("wss", ln.Addr().String()))
	if boshHandler != nil {
		s.log.Info("listening for BOSH clients", "addr", ln.Addr().String(), "url", ad.BOSHEndpointURL("https", ln.Addr().String()))
	}
	go func() {
		// Shutdown closes the server, which ends Serve.
		if err := s.web.Serve(tls.NewListener(ln, tlsCfg)); err != nil && !errors.Is(err, http.ErrServerClosed) && !errors.Is(err, net.ErrClosed) {
			s.serveErr <- fmt.Errorf("accepting WebSocket clients on %s: %w", ln.Addr(), err)
		}
	}()
	return nil
}

// newBOSH serves XEP-0206 sessions to c2s, for the WebSocket listener.
func (s *Server) newBOSH(ctx context.Context) *bosh.Handler {
	b, l := s.cfg.BOSH, s.cfg.Limits
	return bosh.New(ctx, s.c2s, bosh.Config{
		Domain:         s.cfg.Domain,
		Domains:        s.cfg.Hosted(),
		MaxWait:        b.MaxWait,
		MaxRequests:    b.MaxRequests,
		Polling:        b.Polling,
		Inactivity:     b.Inactivity,
		MaxPause:       b.MaxPause,
		MaxBodyBytes:   b.MaxBodyBytes,
		Limits:         streamLimits(s.cfg, l.MaxStanzaBytes),
		SendQueueBytes: l.SendQueueBytes,
		ReadTimeout:    l.PreauthTimeout,
		WriteTimeout:   l.WriteTimeout,
		CORSOrigins:    b.CORSOrigins,
	}, s.log.Named("bosh"))
}

// sweep forgets old login failures and idle client addresses now and
// then, until shutdown.
func (s *Server) sweep(ctx context.Context) {
	defer s.wg.Done()
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			s.authLimits.Sweep()
			if tracked, refused := s.connLimits.Sweep(); refused > 0 {
				s.log.Warn("connections from new addresses refused: every remembered address has a connection open; raise limits.max_tracked_addresses if they are genuine clients",
					"refused", refused, "tracked", tracked)
			}
		case <-ctx.Done():
			return
		case <-s.stopping:
			return
		}
	}
}

// WebSocketAddr is the address of the WebSocket listener, or nil.
func (s *Server) WebSocketAddr() net.Addr { return s.webAddr }

func (s *Server) startPprof() error {
	if s.cfg.Debug.Pprof == "" {
		return nil
	}
	ln, err := net.Listen("tcp", s.cfg.Debug.Pprof)
	if err != nil {
		return fmt.Errorf("listening for pprof on %s: %w", s.cfg.Debug.Pprof, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	s.pprof = &http.Server{Handler: mux}
	s.log.Warn("pprof enabled; do not expose it publicly", "addr", ln.Addr().String())
	go s.pprof.Serve(ln)
	return nil
}

// Addrs returns the bound listener addresses, in config order (STARTTLS,
// direct TLS), skipping disabled ones.
func (s *Server) Addrs() []net.Addr {
	addrs := make([]net.Addr, len(s.listeners))
	for i, l := range s.listeners {
		addrs[i] = l.Addr()
	}
	return addrs
}

// Errors reports a listener that stopped on its own.
func (s *Server) Errors() <-chan error { return s.serveErr }

// Reload applies what can change without a restart: the TLS certificate
// and the plugins (started, stopped or reconfigured). Sessions stay.
func (s *Server) Reload(ctx context.Context, cfg *config.Config) error {
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	if err := s.certs.Reload(); err != nil {
		return fmt.Errorf("reloading TLS certificate: %w", err)
	}
	specs, err := PluginSpecs(s.withOverrides(cfg), s.opts.Builtins, s.opts.OptIn)
	if err != nil {
		return err
	}
	if err := s.plugins.Reload(ctx, specs); err != nil {
		return err
	}
	var restart []string
	for _, key := range config.Changed(s.cfg, cfg) {
		if !config.LiveKey(key) {
			restart = append(restart, key)
		}
	}
	// Loggers named from this one share its level: the core's components
	// and the plugins' lines, which the core filters.
	s.log.SetLevel(hclog.LevelFromString(cfg.Log.Level))
	s.cfg.Log.Level, s.cfg.Plugins, s.cfg.Admin.Token = cfg.Log.Level, cfg.Plugins, cfg.Admin.Token
	if s.adminAPI != nil {
		s.adminAPI.SetAccess(cfg.Admin.Token, s.adminAccounts(cfg))
	}
	if len(restart) > 0 {
		s.log.Warn("configuration reloaded, but these changed keys take effect only after a restart", "keys", strings.Join(restart, ", "))
	}
	s.log.Info("configuration reloaded", "plugins", len(specs), "log_level", cfg.Log.Level)
	return nil
}

// Plugins exposes the plugin host, for tests and administration.
func (s *Server) Plugins() *pluginhost.Host { return s.plugins }

func (s *Server) closeListeners() {
	for _, l := range s.listeners {
		l.Close()
	}
}

// Shutdown stops accepting, sends every client system-shutdown, waits for
// the streams to close (at most until ctx ends), and closes storage. Later
// calls return the first call's result.
func (s *Server) Shutdown(ctx context.Context) error {
	s.stopOnce.Do(func() { s.stopErr = s.shutdown(ctx) })
	return s.stopErr
}

func (s *Server) shutdown(ctx context.Context) error {
	close(s.stopping)
	s.closeListeners()
	s.wg.Wait()
	s.gate.Close()
	if s.pprof != nil {
		s.pprof.Close()
	}
	if s.metricsWeb != nil {
		s.metricsWeb.Close()
	}
	if s.adminWeb != nil {
		s.adminWeb.Close()
	}
	n := s.c2s.Len()
	s.c2s.Shutdown(ctx)
	if s.web != nil {
		// After the streams, and letting responses being written finish:
		// the held requests of BOSH sessions carry their system-shutdown.
		// WebSocket streams ended with the c2s shutdown; the listener is
		// closed, so nothing new arrives meanwhile.
		if err := s.web.Shutdown(ctx); err != nil {
			s.web.Close()
		}
	}
	if s.components != nil {
		s.components.Shutdown(ctx)
	}
	if s.federation != nil {
		s.federation.Shutdown(ctx)
	}
	if s.cluster != nil {
		// After the sessions, whose ends removed their registry keys.
		s.cluster.Close()
	}
	s.plugins.Stop()
	s.log.Info("server stopped", "connections_closed", n)
	if err := s.store.Close(); err != nil {
		return fmt.Errorf("closing storage: %w", err)
	}
	return nil
}

// Accounts exposes account administration, for tests and the CLI.
func (s *Server) Accounts() *accounts.Service { return s.accounts }

// Sessions exposes the session table, for tests and administration.
func (s *Server) Sessions() *session.Table { return s.sessions }
