package config

import (
	"net/url"
	"strings"
	"time"
)

func (c *Config) validateBOSH(p *problems) {
	b := c.BOSH
	if b.Path != "" && (!strings.HasPrefix(b.Path, "/") || strings.ContainsAny(b.Path, "?# ")) {
		p.addf("bosh.path", "%q must be an absolute URL path such as /http-bind", b.Path)
	}
	for _, reserved := range []string{"/xmpp-websocket", "/.well-known/host-meta", "/.well-known/host-meta.json"} {
		if b.Path == reserved {
			p.addf("bosh.path", "%q is where the listener serves something else", b.Path)
		}
	}
	if b.URL != "" {
		u, err := url.Parse(b.URL)
		switch {
		case err != nil:
			p.addf("bosh.url", "%q is not a URL: %v", b.URL, err)
		case u.Scheme != "https" && u.Scheme != "http":
			p.addf("bosh.url", "%q must start with https:// (or http:// behind nothing that adds TLS)", b.URL)
		case u.Host == "":
			p.addf("bosh.url", "%q has no host", b.URL)
		}
	}
	for _, o := range b.CORSOrigins {
		if o == "*" {
			continue
		}
		if u, err := url.Parse(o); err != nil || u.Scheme == "" || u.Host == "" || u.Path != "" {
			p.addf("bosh.cors_origins", "%q must be \"*\" or an origin such as https://chat.example.org", o)
		}
	}
	// BOSH speaks in whole seconds.
	atLeastSecond(p, "bosh.max_wait", b.MaxWait)
	atLeastSecond(p, "bosh.inactivity", b.Inactivity)
	notNegative(p, "bosh.polling", b.Polling)
	notNegative(p, "bosh.max_pause", b.MaxPause)
	atLeast(p, "bosh.max_requests", b.MaxRequests, 1)
	// A body must hold the largest stanza allowed, with the wrapper.
	if least := c.Limits.MaxStanzaBytes + 1024; b.MaxBodyBytes < least {
		p.addf("bosh.max_body_bytes", "must be at least limits.max_stanza_bytes + 1024 (%d), got %d", least, b.MaxBodyBytes)
	}
}

func atLeastSecond(p *problems, key string, d time.Duration) {
	if d < time.Second {
		p.addf(key, "must be at least 1s, got %s", d)
	}
}
