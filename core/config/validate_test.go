package config

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestValidate(t *testing.T) {
	off := false
	tests := []struct {
		name   string
		change func(*Config)
		want   []string // empty: valid
	}{
		{"default is valid", func(*Config) {}, nil},
		{"domain invalid", func(c *Config) { c.Domain = "exa mple..com" }, []string{`domain: "exa mple..com" is not a valid JID domainpart`}},
		{"domain empty", func(c *Config) { c.Domain = "" }, []string{`domain: "" is not a valid JID domainpart`}},
		{"domain not canonical", func(c *Config) { c.Domain = "Example.COM" }, []string{`domain: "Example.COM" is not in canonical form, write "example.com"`}},
		{"domain ip", func(c *Config) { c.Domain = "192.0.2.1" }, nil},
		{"data_dir empty", func(c *Config) { c.DataDir = "" }, []string{"data_dir: must not be empty"}},
		{"listen not host:port", func(c *Config) { c.Listen.C2S = "5222" }, []string{`listen.c2s: "5222" is not host:port`}},
		{"listen bad port", func(c *Config) { c.Listen.C2STLS = "127.0.0.1:70000" }, []string{`listen.c2s_tls: "127.0.0.1:70000" has no valid port number`}},
		{"listen one off", func(c *Config) { c.Listen.C2S = "" }, nil},
		{"listen both off", func(c *Config) { c.Listen.C2S, c.Listen.C2STLS = "", "" }, []string{"listen: c2s and c2s_tls are both empty"}},
		{"listen same address", func(c *Config) { c.Listen.C2STLS = c.Listen.C2S }, []string{`listen.c2s_tls: must differ from listen.c2s, both are "127.0.0.1:5222"`}},
		{"listen both on free ports", func(c *Config) { c.Listen.C2S, c.Listen.C2STLS = "127.0.0.1:0", "127.0.0.1:0" }, nil},
		{"admin listener for nobody", func(c *Config) { c.Listen.Admin = "127.0.0.1:0" }, []string{"listen.admin: is set, but nobody could use it"}},
		{"admin listener with a token", func(c *Config) { c.Listen.Admin, c.Admin.Token = "127.0.0.1:0", "0123456789abcdef" }, nil},
		{"admin listener with an admin account", func(c *Config) {
			c.Listen.Admin = "127.0.0.1:0"
			c.Plugins["adhoc"] = Plugin{Config: map[string]any{"admins": []any{"root@localhost"}}}
		}, nil},
		{"admin token short", func(c *Config) { c.Admin.Token = "secret" }, []string{"admin.token: must be at least 16 characters"}},
		{"admin body tiny", func(c *Config) { c.Admin.MaxBodyBytes = 10 }, []string{"admin.max_body_bytes"}},
		{"websocket url", func(c *Config) { c.Listen.WebSocketURL = "wss://chat.example.org/xmpp-websocket" }, nil},
		{"websocket url not websocket", func(c *Config) { c.Listen.WebSocketURL = "https://chat.example.org/ws" }, []string{`listen.websocket_url: "https://chat.example.org/ws" must start with wss://`}},
		{"websocket url without host", func(c *Config) { c.Listen.WebSocketURL = "wss:///xmpp-websocket" }, []string{`listen.websocket_url: "wss:///xmpp-websocket" has no host`}},
		{"s2s allow and deny", func(c *Config) {
			c.S2S.Allow, c.S2S.Deny = []string{"partner.example", "*.partner.example"}, []string{"spam.example"}
		}, nil},
		{"s2s deny not a domain", func(c *Config) { c.S2S.Deny = []string{"Spam.Example", "*.*.x"} }, []string{`s2s.deny: "Spam.Example" is neither a domain in canonical form nor *.domain`, `s2s.deny: "*.*.x" is neither`}},
		{"bosh off", func(c *Config) { c.BOSH.Path = "" }, nil},
		{"bosh path relative", func(c *Config) { c.BOSH.Path = "http-bind" }, []string{`bosh.path: "http-bind" must be an absolute URL path`}},
		{"bosh path taken", func(c *Config) { c.BOSH.Path = "/xmpp-websocket" }, []string{`bosh.path: "/xmpp-websocket" is where the listener serves something else`}},
		{"bosh url", func(c *Config) { c.BOSH.URL = "https://chat.example.org/http-bind" }, nil},
		{"bosh url not https", func(c *Config) { c.BOSH.URL = "wss://chat.example.org/http-bind" }, []string{`bosh.url: "wss://chat.example.org/http-bind" must start with https://`}},
		{"bosh origin", func(c *Config) { c.BOSH.CORSOrigins = []string{"https://chat.example.org", "chat.example.org"} }, []string{`bosh.cors_origins: "chat.example.org" must be "*" or an origin`}},
		{"bosh wait under a second", func(c *Config) { c.BOSH.MaxWait = 500 * time.Millisecond }, []string{"bosh.max_wait: must be at least 1s, got 500ms"}},
		{"bosh no requests", func(c *Config) { c.BOSH.MaxRequests = 0 }, []string{"bosh.max_requests: must be at least 1"}},
		{"bosh body under a stanza", func(c *Config) { c.BOSH.MaxBodyBytes = 4096 }, []string{"bosh.max_body_bytes: must be at least limits.max_stanza_bytes + 1024 (263168), got 4096"}},
		{"tls cert without key", func(c *Config) { c.TLS.CertFile = "/etc/cert.pem" }, []string{"tls: cert_file and key_file must be set together"}},
		{"tls key without cert", func(c *Config) { c.TLS.KeyFile = "/etc/key.pem" }, []string{"tls: cert_file and key_file must be set together"}},
		{"storage driver", func(c *Config) { c.Storage.Driver = "mysql" }, []string{`storage.driver: must be one of sqlite, postgres, got "mysql"`}},
		{"storage postgres", func(c *Config) { c.Storage.Driver, c.Storage.DSN = "postgres", "postgres://db.example.org/xmpp" }, nil},
		{"storage postgres from PG* variables", func(c *Config) { c.Storage.Driver = "postgres" }, nil},
		{"cluster on sqlite", func(c *Config) { c.Cluster.NATSURL = "nats://127.0.0.1:4222" }, []string{"storage.driver: a cluster's nodes share one database"}},
		{"cluster on postgres", func(c *Config) { c.Storage.Driver, c.Cluster.NATSURL = "postgres", "nats://127.0.0.1:4222" }, nil},
		{"cluster node name", func(c *Config) { c.Cluster.Node = "a.b" }, []string{`cluster.node: must be letters, digits, '-' or '_', got "a.b"`}},
		{"cluster embedded address", func(c *Config) { c.Storage.Driver, c.Cluster.EmbeddedNATS = "postgres", "4222" }, []string{"cluster.embedded_nats: want host:port"}},
		{"storage max_size with postgres", func(c *Config) { c.Storage.Driver, c.Storage.MaxSize = "postgres", 1<<30 }, []string{"storage.max_size: is for sqlite"}},
		{"storage pool_size", func(c *Config) { c.Storage.PoolSize = 0 }, []string{"storage.pool_size: must be at least 1, got 0"}},
		{"storage statement_timeout", func(c *Config) { c.Storage.StatementTimeout = -time.Second }, []string{"storage.statement_timeout: must not be negative, got -1s"}},
		{"mechanism unknown", func(c *Config) { c.Auth.Mechanisms = []string{"DIGEST-MD5"} }, []string{`auth.mechanisms: "DIGEST-MD5" is not one of SCRAM-SHA-256-PLUS`}},
		{"mechanism lower case", func(c *Config) { c.Auth.Mechanisms = []string{"plain"} }, []string{`auth.mechanisms: "plain" is not one of`}},
		{"mechanism anonymous", func(c *Config) { c.Auth.Mechanisms = []string{"ANONYMOUS"} }, []string{"auth.mechanisms: ANONYMOUS is not listed here, set auth.anonymous: true instead"}},
		{"mechanism twice", func(c *Config) { c.Auth.Mechanisms = []string{"PLAIN", "PLAIN"} }, []string{"auth.mechanisms: PLAIN is listed twice"}},
		{"no mechanism", func(c *Config) { c.Auth.Mechanisms = nil }, []string{"auth.mechanisms: must not be empty unless auth.anonymous is true"}},
		{"anonymous only", func(c *Config) { c.Auth.Mechanisms, c.Auth.Anonymous = nil, true }, nil},
		{"max_failures high", func(c *Config) { c.Auth.MaxFailures = 9 }, []string{"auth.max_failures: must be between 1 and 5, got 9"}},
		{"max_failures zero", func(c *Config) { c.Auth.MaxFailures = 0 }, []string{"auth.max_failures: must be between 1 and 5, got 0"}},
		{"scram_iterations", func(c *Config) { c.Auth.SCRAMIterations = 1000 }, []string{"auth.scram_iterations: must be at least 4096, got 1000"}},
		{"max_stanza_bytes", func(c *Config) { c.Limits.MaxStanzaBytes = 4095 }, []string{"limits.max_stanza_bytes: must be at least 4096, got 4095"}},
		{"preauth low", func(c *Config) { c.Limits.MaxStanzaBytesPreauth = 1000 }, []string{"limits.max_stanza_bytes_preauth: must be at least 1024, got 1000"}},
		{"preauth above max", func(c *Config) { c.Limits.MaxStanzaBytes, c.Limits.MaxStanzaBytesPreauth = 8192, 10240 },
			[]string{"limits.max_stanza_bytes_preauth: must not exceed limits.max_stanza_bytes (8192), got 10240"}},
		{"max_depth", func(c *Config) { c.Limits.MaxDepth = 2 }, []string{"limits.max_depth: must be at least 8, got 2"}},
		{"max_attrs", func(c *Config) { c.Limits.MaxAttrs = 0 }, []string{"limits.max_attrs: must be at least 8, got 0"}},
		{"preauth_timeout", func(c *Config) { c.Limits.PreauthTimeout = 0 }, []string{"limits.preauth_timeout: must be more than 0, got 0s"}},
		{"idle_timeout zero disables", func(c *Config) { c.Limits.IdleTimeout = 0 }, nil},
		{"idle_timeout negative", func(c *Config) { c.Limits.IdleTimeout = -time.Second }, []string{"limits.idle_timeout: must not be negative, got -1s"}},
		{"tls_handshake_timeout", func(c *Config) { c.Limits.TLSHandshakeTimeout = 0 }, []string{"limits.tls_handshake_timeout: must be more than 0"}},
		{"max_resources", func(c *Config) { c.Limits.MaxResources = 0 }, []string{"limits.max_resources: must be at least 1, got 0"}},
		{"send_queue_bytes", func(c *Config) { c.Limits.SendQueueBytes = 1000 }, []string{"limits.send_queue_bytes: must be at least limits.max_stanza_bytes (262144), got 1000"}},
		{"shutdown_grace", func(c *Config) { c.Limits.ShutdownGrace = -time.Second }, []string{"limits.shutdown_grace: must not be negative"}},
		{"max_connections negative", func(c *Config) { c.Limits.MaxConnections = -1 }, []string{"limits.max_connections: must be at least 0, got -1"}},
		{"max_open_files within the reserve", func(c *Config) { c.Limits.MaxOpenFiles, c.Limits.ReservedFiles = 200, 200 },
			[]string{"limits.max_open_files: must be more than limits.reserved_files (200), or no client could connect; got 200"}},
		{"max_open_files above the reserve", func(c *Config) { c.Limits.MaxOpenFiles, c.Limits.ReservedFiles = 201, 200 }, nil},
		{"reserved_files negative", func(c *Config) { c.Limits.ReservedFiles = -1 }, []string{"limits.reserved_files: must be at least 0, got -1"}},
		{"release_after off", func(c *Config) { c.Memory.ReleaseAfter = 0 }, nil},
		{"release_after too short", func(c *Config) { c.Memory.ReleaseAfter = time.Millisecond },
			[]string{"memory.release_after: must be 0 (leave it to Go) or at least 100ms, got 1ms"}},
		{"release_after negative", func(c *Config) { c.Memory.ReleaseAfter = -time.Second },
			[]string{"memory.release_after: must be 0 (leave it to Go) or at least 100ms, got -1s"}},
		{"log level", func(c *Config) { c.Log.Level = "verbose" }, []string{`log.level: must be one of trace, debug, info, warn, error, got "verbose"`}},
		{"log format", func(c *Config) { c.Log.Format = "xml" }, []string{`log.format: must be one of text, json, got "xml"`}},
		{"pprof", func(c *Config) { c.Debug.Pprof = "localhost" }, []string{`debug.pprof: "localhost" is not host:port`}},
		{"pprof on", func(c *Config) { c.Debug.Pprof = "127.0.0.1:6060" }, nil},
		{"plugin name", func(c *Config) { c.Plugins["VCard"] = Plugin{} }, []string{"plugins.VCard: plugin names are lower-case"}},
		{"plugin name with dash", func(c *Config) { c.Plugins["acme-x_1"] = Plugin{Enabled: &off} }, nil},
		{"plugin runtime", func(c *Config) { c.Plugins["vcard"] = Plugin{GOGC: 200, MaxProcs: 1} }, nil},
		{"plugin gogc negative", func(c *Config) { c.Plugins["vcard"] = Plugin{GOGC: -1} }, []string{"plugins.vcard.gogc: must be a percentage above 0"}},
		{"plugin max_procs negative", func(c *Config) { c.Plugins["vcard"] = Plugin{MaxProcs: -2} }, []string{"plugins.vcard.max_procs: must be a number of cores"}},
		{"plugin sha256 not hex", func(c *Config) { c.Plugins["acme"] = Plugin{Path: "/opt/acme", SHA256: "xyz"} },
			[]string{`plugins.acme.sha256: must be 64 hexadecimal digits, got "xyz"`}},
		{"plugin sha256 without path", func(c *Config) { c.Plugins["acme"] = Plugin{SHA256: strings.Repeat("ab", 32)} },
			[]string{"plugins.acme.sha256: pins an executable, so plugins.acme.path must be set"}},
		{"plugin pinned", func(c *Config) { c.Plugins["acme"] = Plugin{Path: "/opt/acme", SHA256: strings.Repeat("AB", 32)} }, nil},
		{"plugin config is not validated", func(c *Config) { c.Plugins["motd"] = Plugin{Config: map[string]any{"Whatever": 1}} }, nil},
		{"every problem reported", func(c *Config) { c.Auth.MaxFailures, c.Log.Level, c.DataDir = 9, "loud", "" },
			[]string{"auth.max_failures", "log.level", "data_dir"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			tt.change(c)
			wantErrors(t, c.Validate(), tt.want...)
		})
	}
}

func TestValidateListsEachProblemSeparately(t *testing.T) {
	c := Default()
	c.Auth.MaxFailures, c.Log.Format = 0, "xml"
	var joined interface{ Unwrap() []error }
	if !errors.As(c.Validate(), &joined) || len(joined.Unwrap()) != 2 {
		t.Fatalf("Validate() = %v, want two joined errors", c.Validate())
	}
}
