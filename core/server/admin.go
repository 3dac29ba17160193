package server

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/http"
	"slices"
	"time"

	"github.com/switchboard-xmpp/switchboard/core/admin"
	"github.com/switchboard-xmpp/switchboard/core/config"
	"github.com/switchboard-xmpp/switchboard/core/jidprep"
	"github.com/switchboard-xmpp/switchboard/core/stream"
)

// startAdmin serves the admin API and its page on listen.admin.
func (s *Server) startAdmin() error {
	if s.cfg.Listen.Admin == "" {
		return nil
	}
	ln, err := net.Listen("tcp", s.cfg.Listen.Admin)
	if err != nil {
		return fmt.Errorf("listening for the admin API on %s: %w", s.cfg.Listen.Admin, err)
	}
	s.adminAPI = admin.New(admin.Config{
		Domain:       s.cfg.Domain,
		Domains:      s.cfg.Hosted(),
		Token:        s.cfg.Admin.Token,
		Admins:       s.adminAccounts(s.cfg),
		MaxBodyBytes: int64(s.cfg.Admin.MaxBodyBytes),
		Timeout:      s.cfg.Admin.RequestTimeout,
	}, adminBackend{s}, s.log.Named("admin"))
	s.adminWeb = admin.Server(s.adminAPI, s.cfg.Limits.HTTPIdleTimeout)
	s.adminAddr = ln.Addr()
	if ip := net.ParseIP(hostOf(ln.Addr())); ip == nil || !ip.IsLoopback() {
		s.log.Warn("the admin API listens beyond loopback over plain HTTP: passwords and the token cross the network in clear", "addr", ln.Addr().String())
	}
	s.log.Info("serving the admin API", "url", "http://"+ln.Addr().String()+"/")
	go func() {
		if err := s.adminWeb.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.serveErr <- fmt.Errorf("serving the admin API on %s: %w", ln.Addr(), err)
		}
	}()
	return nil
}

func hostOf(a net.Addr) string {
	host, _, _ := net.SplitHostPort(a.String())
	return host
}

// adminAccounts prepares the admin accounts listed in cfg; an entry that
// is not an account of the domain lets nobody in, and is logged.
func (s *Server) adminAccounts(cfg *config.Config) []string {
	var out []string
	for _, a := range cfg.AdminAccounts() {
		j, err := jidprep.Parse(a)
		if err != nil || j.Local == "" || !j.IsBare() || !slices.Contains(cfg.Hosted(), j.Domain) {
			s.log.Warn("plugins.adhoc.config.admins: not an account of a hosted domain; it may not use the admin API", "entry", a, "domains", cfg.Hosted())
			continue
		}
		out = append(out, j.String())
	}
	return out
}

// AdminAddr is the address of the admin listener, or nil.
func (s *Server) AdminAddr() net.Addr { return s.adminAddr }

// withOverrides is cfg with the plugins the admin API enabled or disabled
// set so: what the reload applies on top of the file.
func (s *Server) withOverrides(cfg *config.Config) *config.Config {
	s.overridesMu.Lock()
	defer s.overridesMu.Unlock()
	if len(s.overrides) == 0 {
		return cfg
	}
	c := *cfg
	c.Plugins = maps.Clone(cfg.Plugins)
	if c.Plugins == nil {
		c.Plugins = map[string]config.Plugin{}
	}
	for name, on := range s.overrides {
		p := c.Plugins[name]
		p.Enabled = &on
		c.Plugins[name] = p
	}
	return &c
}

// adminBackend is the server as the admin API administers it.
type adminBackend struct{ s *Server }

func (b adminBackend) Users(ctx context.Context) ([]string, error) {
	return b.s.accounts.List(ctx, b.s.cfg.Domain)
}

func (b adminBackend) CreateUser(ctx context.Context, domain, username, password string) error {
	if err := b.s.accounts.Create(ctx, domain, username, password); err != nil {
		return err
	}
	bare := username + "@" + domain
	b.s.log.Info("account created through the admin API", "jid", bare)
	b.s.plugins.AccountCreated(bare)
	return nil
}

func (b adminBackend) DeleteUser(ctx context.Context, domain, username string) error {
	if err := b.s.accounts.Delete(ctx, domain, username); err != nil {
		return err
	}
	bare := username + "@" + domain
	b.s.log.Info("account deleted through the admin API", "jid", bare)
	// As for an in-band cancel (XEP-0077): the plugins remove what they
	// keep of the account beyond its own rows.
	b.s.plugins.AccountDeleted(bare)
	b.s.kick(bare, stream.NewError("not-authorized", "the account was deleted"))
	return nil
}

func (b adminBackend) SetPassword(ctx context.Context, domain, username, password string) error {
	return b.s.accounts.SetPassword(ctx, domain, username, password)
}

func (b adminBackend) CheckPassword(ctx context.Context, domain, username, password string) (bool, error) {
	return b.s.accounts.VerifyPlain(ctx, domain, username, password)
}

func (b adminBackend) Sessions() []admin.Session {
	all := b.s.sessions.All()
	out := make([]admin.Session, len(all))
	for i, ss := range all {
		out[i] = admin.Session{JID: ss.Full, Account: ss.Bare, Resource: ss.JID.Resource, Address: ss.Remote(), Since: ss.Since.UTC(), Secure: ss.Secure.Load(), Node: ss.Node}
	}
	return out
}

