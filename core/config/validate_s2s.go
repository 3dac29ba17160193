package config

import (
	"fmt"
	"net"
	"strings"

	"mellium.im/xmpp/jid"
)

func (c *Config) validateS2S(p *problems) {
	s := c.S2S
	positive(p, "s2s.connect_timeout", s.ConnectTimeout)
	positive(p, "s2s.idle_timeout", s.IdleTimeout)
	atLeast(p, "s2s.queue", s.Queue, 1)
	atLeast(p, "s2s.max_inbound", s.MaxInbound, 1)
	if _, err := s.HostMap(); err != nil {
		p.addf("s2s.hosts", "%v", err)
	}
	for key, list := range map[string][]string{"s2s.allow": s.Allow, "s2s.deny": s.Deny} {
		for _, d := range list {
			if j, err := jid.New("", d, ""); err != nil || j.Domainpart() != d {
				p.addf(key, "%q is not a domain in canonical form", d)
			}
		}
	}
}

// HostMap reads s2s.hosts: each entry "domain=host:port", the domain in
// canonical form, each domain once.
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
		if _, _, err := net.SplitHostPort(addr); err != nil {
			return nil, fmt.Errorf("%q: the address is not host:port: %v", e, err)
		}
		if _, dup := out[domain]; dup {
			return nil, fmt.Errorf("%s is listed twice", domain)
		}
		out[domain] = addr
	}
	return out, nil
}
