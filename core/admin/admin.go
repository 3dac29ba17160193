// Package admin serves the administration API and its web page: accounts,
// sessions, announcements, plugins, status and reload, as JSON over HTTP
// for the admins and the bearer of the admin token. What it administers
// is the Backend's; the server provides one.
package admin

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
)

// Config is what the API needs from the server's configuration.
type Config struct {
	// Domain is the primary hosted domain: a bare username is its
	// account's. Domains are all of them (Domain alone when empty).
	Domain  string
	Domains []string
	// Token lets its bearer in; "" lets in only Admins.
	Token string
	// Admins are the accounts, by prepared bare JID, that may use the API
	// with their passwords.
	Admins       []string
	MaxBodyBytes int64
	// Timeout bounds each request, from its first byte to its answer.
	Timeout time.Duration
}

// Backend is the running server, as the API administers it. Usernames are
// prepared localparts of a hosted domain.
type Backend interface {
	// Users lists the usernames of Config.Domain.
	Users(ctx context.Context) ([]string, error)
	// CreateUser, DeleteUser and SetPassword report a username taken or
	// unknown with errors matching storage.ErrExists and
	// storage.ErrNotFound.
	CreateUser(ctx context.Context, domain, username, password string) error
	DeleteUser(ctx context.Context, domain, username string) error
	SetPassword(ctx context.Context, domain, username, password string) error
	// CheckPassword reports whether password is the account's.
	CheckPassword(ctx context.Context, domain, username, password string) (bool, error)
	Sessions() []Session
	// Kick ends the session of a full JID, or every session of a bare
	// one, and returns how many it ended.
	Kick(jid string) int
	// Broadcast sends a message from the server to every online session
	// and returns how many took it.
	Broadcast(message string) int
	Plugins() []Plugin
	// SetPluginEnabled runs or stops a plugin as a changed config and a
	// reload would; known is false for a name the server does not know.
	SetPluginEnabled(ctx context.Context, name string, enabled bool) (known bool, err error)
	Status(ctx context.Context) (Status, error)
	// Reload reads the configuration again and applies it, as SIGHUP does.
	Reload(ctx context.Context) error
}

// Session is one bound client session.
type Session struct {
	JID      string    `json:"jid"`
	Account  string    `json:"account"`
	Resource string    `json:"resource"`
	Address  string    `json:"address"`
	Since    time.Time `json:"since"`
	Secure   bool      `json:"secure"`
	// Node is the cluster node that holds the session, when another one
	// does; its address is that node's to know.
	Node string `json:"node,omitempty"`
}

// Plugin is one plugin the server knows: built in or configured.
type Plugin struct {
	Name    string `json:"name"`
	Path    string `json:"path,omitempty"` // "" for a built-in
	Enabled bool   `json:"enabled"`
	// Override is set when the API enabled or disabled the plugin against
	// the config file.
	Override *bool  `json:"override,omitempty"`
	State    string `json:"state"` // the host's, or "disabled"
	PID      int    `json:"pid,omitempty"`
	Restarts int    `json:"restarts"`
	InFlight int    `json:"in_flight"`
}

// Status describes the running server.
type Status struct {
	Version        string    `json:"version"`
	Domain         string    `json:"domain"`
	Started        time.Time `json:"started"`
	UptimeSeconds  float64   `json:"uptime_seconds"`
	Sessions       int       `json:"sessions"`
	Connections    int       `json:"connections"`
	Accounts       int       `json:"accounts"`
	Plugins        int       `json:"plugins"`
	PluginsRunning int       `json:"plugins_running"`
}

// Handler serves the API under /api/ and the web page at /.
type Handler struct {
	cfg Config
	b   Backend
	log hclog.Logger

	mu     sync.RWMutex // guards token and admins, which a reload changes
	token  string
	admins map[string]bool
	// passwordGate lets one password test run at a time: each costs a
	// key derivation, and guessing must not get cheaper in parallel.
	passwordGate chan struct{}
	mux          *http.ServeMux
}

// New returns the handler of the admin listener.
func New(cfg Config, b Backend, log hclog.Logger) *Handler {
	h := &Handler{cfg: cfg, b: b, log: log, passwordGate: make(chan struct{}, 1), mux: http.NewServeMux()}
	h.SetAccess(cfg.Token, cfg.Admins)
	h.routes()
	return h
}

// SetAccess replaces who may use the API, for a reloaded configuration.
func (h *Handler) SetAccess(token string, admins []string) {
	set := make(map[string]bool, len(admins))
	for _, a := range admins {
		set[a] = true
	}
	h.mu.Lock()
	h.token, h.admins = token, set
	h.mu.Unlock()
}

func (h *Handler) access() (token string, admins map[string]bool) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return h.token, h.admins
}

// Server wraps h in an HTTP server whose every phase is bounded by the
// request timeout.
func Server(h *Handler, idle time.Duration) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: h.cfg.Timeout,
		ReadTimeout:       h.cfg.Timeout,
		// The handler's own deadline comes first, so its error answer
		// still has time to be written.
		WriteTimeout:   h.cfg.Timeout + 5*time.Second,
		IdleTimeout:    idle,
		MaxHeaderBytes: 16 << 10,
	}
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Cache-Control", "no-store")
	hd.Set("Referrer-Policy", "no-referrer")
	ctx, cancel := context.WithTimeout(r.Context(), h.cfg.Timeout)
	defer cancel()
	h.mux.ServeHTTP(w, r.WithContext(ctx))
}
