// Package config loads and checks the server's configuration.
//
// Values come in layers, each overriding the one before: built-in defaults
// (Default), the YAML file, SWITCHBOARD_… environment variables, and the
// command-line flags that were set. The Go types below are the single source
// of truth for which keys exist: unknown keys, the environment table, the
// documentation test and the suggestions for typos are all derived from them.
package config

import "time"

// Config is the whole server configuration. docs/config.md documents every key.
type Config struct {
	Domain string `koanf:"domain"` // the XMPP domain this server hosts; with Domains, the first of them
	// Domains are the domains this server hosts (virtual hosts), each with
	// its own accounts; empty means Domain alone. See Hosted.
	Domains []string          `koanf:"domains"`
	DataDir string            `koanf:"data_dir"` // where the database and generated certificates live
	Listen  Listen            `koanf:"listen"`
	BOSH    BOSH              `koanf:"bosh"`
	TLS     TLS               `koanf:"tls"`
	Storage Storage           `koanf:"storage"`
	Auth    Auth              `koanf:"auth"`
	Limits  Limits            `koanf:"limits"`
	Memory  Memory            `koanf:"memory"`
	Log     Log               `koanf:"log"`
	Debug   Debug             `koanf:"debug"`
	Admin   Admin             `koanf:"admin"`
	Plugins map[string]Plugin `koanf:"plugins"` // by plugin name
	// Components are the external components (XEP-0114) that may connect
	// to listen.component, each by a name of the operator's choosing.
	Components map[string]Component `koanf:"components"`
	S2S        S2S                  `koanf:"s2s"`
	Cluster    Cluster              `koanf:"cluster"`
}

// Hosted returns the domains this server hosts, the primary one (Domain)
// first.
func (c *Config) Hosted() []string {
	out := []string{c.Domain}
	for _, d := range c.Domains {
		if d != c.Domain {
			out = append(out, d)
		}
	}
	return out
}

// Component is an external component (XEP-0114): a program that connects
// to listen.component, authenticates with the shared secret and then owns
// Domain as a service plugin would.
type Component struct {
	Domain string `koanf:"domain"` // the domain it owns, say gateway.example.org
	Secret string `koanf:"secret"` // the shared secret of its handshake
}

// Listen holds the client listener addresses; "" turns a listener off.
type Listen struct {
	C2S       string `koanf:"c2s"`       // STARTTLS (RFC 6120)
	C2STLS    string `koanf:"c2s_tls"`   // direct TLS (XEP-0368)
	WebSocket string `koanf:"websocket"` // XMPP over WebSocket (RFC 7395) on HTTPS, with host-meta (XEP-0156)
	// WebSocketURL is the endpoint host-meta advertises, for a server
	// behind a proxy or port forward; "" -> wss://<domain>:<port the
	// client reached>/xmpp-websocket.
	WebSocketURL string `koanf:"websocket_url"`
	// Component is where external components (XEP-0114) connect; "" (the
	// default) is off.
	Component string `koanf:"component"`
	// Metrics serves Prometheus metrics over plain HTTP at /metrics; ""
	// (the default) is off.
	Metrics string `koanf:"metrics"`
	// Admin serves the administration API and its web page over plain
	// HTTP; "" (the default) is off.
	Admin string `koanf:"admin"`
	// S2S is where other servers connect (RFC 6120 server-to-server,
	// 5269 by convention); "" (the default) turns federation off, both
	// directions.
	S2S string `koanf:"s2s"`
	// S2STLS is where other servers connect with TLS from the start
	// (XEP-0368, announced by _xmpps-server SRV records); "" (the
	// default) is off. Either S2S or S2STLS turns federation on.
	S2STLS string `koanf:"s2s_tls"`
}

// Federates reports whether federation is on: a server-to-server
// listener is configured.
func (c *Config) Federates() bool { return c.Listen.S2S != "" || c.Listen.S2STLS != "" }

// Address is a listener's configured address with its key.
type Address struct{ Key, Addr string }

