package config

import (
	"fmt"
	"net"
	"strings"

	"mellium.im/xmpp/jid"
)

func (c *Config) validateCluster(p *problems) {
	cl := c.Cluster
	positive(p, "cluster.liveness", cl.Liveness)
	positive(p, "cluster.ack_timeout", cl.AckTimeout)
	atLeast(p, "cluster.batch", cl.Batch, 1)
	atLeast(p, "cluster.queue", cl.Queue, 1)
	if !validClusterName(cl.Name) {
		p.addf("cluster.name", "must be letters, digits, '-' or '_', got %q", cl.Name)
	}
	if cl.Node != "" && !validClusterName(cl.Node) {
		p.addf("cluster.node", "must be letters, digits, '-' or '_', got %q", cl.Node)
	}
	if cl.EmbeddedNATS != "" {
		if _, _, err := net.SplitHostPort(cl.EmbeddedNATS); err != nil {
			p.addf("cluster.embedded_nats", "want host:port: %v", err)
		}
	}
	if cl.Enabled() && c.Storage.Driver != DriverPostgres {
		p.addf("storage.driver", "a cluster's nodes share one database: want postgres with cluster.nats_url or cluster.embedded_nats set, got %q", c.Storage.Driver)
	}
}

// validClusterName: a NATS subject token and a JetStream bucket name both.
func validClusterName(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

func (c *Config) validateS2S(p *problems) {
	s := c.S2S
	positive(p, "s2s.connect_timeout", s.ConnectTimeout)
	positive(p, "s2s.idle_timeout", s.IdleTimeout)
	atLeast(p, "s2s.queue", s.Queue, 1)
	if s.RetryMin < 0 || s.RetryMax < s.RetryMin {
		p.addf("s2s.retry_max", "must be at least s2s.retry_min (%s), which must not be negative; got %s", s.RetryMin, s.RetryMax)
	}
	atLeast(p, "s2s.max_inbound", s.MaxInbound, 1)
	atLeast(p, "s2s.max_streams_per_domain", s.MaxStreamsPerDomain, 0)
	atLeast(p, "s2s.rate_bytes_per_second", s.RateBytesPerSecond, 0)
	atLeast(p, "s2s.rate_burst_bytes", s.RateBurstBytes, 0)
	if _, err := s.HostMap(); err != nil {
		p.addf("s2s.hosts", "%v", err)
	}
	for key, entries := range map[string][]string{"s2s.allow": s.Allow, "s2s.deny": s.Deny} {
		for _, e := range entries {
			domain := strings.TrimPrefix(e, "*.")
			if j, err := jid.New("", domain, ""); err != nil || j.Domainpart() != domain {
				p.addf(key, "%q is neither a domain in canonical form nor *.domain", e)
			}
		}
	}
}

// HostMap reads s2s.hosts: each entry "domain=host:port", or
// "domain=tls://host:port" for a server that takes TLS from the start
// (XEP-0368), the domain in canonical form, each domain once.
func (s S2S) HostMap() (map[string]string, error) {
	out := make(map[string]string, len(s.Hosts))
	for _, e := range s.Hosts {
		domain, addr, ok := strings.Cut(e, "=")
		if !ok {
			return nil, fmt.Errorf("%q is not domain=host:port", e)
		}
		if j, err := jid.New("", domain, ""); err != nil || j.Domainpart() != domain {
			return nil, fmt.Errorf("%q: %q is not a domain in canonical form", e, domain)
		}
		if _, _, err := net.SplitHostPort(strings.TrimPrefix(addr, "tls://")); err != nil {
			return nil, fmt.Errorf("%q: the address is not host:port: %v", e, err)
		}
		if _, dup := out[domain]; dup {
			return nil, fmt.Errorf("%s is listed twice", domain)
		}
		out[domain] = addr
	}
	return out, nil
}
