package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"mellium.im/xmpp/jid"
)

// problems collects Validate's findings; each names its key and the rule.
type problems []error

func (p *problems) addf(key, format string, args ...any) {
	*p = append(*p, fmt.Errorf("%s: %s", key, fmt.Sprintf(format, args...)))
}

// Validate checks the rules that no single value's type can express. It
// reports every broken rule, not only the first. It touches no files or
// sockets: whether a certificate or plugin executable exists is for the
// code that opens it to say.
func (c *Config) Validate() error {
	var p problems
	c.validateServer(&p)
	c.validateAuth(&p)
	c.validateLimits(&p)
	c.validateBOSH(&p)
	c.validatePlugins(&p)
	c.validateComponents(&p)
	c.validateAdmin(&p)
	c.validateS2S(&p)
	c.validateCluster(&p)
	return errors.Join(p...)
}

func (c *Config) validateServer(p *problems) {
	checkDomain(p, "domain", c.Domain)
	seen := map[string]bool{}
	for _, d := range c.Domains {
		checkDomain(p, "domains", d)
		if seen[d] {
			p.addf("domains", "lists %s twice", d)
		}
		seen[d] = true
	}
	if len(c.Domains) > 0 && !seen[c.Domain] {
		p.addf("domain", "%q is not one of domains %v; set domain to the one of them that is the primary, or leave it out", c.Domain, c.Domains)
	}
	for _, f := range c.TLS.Certificates {
		if f == "" {
			p.addf("tls.certificates", "an entry is empty; each names a PEM file with a certificate chain and its key")
		}
	}
	if c.DataDir == "" {
		p.addf("data_dir", "must not be empty")
	}
	for _, a := range c.Listeners() {
		checkAddr(p, a.Key, a.Addr)
	}
	checkWebSocketURL(p, c.Listen.WebSocketURL)
	switch {
	case c.Listen.C2S == "" && c.Listen.C2STLS == "":
		p.addf("listen", "c2s and c2s_tls are both empty, so no client could connect")
	case c.Listen.C2S == c.Listen.C2STLS && !strings.HasSuffix(c.Listen.C2S, ":0"):
		p.addf("listen.c2s_tls", "must differ from listen.c2s, both are %q", c.Listen.C2S)
	}
	if (c.TLS.CertFile == "") != (c.TLS.KeyFile == "") {
		p.addf("tls", "cert_file and key_file must be set together (or both left empty for a self-signed certificate)")
	}
	oneOf(p, "storage.driver", c.Storage.Driver, DriverSQLite, DriverPostgres)
	switch {
	case c.Storage.MaxSize != 0 && c.Storage.Driver == DriverPostgres:
		p.addf("storage.max_size", "is for sqlite; cap a PostgreSQL database on its server (a quota on its tablespace's disk), got %d", c.Storage.MaxSize)
	case c.Storage.MaxSize != 0 && c.Storage.MaxSize < 1<<20:
		p.addf("storage.max_size", "must be 0 (no cap) or at least 1048576 bytes, got %d", c.Storage.MaxSize)
	}
	atLeast(p, "storage.pool_size", c.Storage.PoolSize, 1)
	notNegative(p, "storage.statement_timeout", c.Storage.StatementTimeout)
	if r := c.Memory.ReleaseAfter; r != 0 && r < 100*time.Millisecond {
		p.addf("memory.release_after", "must be 0 (leave it to Go) or at least 100ms, got %s", r)
	}
	if r := c.Memory.StopIdlePlugins; r != 0 && r < 100*time.Millisecond {
		p.addf("memory.stop_idle_plugins", "must be 0 (keep every plugin running) or at least 100ms, got %s", r)
	}
	oneOf(p, "log.level", c.Log.Level, "trace", "debug", "info", "warn", "error")
	oneOf(p, "log.format", c.Log.Format, "text", "json")
}