// Listeners are the addresses the server listens on, those that are on,
// each with its key: what Validate checks the form of and `config check`
// tries to bind.
func (c *Config) Listeners() []Address {
	var out []Address
	for _, a := range []Address{
		{"listen.c2s", c.Listen.C2S},
		{"listen.c2s_tls", c.Listen.C2STLS},
		{"listen.websocket", c.Listen.WebSocket},
		{"listen.component", c.Listen.Component},
		{"listen.metrics", c.Listen.Metrics},
		{"listen.admin", c.Listen.Admin},
		{"listen.s2s", c.Listen.S2S},
		{"listen.s2s_tls", c.Listen.S2STLS},
		{"debug.pprof", c.Debug.Pprof},
	} {
		if a.Addr != "" {
			out = append(out, a)
		}
	}
	return out
}

// BOSH configures XMPP over BOSH (XEP-0124, XEP-0206), served on the
// listen.websocket listener beside WebSocket.
type BOSH struct {
	Path string `koanf:"path"` // where it is served; "" turns BOSH off
	// URL is the endpoint host-meta advertises; "" -> https://<domain>:<port
	// the client reached><path>.
	URL         string   `koanf:"url"`
	CORSOrigins []string `koanf:"cors_origins"` // web origins whose pages may use it; "*" for any
	// MaxWait is the longest a request is held for want of data; a client
	// may ask for less.
	MaxWait     time.Duration `koanf:"max_wait"`
	MaxRequests int           `koanf:"max_requests"` // requests a session may have open at once; it holds one less
	Polling     time.Duration `koanf:"polling"`      // shortest interval between the empty requests of a session that holds none
	Inactivity  time.Duration `koanf:"inactivity"`   // a session with no request open this long ends
	MaxPause    time.Duration `koanf:"max_pause"`    // longest pause a client may ask for; 0 allows none
	// MaxBodyBytes bounds one request's content.
	MaxBodyBytes int `koanf:"max_body_bytes"`
}

// S2S configures federation with other servers; it applies once
// listen.s2s is set.
type S2S struct {
	TLSRequired bool `koanf:"tls_required"` // STARTTLS must succeed both ways before anything else
	// Dialback allows Server Dialback (XEP-0220) for a peer whose
	// certificate does not prove its domain; off, only SASL EXTERNAL
	// with a valid certificate authenticates a peer.
	Dialback bool `koanf:"dialback"`
	// Bidi offers and asks for bidirectional streams (XEP-0288): one TCP
	// connection carries stanzas both ways between two servers.
	Bidi bool `koanf:"bidi"`
	// Allow, when not empty, names the only remote domains this server
	// federates with; Deny those it never does. Entries: "example.org"
	// or "*.example.org" (its subdomains).
	Allow  []string `koanf:"allow"`
	Deny   []string `koanf:"deny"`
	CAFile string   `koanf:"ca_file"` // PEM roots peers' certificates must chain to; "" -> the system's
	// Hosts overrides DNS: "domain=host:port" entries, for tests and
	// private networks.
	Hosts          []string      `koanf:"hosts"`
	ConnectTimeout time.Duration `koanf:"connect_timeout"` // to connect, secure and authenticate an outbound stream
	IdleTimeout    time.Duration `koanf:"idle_timeout"`    // a stream with no traffic this long is closed
	Queue          int           `koanf:"queue"`           // stanzas waiting for one remote domain's stream
	// RetryMin and RetryMax: a domain that could not be reached is not
	// tried again for RetryMin, doubling with each failure in a row up
	// to RetryMax; 0 retries at once.
	RetryMin   time.Duration `koanf:"retry_min"`
	RetryMax   time.Duration `koanf:"retry_max"`
	MaxInbound int           `koanf:"max_inbound"` // inbound streams held at once
	// MaxStreamsPerDomain bounds the inbound streams authenticated for
	// one remote domain; 0 does not.
	MaxStreamsPerDomain int `koanf:"max_streams_per_domain"`
	// RateBytesPerSecond and RateBurstBytes shape what one inbound stream
	// may send; 0 does not shape.
	RateBytesPerSecond int `koanf:"rate_bytes_per_second"`
	RateBurstBytes     int `koanf:"rate_burst_bytes"`
}

