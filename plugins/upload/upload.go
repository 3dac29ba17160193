// Package upload implements XEP-0363: HTTP File Upload.
//
// The plugin owns a service domain (upload.DOMAIN by default). A client
// asks it for a slot, naming the file, its size and type; the plugin
// answers with an HTTPS URL to PUT the file to and the URL others GET it
// from, served by the plugin's own HTTPS listener. Files live behind the
// Files interface (a directory by default), their metadata in the host's
// storage.
package upload

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/switchboard-xmpp/switchboard/sdk"
)

// NS is the namespace of XEP-0363.
const NS = "urn:xmpp:http:upload:0"

// Upload is the plugin.
type Upload struct {
	mu       sync.Mutex // guards the fields below, replaced by a reload
	host     sdk.Host
	cfg      Config
	domain   string // the service's domain
	files    Files
	base     string // the URL base, without a trailing slash
	listener *listener
	stop     context.CancelFunc // ends the sweeper

	// grantMu serialises slot grants, so that two requests of one account
	// cannot both pass its quota. Requests are rare next to messages.
	grantMu sync.Mutex
	// claimed holds the slots whose PUT is in progress: a slot is used
	// once.
	claimMu sync.Mutex
	claimed map[string]bool

	now func() time.Time
}

// New returns the plugin, not yet configured.
func New() *Upload { return &Upload{claimed: map[string]bool{}, now: time.Now} }

// Describe declares the service and its routes. Disco#info on the domain
// is the plugin's own, for the form that advertises the size limit.
func (u *Upload) Describe() sdk.Description {
	return sdk.Description{
		Config:       func() any { c := defaultConfig(); return &c },
		Name:         "upload",
		Version:      "1.0.0",
		Capabilities: []string{sdk.CapService},
		Service: &sdk.Service{
			Subdomain:  "upload",
			Name:       "HTTP File Upload",
			Identities: []sdk.Identity{identity},
			Features:   []string{NS},
		},
		Routes: []sdk.Route{
			{Kind: sdk.IQ, Namespace: NS, Types: []string{"get"}, To: sdk.ToService, Handle: u.requestSlot},
			{Kind: sdk.IQ, Namespace: nsDiscoInfo, Types: []string{"get"}, To: sdk.ToService, Handle: u.discoInfo},
		},
		Events: []sdk.EventHandler{
			{Kind: sdk.AccountDeleted, Handle: u.accountDeleted},
		},
	}
}

var identity = sdk.Identity{Category: "store", Type: "file", Name: "HTTP File Upload"}

// Configure decodes the config, opens the directory, loads the
// certificate and (re)starts the listener when its address or timeouts
// changed. A configuration that fails leaves the previous one running.
func (u *Upload) Configure(_ context.Context, c sdk.Config) error {
	cfg := defaultConfig()
	if err := c.Decode(&cfg); err != nil {
		return err
	}
	domain := c.ServiceDomain
	files, err := newDirFiles(cfg.Dir)
	if err != nil {
		return err
	}
	cert, selfSigned, err := loadCertificate(cfg, domain)
	if err != nil {
		return err
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	l := u.listener
	if l == nil || l.cfg.Listen != cfg.Listen || l.cfg.HeaderTimeout != cfg.HeaderTimeout || l.cfg.IdleTimeout != cfg.IdleTimeout {
		if l != nil && l.cfg.Listen == cfg.Listen {
			// The address is taken by the listener being replaced.
			u.closeListener(c.Logger)
		}
		if l, err = startListener(cfg, u, cert, c.Logger); err != nil {
			return err
		}
		u.closeListener(c.Logger)
		u.listener = l
	} else {
		l.cert.Store(cert)
	}
	u.host, u.cfg, u.domain, u.files = c.Host, cfg, domain, files
	u.base = cfg.URL
	if u.base == "" {
		u.base = "https://" + domain + ":" + l.port()
	}
	if u.stop == nil {
		ctx, cancel := context.WithCancel(context.Background())
		u.stop = cancel
		go u.sweepEvery(ctx)
	}
	if selfSigned {
		c.Logger.Warn("the upload service has a self-signed certificate that clients refuse; set cert_file and key_file", "domain", domain)
	}
	c.Logger.Info("upload service ready", "domain", domain, "addr", l.ln.Addr().String(), "url", u.base, "dir", cfg.Dir)
	return nil
}

// closeListener stops the current listener, if any; u.mu is held.
func (u *Upload) closeListener(log hclog.Logger) {
	if u.listener == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := u.listener.close(ctx); err != nil {
		log.Warn("closing the upload listener", "addr", u.listener.addr, "error", err)
	}
	u.listener = nil
}

// Cleanup stops the sweeper and the listener.
func (u *Upload) Cleanup() error {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.stop != nil {
		u.stop()
	}
	if u.listener == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := u.listener.close(ctx)
	u.listener = nil
	if err != nil {
		return fmt.Errorf("closing the upload listener: %w", err)
	}
	return nil
}

// state is what a request needs of the current configuration.
type state struct {
	host   sdk.Host
	cfg    Config
	domain string
	files  Files
	base   string
}

func (u *Upload) state() (state, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.host == nil {
		return state{}, errors.New("the upload service is not configured")
	}
	return state{host: u.host, cfg: u.cfg, domain: u.domain, files: u.files, base: u.base}, nil
}