func (c *Config) validateAuth(p *problems) {
	seen := map[string]bool{}
	for _, m := range c.Auth.Mechanisms {
		switch {
		case m == "ANONYMOUS":
			p.addf("auth.mechanisms", "ANONYMOUS is not listed here, set auth.anonymous: true instead")
		case !slices.Contains(knownMechanisms(), m):
			p.addf("auth.mechanisms", "%q is not one of %s", m, strings.Join(knownMechanisms(), ", "))
		case seen[m]:
			p.addf("auth.mechanisms", "%s is listed twice", m)
		}
		seen[m] = true
	}
	if len(c.Auth.Mechanisms) == 0 && !c.Auth.Anonymous {
		p.addf("auth.mechanisms", "must not be empty unless auth.anonymous is true, or nobody could log in")
	}
	between(p, "auth.max_failures", c.Auth.MaxFailures, 1, 5)
	atLeast(p, "auth.scram_iterations", c.Auth.SCRAMIterations, 4096)
	notNegative(p, "auth.failure_delay", c.Auth.FailureDelay)
	if c.Auth.FailureDelayMax < c.Auth.FailureDelay {
		p.addf("auth.failure_delay_max", "must be at least auth.failure_delay (%s), got %s", c.Auth.FailureDelay, c.Auth.FailureDelayMax)
	}
	if d := c.Auth.AccountDelayMax; d != 0 && d < c.Auth.FailureDelay {
		p.addf("auth.account_delay_max", "must be 0 (no spacing) or at least auth.failure_delay (%s), got %s", c.Auth.FailureDelay, d)
	}
	notNegative(p, "auth.account_delay_max", c.Auth.AccountDelayMax)
	atLeast(p, "auth.known_networks", c.Auth.KnownNetworks, 0)
	if c.Auth.KnownNetworks > 0 {
		positive(p, "auth.known_network_ttl", c.Auth.KnownNetworkTTL)
	}
	if c.Auth.FAST {
		positive(p, "auth.fast_token_ttl", c.Auth.FASTTokenTTL)
		atLeast(p, "auth.fast_tokens_per_account", c.Auth.FASTTokensPerAccount, 1)
	}
	atLeast(p, "auth.ban_failures", c.Auth.BanFailures, 0)
	if c.Auth.BanFailures > 0 || c.Auth.AccountDelayMax > 0 {
		// Account failures count within it even when nobody is banned.
		positive(p, "auth.ban_window", c.Auth.BanWindow)
	}
	if c.Auth.BanFailures > 0 {
		positive(p, "auth.ban_time", c.Auth.BanTime)
	}
}

// checkAddr accepts "" (off) or host:port with a numeric port; port 0 picks a
// free port, which tests rely on.
// checkWebSocketURL accepts "" or an absolute ws:// or wss:// URL, which
// host-meta hands to browsers as it is.
// checkDomain checks a hosted domain: routing compares domains byte for
// byte, so only the canonical form matches.
func checkDomain(p *problems, key, d string) {
	if j, err := jid.New("", d, ""); err != nil {
		p.addf(key, "%q is not a valid JID domainpart: %v", d, err)
	} else if j.Domainpart() != d {
		p.addf(key, "%q is not in canonical form, write %q", d, j.Domainpart())
	}
}

func checkWebSocketURL(p *problems, raw string) {
	if raw == "" {
		return
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		p.addf("listen.websocket_url", "%q is not a URL: %v", raw, err)
	case u.Scheme != "wss" && u.Scheme != "ws":
		p.addf("listen.websocket_url", "%q must start with wss:// (or ws:// behind nothing that adds TLS)", raw)
	case u.Host == "":
		p.addf("listen.websocket_url", "%q has no host", raw)
	}
}

func checkAddr(p *problems, key, addr string) {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		p.addf(key, "%q is not host:port", addr)
		return
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		p.addf(key, "%q has no valid port number", addr)
	}
}

func oneOf(p *problems, key, v string, allowed ...string) {
	if !slices.Contains(allowed, v) {
		p.addf(key, "must be one of %s, got %q", strings.Join(allowed, ", "), v)
	}
}

func between(p *problems, key string, v, lo, hi int) {
	if v < lo || v > hi {
		p.addf(key, "must be between %d and %d, got %d", lo, hi, v)
	}
}

func atLeast(p *problems, key string, v, lo int) {
	if v < lo {
		p.addf(key, "must be at least %d, got %d", lo, v)
	}
}