// Cluster joins the server to others as one server over NATS
// (docs/ARCHITECTURE.md, Cluster). It is on when NATSURL or EmbeddedNATS
// is set; then storage must be postgres, shared by every node.
type Cluster struct {
	// NATSURL is the NATS server (or cluster, comma-separated URLs) the
	// nodes meet on; "" with EmbeddedNATS set -> the embedded one.
	NATSURL string `koanf:"nats_url"`
	// EmbeddedNATS runs a NATS server with JetStream in this process,
	// listening on this host:port, for tests and demos; "" is off.
	EmbeddedNATS string `koanf:"embedded_nats"`
	// Node names this node in the cluster; "" -> the host name.
	Node string `koanf:"node"`
	// Name prefixes the cluster's NATS subjects and buckets, so that
	// several clusters can share one NATS.
	Name     string        `koanf:"name"`
	Liveness time.Duration `koanf:"liveness"` // a node not heard from this long is dead
	// AckTimeout is how long a node waits for another to acknowledge a
	// batch of stanzas before storing its messages offline and answering
	// its requests with errors.
	AckTimeout time.Duration `koanf:"ack_timeout"`
	Batch      int           `koanf:"batch"` // stanzas sent to a node in one NATS request at most
	Queue      int           `koanf:"queue"` // stanzas waiting for one node; past it a stanza is not taken
}

// Enabled reports whether the server runs as a node of a cluster.
func (c Cluster) Enabled() bool { return c.NATSURL != "" || c.EmbeddedNATS != "" }

// TLS configures the server certificate.
type TLS struct {
	CertFile string `koanf:"cert_file"` // "" -> a self-signed certificate under data_dir/tls
	KeyFile  string `koanf:"key_file"`
	// Certificates are more certificates, each a PEM file holding the
	// chain and its key; each hosted domain is served the first
	// certificate (cert_file, then these) that names it.
	Certificates []string `koanf:"certificates"`
	Required     bool     `koanf:"required"` // STARTTLS must succeed before SASL is offered
}

// Storage selects the database.
type Storage struct {
	Driver string `koanf:"driver"` // sqlite or postgres
	// DSN is the SQLite file, or PostgreSQL's libpq URL or keyword/value
	// string. "" -> <data_dir>/switchboard.db for sqlite, the PG*
	// environment variables for postgres; see StorageDSN.
	DSN string `koanf:"dsn"`
	// MaxSize caps the database in bytes (0: no cap, only the disk's
	// size). Writes past it fail as a full disk does: the stanza at hand
	// gets resource-constraint. SQLite only.
	MaxSize int `koanf:"max_size"`
	// PoolSize is the most connections to PostgreSQL the server holds.
	PoolSize int `koanf:"pool_size"`
	// StatementTimeout makes PostgreSQL cancel a statement that runs
	// longer (0: the server's own setting).
	StatementTimeout time.Duration `koanf:"statement_timeout"`
}

// Auth configures SASL.
type Auth struct {
	Mechanisms      []string `koanf:"mechanisms"`       // offered in this order; ANONYMOUS is controlled by Anonymous
	Anonymous       bool     `koanf:"anonymous"`        // offer SASL ANONYMOUS
	MaxFailures     int      `koanf:"max_failures"`     // failed attempts before the stream is closed
	SCRAMIterations int      `koanf:"scram_iterations"` // for credentials stored from now on
	// Failed logins: each failure makes the next answer wait longer, from
	// FailureDelay doubling up to FailureDelayMax; BanFailures failures from
	// one address within BanWindow ban it for BanTime (0 never bans).
	FailureDelay    time.Duration `koanf:"failure_delay"`
	FailureDelayMax time.Duration `koanf:"failure_delay_max"`
	BanFailures     int           `koanf:"ban_failures"`
	BanWindow       time.Duration `koanf:"ban_window"`
	BanTime         time.Duration `koanf:"ban_time"`
	// Per account, from any address: one password test at a time, and
	// after each failure (within BanWindow) the next test waits, from
	// FailureDelay doubling up to AccountDelayMax, where the account is
	// locked (logged; `switchboard user unlock` clears it). Logins from
	// the KnownNetworks networks an account last logged in from, within
	// KnownNetworkTTL, do not wait.
	AccountDelayMax time.Duration `koanf:"account_delay_max"`
	KnownNetworks   int           `koanf:"known_networks"`
	KnownNetworkTTL time.Duration `koanf:"known_network_ttl"`
	// XEP-0484 FAST: tokens a client gets with SASL2 to log in again in
	// one round trip. A token lives FASTTokenTTL; an account holds tokens
	// for at most FASTTokensPerAccount user agents.
	FAST                 bool          `koanf:"fast"`
	FASTTokenTTL         time.Duration `koanf:"fast_token_ttl"`
	FASTTokensPerAccount int           `koanf:"fast_tokens_per_account"`
}

