package pep

import (
	"errors"
	"time"
)

// Config is pep's config section.
type Config struct {
	// MaxItemBytes bounds one item's payload, serialized. A notification
	// carries the payload in a message, so keep it some 16 KiB below the
	// core's limits.max_stanza_bytes. Default 245760 (240 KiB), room for
	// an avatar.
	MaxItemBytes int `json:"max_item_bytes"`
	// MaxResultBytes bounds the payloads of one items result: the most
	// recent items that fit are returned, with an RSM count of all.
	// At least max_item_bytes. Default 245760 (240 KiB).
	MaxResultBytes int `json:"max_result_bytes"`
	// MaxNodes is how many nodes one account may have. Default 256: OMEMO
	// keeps one node per device.
	MaxNodes int `json:"max_nodes"`
	// MaxItemsPerNode is the most items a node keeps, whatever its
	// pubsub#max_items says; it is what "max" means. Default 1000.
	MaxItemsPerNode int `json:"max_items_per_node"`
	// MaxAccountBytes bounds the payloads one account stores across its
	// nodes. Default 16777216 (16 MiB).
	MaxAccountBytes int `json:"max_account_bytes"`
	// CapsCacheSize is how many verification strings (XEP-0115) the
	// plugin remembers the features of, for all accounts together; the
	// oldest is forgotten first. Default 1024.
	CapsCacheSize int `json:"caps_cache_size"`
	// DiscoTimeout bounds the wait for a client's answer to the disco#info
	// query behind an unknown verification string. Default 30s.
	DiscoTimeout time.Duration `json:"disco_timeout"`
}

func defaultConfig() Config {
	return Config{
		MaxItemBytes:    240 << 10,
		MaxResultBytes:  240 << 10,
		MaxNodes:        256,
		MaxItemsPerNode: 1000,
		MaxAccountBytes: 16 << 20,
		CapsCacheSize:   1024,
		DiscoTimeout:    30 * time.Second,
	}
}

// Validate checks that every limit is positive and that they fit together.
func (c *Config) Validate() error {
	switch {
	case c.MaxItemBytes <= 0, c.MaxResultBytes <= 0, c.MaxNodes <= 0, c.MaxItemsPerNode <= 0,
		c.MaxAccountBytes <= 0, c.CapsCacheSize <= 0:
		return errors.New("max_item_bytes, max_result_bytes, max_nodes, max_items_per_node, max_account_bytes and caps_cache_size must be positive")
	case c.DiscoTimeout <= 0:
		return errors.New("disco_timeout must be positive")
	case c.MaxResultBytes < c.MaxItemBytes:
		return errors.New("max_result_bytes must be at least max_item_bytes, so that every item can be retrieved")
	case c.MaxAccountBytes < c.MaxItemBytes:
		return errors.New("max_account_bytes must be at least max_item_bytes")
	}
	return nil
}
