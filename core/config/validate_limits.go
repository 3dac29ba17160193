package config

import (
	"net/netip"
	"time"
)

func (c *Config) validateLimits(p *problems) {
	l := c.Limits
	atLeast(p, "limits.max_stanza_bytes", l.MaxStanzaBytes, 4096)
	atLeast(p, "limits.max_stanza_bytes_preauth", l.MaxStanzaBytesPreauth, 1024)
	if l.MaxStanzaBytesPreauth > l.MaxStanzaBytes {
		p.addf("limits.max_stanza_bytes_preauth", "must not exceed limits.max_stanza_bytes (%d), got %d", l.MaxStanzaBytes, l.MaxStanzaBytesPreauth)
	}
	// A stanza with a payload is already three levels below the stream
	// element, and carries to, from, id, type, xml:lang and namespaces.
	atLeast(p, "limits.max_depth", l.MaxDepth, 8)
	atLeast(p, "limits.max_attrs", l.MaxAttrs, 8)
	positive(p, "limits.preauth_timeout", l.PreauthTimeout)
	notNegative(p, "limits.idle_timeout", l.IdleTimeout)
	positive(p, "limits.tls_handshake_timeout", l.TLSHandshakeTimeout)
	positive(p, "limits.http_idle_timeout", l.HTTPIdleTimeout)
	atLeast(p, "limits.max_resources", l.MaxResources, 1)
	// The queue must hold at least one stanza of the largest allowed size.
	if l.SendQueueBytes < l.MaxStanzaBytes {
		p.addf("limits.send_queue_bytes", "must be at least limits.max_stanza_bytes (%d), got %d", l.MaxStanzaBytes, l.SendQueueBytes)
	}
	notNegative(p, "limits.shutdown_grace", l.ShutdownGrace)
	positive(p, "limits.write_timeout", l.WriteTimeout)
	positive(p, "limits.plugin_timeout", l.PluginTimeout)
	atLeast(p, "limits.archive_queue", l.ArchiveQueue, 1)
	notNegative(p, "limits.archive_wait", l.ArchiveWait)
	notNegative(p, "limits.resume_timeout", l.ResumeTimeout)
	atLeast(p, "limits.max_unacked", l.MaxUnacked, 10)
	atLeast(p, "limits.component_queue", l.ComponentQueue, 1)
	atLeast(p, "limits.max_in_flight", l.MaxInFlight, 1)
	atLeast(p, "limits.connections_per_ip", l.ConnectionsPerIP, 0)
	atLeast(p, "limits.connect_rate_per_ip", l.ConnectRatePerIP, 0)
	atLeast(p, "limits.max_tracked_addresses", l.MaxTrackedAddresses, 0)
	atLeast(p, "limits.rate_bytes_per_second", l.RateBytesPerSecond, 0)
	if l.RateBytesPerSecond > 0 && l.RateBurstBytes < l.MaxStanzaBytes {
		p.addf("limits.rate_burst_bytes", "must be at least limits.max_stanza_bytes (%d) so that one stanza fits, got %d", l.MaxStanzaBytes, l.RateBurstBytes)
	}
	atLeast(p, "limits.max_connections", l.MaxConnections, 0)
	atLeast(p, "limits.max_open_files", l.MaxOpenFiles, 0)
	atLeast(p, "limits.reserved_files", l.ReservedFiles, 0)
	if l.MaxOpenFiles > 0 && l.MaxOpenFiles <= l.ReservedFiles {
		p.addf("limits.max_open_files", "must be more than limits.reserved_files (%d), or no client could connect; got %d", l.ReservedFiles, l.MaxOpenFiles)
	}
	for _, n := range l.TrustedNetworks {
		if _, err := netip.ParsePrefix(n); err != nil {
			p.addf("limits.trusted_networks", "%q is not a CIDR prefix such as 127.0.0.0/8", n)
		}
	}
}

func positive(p *problems, key string, d time.Duration) {
	if d <= 0 {
		p.addf(key, "must be more than 0, got %s", d)
	}
}

func notNegative(p *problems, key string, d time.Duration) {
	if d < 0 {
		p.addf(key, "must not be negative, got %s", d)
	}
}