// Limits protect the server from clients that misbehave or never finish.
type Limits struct {
	MaxStanzaBytes        int           `koanf:"max_stanza_bytes"`
	MaxStanzaBytesPreauth int           `koanf:"max_stanza_bytes_preauth"`
	MaxDepth              int           `koanf:"max_depth"`
	MaxAttrs              int           `koanf:"max_attrs"`
	PreauthTimeout        time.Duration `koanf:"preauth_timeout"`
	IdleTimeout           time.Duration `koanf:"idle_timeout"` // 0 disables
	TLSHandshakeTimeout   time.Duration `koanf:"tls_handshake_timeout"`
	HTTPIdleTimeout       time.Duration `koanf:"http_idle_timeout"`
	MaxResources          int           `koanf:"max_resources"`    // sessions per account
	SendQueueBytes        int           `koanf:"send_queue_bytes"` // queued for a client that does not read
	ComponentQueue        int           `koanf:"component_queue"`  // stanzas queued for an external component that does not read
	ShutdownGrace         time.Duration `koanf:"shutdown_grace"`
	WriteTimeout          time.Duration `koanf:"write_timeout"`         // a client that accepts no data for this long is dropped
	PluginTimeout         time.Duration `koanf:"plugin_timeout"`        // a plugin call that takes longer fails with an error stanza
	ArchiveQueue          int           `koanf:"archive_queue"`         // messages queued for the archive (an observer plugin)
	ArchiveWait           time.Duration `koanf:"archive_wait"`          // how long a sender waits for room in a full archive queue; 0 drops at once
	ResumeTimeout         time.Duration `koanf:"resume_timeout"`        // how long a broken session waits to be resumed (XEP-0198); 0 disables
	MaxUnacked            int           `koanf:"max_unacked"`           // stanzas kept for a client that does not acknowledge them
	MaxInFlight           int           `koanf:"max_in_flight"`         // stanzas of one session waiting for a plugin or behind one; past it IQ requests get resource-constraint
	ConnectionsPerIP      int           `koanf:"connections_per_ip"`    // open connections from one address; 0 no limit
	ConnectRatePerIP      int           `koanf:"connect_rate_per_ip"`   // new connections per second from one address (burst twice that); 0 no limit
	MaxTrackedAddresses   int           `koanf:"max_tracked_addresses"` // addresses the per-address limits remember at once; 0 no bound
	RateBytesPerSecond    int           `koanf:"rate_bytes_per_second"` // what one stream may send, shaped; 0 no limit
	RateBurstBytes        int           `koanf:"rate_burst_bytes"`      // bytes a stream may send at once above the rate
	TrustedNetworks       []string      `koanf:"trusted_networks"`      // CIDRs exempt from the per-address limits and bans
	// Open files: every client connection holds a file descriptor.
	MaxConnections int `koanf:"max_connections"` // client connections held at once, every listener together; 0: as many as the open-file limit allows
	MaxOpenFiles   int `koanf:"max_open_files"`  // the open-file limit set at start; 0 raises the soft limit to the hard one
	ReservedFiles  int `koanf:"reserved_files"`  // descriptors clients never get: storage, plugins, listeners
}