func (b adminBackend) Kick(jid string) int {
	j, err := jidprep.Parse(jid)
	if err != nil {
		return 0
	}
	n := 0
	for _, ss := range b.s.sessions.Resources(j.Bare()) {
		if j.Resource == "" || ss.JID.Resource == j.Resource {
			ss.Sink.Close(stream.NewError("policy-violation", "the session was ended by an administrator"))
			n++
		}
	}
	return n
}

// Broadcast sends a headline message from the server's domain, as
// announcements are (XEP-0133 §4.23 leaves the type open; a headline is
// not stored offline or archived by clients as a conversation).
func (b adminBackend) Broadcast(message string) int {
	id := fmt.Sprintf("announce-%d", time.Now().UnixNano())
	n := 0
	for _, ss := range b.s.sessions.All() {
		m := append([]byte(nil), "<message type='headline' from='"...)
		m = stream.AppendEscapedAttr(m, b.s.cfg.Domain)
		m = append(m, "' to='"...)
		m = stream.AppendEscapedAttr(m, ss.Full)
		m = append(m, "' id='"+id+"'><body>"...)
		m = stream.AppendEscapedText(m, message)
		m = append(m, "</body></message>"...)
		if ss.Sink.Deliver(m) {
			n++
		}
	}
	return n
}

func (b adminBackend) Plugins() []admin.Plugin {
	return b.s.pluginList()
}

// pluginList is every plugin the server knows, running or not.
func (s *Server) pluginList() []admin.Plugin {
	s.reloadMu.Lock()
	file := config.Config{Plugins: s.cfg.Plugins}
	s.reloadMu.Unlock()
	cfg := s.withOverrides(&file)
	names := slices.Clone(s.opts.Builtins)
	for name, p := range cfg.Plugins {
		if p.Path != "" && !slices.Contains(names, name) {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	running := map[string]admin.Plugin{}
	for _, st := range s.plugins.Status() {
		running[st.Name] = admin.Plugin{State: st.State, PID: st.PID, Restarts: st.Restarts, InFlight: st.InFlight}
	}
	s.overridesMu.Lock()
	defer s.overridesMu.Unlock()
	out := make([]admin.Plugin, 0, len(names))
	for _, name := range names {
		p := cfg.Plugins[name]
		ap, ok := running[name]
		if !ok {
			ap.State = "disabled"
		}
		ap.Name, ap.Path = name, p.Path
		ap.Enabled = p.Enabled == nil || *p.Enabled
		if on, ok := s.overrides[name]; ok {
			ap.Override = &on
		}
		out = append(out, ap)
	}
	return out
}

// SetPluginEnabled records the choice as an override of the config file
// and reloads the plugins with it: what editing the file and SIGHUP would
// do. The override lasts until the server stops.
func (b adminBackend) SetPluginEnabled(ctx context.Context, name string, enabled bool) (bool, error) {
	s := b.s
	if !slices.ContainsFunc(s.pluginList(), func(p admin.Plugin) bool { return p.Name == name }) {
		return false, nil
	}
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	s.overridesMu.Lock()
	before, had := s.overrides[name]
	s.overrides[name] = enabled
	s.overridesMu.Unlock()
	specs, err := PluginSpecs(s.withOverrides(s.cfg), s.opts.Builtins, s.opts.OptIn)
	if err == nil {
		// Half a reload is worse than a late answer: it runs to its end
		// even if the client stops waiting.
		err = s.plugins.Reload(context.WithoutCancel(ctx), specs)
	}
	if err != nil {
		s.overridesMu.Lock()
		if had {
			s.overrides[name] = before
		} else {
			delete(s.overrides, name)
		}
		s.overridesMu.Unlock()
		return true, err
	}
	s.log.Info("plugin override set through the admin API; it lasts until the server stops", "plugin", name, "enabled", enabled)
	return true, nil
}

func (b adminBackend) Status(ctx context.Context) (admin.Status, error) {
	s := b.s
	users, err := s.accounts.List(ctx, s.cfg.Domain)
	if err != nil {
		return admin.Status{}, fmt.Errorf("counting accounts: %w", err)
	}
	st := admin.Status{
		Version:       s.opts.Version,
		Domain:        s.cfg.Domain,
		Started:       s.started.UTC(),
		UptimeSeconds: time.Since(s.started).Seconds(),
		Sessions:      s.sessions.Len(),
		Connections:   s.c2s.Len(),
		Accounts:      len(users),
	}
	for _, p := range s.plugins.Status() {
		st.Plugins++
		if p.State == "running" {
			st.PluginsRunning++
		}
	}
	return st, nil
}

func (b adminBackend) Reload(ctx context.Context) error {
	if b.s.opts.LoadConfig == nil {
		return errors.New("this server has no configuration to read again")
	}
	next, err := b.s.opts.LoadConfig()
	if err != nil {
		return fmt.Errorf("reading the configuration: %w", err)
	}
	// As above: once begun, the reload finishes.
	return b.s.Reload(context.WithoutCancel(ctx), next)
}
