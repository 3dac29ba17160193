package upload

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"
)

// Config is upload's config section.
type Config struct {
	// Listen is the address of the plugin's own HTTPS listener, where
	// clients PUT and GET files ("0.0.0.0:5443"). Required.
	Listen string `json:"listen"`
	// URL is the base of the URLs handed out, for a listener behind a
	// proxy or port forward ("https://upload.example.org"). Empty:
	// https://<the service's domain>:<the port Listen is bound to>.
	URL string `json:"url"`
	// CertFile and KeyFile are the PEM certificate and key of the
	// listener, usually the server's own (tls.cert_file, tls.key_file)
	// when it names the service's domain too. Both empty: a self-signed
	// certificate for the service's domain, made at each start, which
	// clients refuse unless told to trust it.
	CertFile string `json:"cert_file"`
	KeyFile  string `json:"key_file"`
	// Dir is where files are kept, relative to the server's working
	// directory. Default data/uploads: under the default data_dir.
	Dir string `json:"dir"`
	// MaxFileSize is the largest file accepted, in bytes; disco
	// advertises it. Default 104857600 (100 MiB).
	MaxFileSize int64 `json:"max_file_size"`
	// Quota is what one account may keep at once, in bytes, files
	// uploaded and slots granted but not yet used together. Default
	// 1073741824 (1 GiB); 0: no quota.
	Quota int64 `json:"quota"`
	// ExpireAfter is how long a file is kept after its upload; 0 keeps
	// files until their owner's account is deleted. Default 720h (30 days).
	ExpireAfter time.Duration `json:"expire_after"`
	// SlotLifetime is how long a granted slot waits for its PUT.
	// Default 5m.
	SlotLifetime time.Duration `json:"slot_lifetime"`
	// PutTimeout bounds the reading of one upload's body. Default 30m.
	PutTimeout time.Duration `json:"put_timeout"`
	// SweepInterval is how often expired files and slots are removed.
	// Default 1h.
	SweepInterval time.Duration `json:"sweep_interval"`
	// HeaderTimeout bounds the reading of a request's headers, and
	// IdleTimeout how long a kept-alive connection waits for its next
	// request. Defaults 20s and 2m.
	HeaderTimeout time.Duration `json:"header_timeout"`
	IdleTimeout   time.Duration `json:"idle_timeout"`
}

func defaultConfig() Config {
	return Config{
		Dir:           "data/uploads",
		MaxFileSize:   100 << 20,
		Quota:         1 << 30,
		ExpireAfter:   30 * 24 * time.Hour,
		SlotLifetime:  5 * time.Minute,
		PutTimeout:    30 * time.Minute,
		SweepInterval: time.Hour,
		HeaderTimeout: 20 * time.Second,
		IdleTimeout:   2 * time.Minute,
	}
}

// Validate checks the listener and the limits.
func (c *Config) Validate() error {
	if c.Listen == "" {
		return errors.New("listen must be set: the host:port of the upload service's HTTPS listener")
	}
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		return fmt.Errorf("listen %q: %w", c.Listen, err)
	}
	if c.URL != "" {
		u, err := url.Parse(c.URL)
		if err != nil || u.Scheme != "https" || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			return fmt.Errorf("url %q must be an https URL without query or fragment", c.URL)
		}
		c.URL = strings.TrimSuffix(c.URL, "/")
	}
	if (c.CertFile == "") != (c.KeyFile == "") {
		return errors.New("cert_file and key_file go together: set both, or neither for a self-signed certificate")
	}
	if c.Dir == "" {
		return errors.New("dir must not be empty")
	}
	if c.MaxFileSize <= 0 {
		return errors.New("max_file_size must be positive")
	}
	if c.Quota < 0 || c.Quota > 0 && c.Quota < c.MaxFileSize {
		return errors.New("quota must be 0 (none) or at least max_file_size")
	}
	if c.ExpireAfter < 0 {
		return errors.New("expire_after must not be negative")
	}
	if min(c.SlotLifetime, c.PutTimeout, c.SweepInterval, c.HeaderTimeout, c.IdleTimeout) < time.Second {
		return errors.New("slot_lifetime, put_timeout, sweep_interval, header_timeout and idle_timeout must be at least 1s")
	}
	return nil
}