// Memory tunes how the core and its plugin processes hold on to memory.
type Memory struct {
	// ReleaseAfter: once a process has been quiet this long (no garbage
	// collection, little allocated), its free heap goes back to the
	// operating system instead of waiting for the next collection; 0
	// leaves it to Go.
	ReleaseAfter time.Duration `koanf:"release_after"`
	// StopIdlePlugins: a plugin that declares itself on demand and has had
	// no stanza, call or event for this long is stopped, and started again
	// by the next one; 0 keeps every plugin process running.
	StopIdlePlugins time.Duration `koanf:"stop_idle_plugins"`
}

// Log configures the root logger.
type Log struct {
	Level  string `koanf:"level"`  // trace|debug|info|warn|error
	Format string `koanf:"format"` // text|json
	// File, when set, receives the log too, beside standard error; the
	// server reopens it on SIGUSR1 and SIGHUP (after logrotate moved it).
	File string `koanf:"file"`
}

// Admin configures the administration API at listen.admin. Those who may
// use it: the bearer of Token, and the accounts listed in
// plugins.adhoc.config.admins (the same who may run the XEP-0133
// commands), with their passwords.
type Admin struct {
	Token          string        `koanf:"token"`           // "" lets only the admin accounts in
	MaxBodyBytes   int           `koanf:"max_body_bytes"`  // the largest request body accepted
	RequestTimeout time.Duration `koanf:"request_timeout"` // to read a request and answer it
}

// MinAdminTokenBytes is the shortest admin.token accepted: a token is all
// its bearer needs, so it must not be guessable.
const MinAdminTokenBytes = 16

// Debug holds diagnostics that are off by default.
type Debug struct {
	Pprof string `koanf:"pprof"` // address serving net/http/pprof; "" is off
}

// Plugin is one entry under plugins: a built-in named by its key, or a
// third-party executable named by Path.
type Plugin struct {
	Enabled *bool  `koanf:"enabled"` // nil: the default (built-ins and listed plugins run)
	Path    string `koanf:"path"`    // third-party plugin executable
	SHA256  string `koanf:"sha256"`  // optional pin of the executable, 64 hex digits
	// Grants are the capabilities a third-party plugin may use (see
	// Capabilities); built-in plugins have them all.
	Grants []string `koanf:"grants"`
	// The plugin process's Go runtime: its garbage collector target
	// (GOGC; 0 means DefaultPluginGOGC) and the cores its scheduler uses
	// (GOMAXPROCS; 0 means DefaultPluginMaxProcs).
	GOGC     int `koanf:"gogc"`
	MaxProcs int `koanf:"max_procs"`
	// MaxConcurrent bounds the stanzas the plugin handles at once (0:
	// DefaultPluginMaxConcurrent); more wait their turn in the core.
	MaxConcurrent int `koanf:"max_concurrent"`
	// Domain is the domain a service plugin owns ("" for the one its
	// manifest names under the server's domain: SUBDOMAIN.domain).
	Domain string         `koanf:"domain"`
	Config map[string]any `koanf:"config"` // handed to the plugin's Configure untouched, never validated here
}

// DefaultPluginMaxConcurrent is how many stanzas a plugin handles at once
// unless configured. Past it a client's stanza waits in the core, held
// against its session's max_in_flight: under overload requests queue
// where they cost nothing and each gets the plugin's full timeout,
// instead of all of them starting their clocks inside a plugin that
// cannot keep up and failing together.
const DefaultPluginMaxConcurrent = 64

// DefaultPluginGOGC is the GOGC of plugin processes unless configured. A
// plugin's heap is small, so collecting at 50% growth instead of Go's 100%
// costs little CPU, and it keeps the heap a burst of logins leaves behind
// in every plugin smaller: with 18 plugins, 8 KiB of RSS per idle session
// (docs/PERFORMANCE.md).
const DefaultPluginGOGC = 50

// DefaultPluginMaxProcs is the GOMAXPROCS of plugin processes unless
// configured: a quarter of the cores, at least one. A plugin mostly waits
// on the core; with many plugin processes on few cores, schedulers
// spinning for work on every core cost more than they gain (an IQ round
// trip through a plugin on 2 cores: 323-391 µs with all cores, 254-272 µs
// with one; docs/PERFORMANCE.md).
func DefaultPluginMaxProcs(cores int) int { return max(1, cores/4) }
