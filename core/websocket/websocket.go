// Package websocket serves XMPP over WebSocket (RFC 7395) and the host-meta
// documents (XEP-0156) with which browser clients find it and BOSH, whose
// handler it serves beside its own on the same listener. Streams are
// handed to the c2s code through a framing adapter, so everything after
// the transport — SASL, routing, stream management — is the same as over
// TCP.
package websocket

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	ws "github.com/coder/websocket"
	"github.com/hashicorp/go-hclog"

	"github.com/switchboard-xmpp/switchboard/core/c2s"
)

// Path is where the WebSocket endpoint listens (RFC 7395 leaves it open;
// this is what most servers use).
const Path = "/xmpp-websocket"

const (
	relWebSocket = "urn:xmpp:alt-connections:websocket"
	relBOSH      = "urn:xmpp:alt-connections:xbosh"
)

// Config bounds what an HTTP connection may hold before and after it
// carries a stream; zero durations are not allowed.
type Config struct {
	// HeaderTimeout is the time to send a request's headers, and
	// MaxHeaderBytes how much of them the server will hold.
	HeaderTimeout  time.Duration
	MaxHeaderBytes int
	// UpgradeTimeout is how long after it was accepted a connection may go
	// on without becoming a WebSocket, however busy with requests.
	UpgradeTimeout time.Duration
	// IdleTimeout is how long a kept-alive connection may wait for its next
	// request.
	IdleTimeout time.Duration
	// CloseTimeout is how long a client gets to finish the WebSocket
	// closing handshake (and whatever message it was still sending) before
	// its connection is cut.
	CloseTimeout time.Duration
	// Advertised is what host-meta tells clients.
	Advertised Advertised
	// BOSH, when set, serves XMPP over BOSH at Advertised.BOSHPath.
	BOSH http.Handler
}

// Advertised is what host-meta tells clients about the endpoint.
type Advertised struct {
	// Domain is the XMPP domain: the name the certificate is for, so the
	// one a browser can connect to without a warning, whatever address it
	// fetched host-meta from.
	Domain string
	// Domains are every hosted domain: a client that fetched host-meta
	// from one of them is sent to it, whose certificate names it (SNI).
	Domains []string
	// URL, when set, is advertised as it is: the endpoint as clients reach
	// it through a proxy or port forward.
	URL string
	// BOSHPath is where BOSH is served, "" for nowhere; BOSHURL is
	// advertised as it is when set, as URL is.
	BOSHPath, BOSHURL string
}

// handler serves the endpoint and host-meta, and keeps the HTTP
// connections under the per-address limits.
type handler struct {
	ctx context.Context
	c2s *c2s.Server
	cfg Config
	log hclog.Logger
	mux *http.ServeMux

	heads *headPool

	mu    sync.Mutex
	conns map[net.Conn]*httpConn // admitted, not yet closed or upgraded
}

// NewServer returns the HTTP server for the WebSocket listener: it hands
// streams to srv, counts every connection against the per-address limits
// from the moment it is accepted, and closes connections that do not
// send, do not upgrade, or sit idle.
func NewServer(ctx context.Context, srv *c2s.Server, cfg Config, log hclog.Logger) *http.Server {
	h := &handler{ctx: ctx, c2s: srv, cfg: cfg, log: log, mux: http.NewServeMux(), heads: newHeadPool(), conns: map[net.Conn]*httpConn{}}
	h.mux.HandleFunc(Path, h.serveXMPP)
	if cfg.BOSH != nil && cfg.Advertised.BOSHPath != "" {
		h.mux.Handle(cfg.Advertised.BOSHPath, h.plainHTTP(cfg.BOSH))
	}
	h.mux.HandleFunc("/.well-known/host-meta", h.hostMetaXML)
	h.mux.HandleFunc("/.well-known/host-meta.json", h.hostMetaJSON)
	return &http.Server{
		Handler:           h.mux,
		ReadHeaderTimeout: cfg.HeaderTimeout,
		MaxHeaderBytes:    cfg.MaxHeaderBytes,
		IdleTimeout:       cfg.IdleTimeout,
		ConnContext:       h.admit,
		ConnState:         h.track,
		ErrorLog:          log.StandardLogger(&hclog.StandardLoggerOptions{ForceLevel: hclog.Debug}),
	}
}

func (h *handler) serveXMPP(w http.ResponseWriter, r *http.Request) {
	hc, _ := r.Context().Value(httpConnKey{}).(*httpConn)
	if hc == nil {
		// admit closes a connection it turns away before it can send a
		// request; never serve one that has no place under the limits.
		http.Error(w, "connection not admitted", http.StatusServiceUnavailable)
		return
	}
	c, err := ws.Accept(w, r, &ws.AcceptOptions{
		Subprotocols: []string{"xmpp"},
		// Authentication is SASL inside the stream, not a cookie, so a
		// page from any origin may connect, as with Prosody and ejabberd.
		InsecureSkipVerify: true,
	})
	if hc.upgraded.Load() {
		// The stream has the connection's place under the per-address
		// limits now, and gives it back when it ends.
		defer hc.release()
	}
	if err != nil {
		h.log.Debug("WebSocket upgrade failed", "remote", r.RemoteAddr, "error", err)
		return
	}
	if c.Subprotocol() != "xmpp" {
		c.Close(ws.StatusPolicyViolation, "the xmpp subprotocol is required (RFC 7395)")
		return
	}
	// The framing reads messages as a stream and enforces the stanza limit
	// in force itself, with a stream error the client understands.
	c.SetReadLimit(-1)
	local, _ := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
	fc := newFrameConn(c, hc.raw, h.heads, h.cfg.CloseTimeout, local, addrOf(r.RemoteAddr))
	h.c2s.ServeStream(h.ctx, fc, c2s.WebSocketFraming{}, r.TLS, hc.release)
}

func addrOf(s string) net.Addr {
	a, err := net.ResolveTCPAddr("tcp", s)
	if err != nil {
		return &net.TCPAddr{}
	}
	return a
}

// EndpointURL is the WebSocket URL advertised to a client that reached
// the listener at host ("host:port", or a name alone for the scheme's
// default port): the configured URL, else the domain with the port the
// client used. Neither a loopback address nor a proxy's internal name ever
// reaches a browser, which checks the certificate against the name.
func (ad Advertised) EndpointURL(scheme, host string) string {
	return ad.url(ad.URL, scheme, host, Path)
}

// BOSHEndpointURL is EndpointURL for BOSH: https (or http) instead of
// wss, BOSHURL instead of URL.
func (ad Advertised) BOSHEndpointURL(scheme, host string) string {
	return ad.url(ad.BOSHURL, scheme, host, ad.BOSHPath)
}

func (ad Advertised) url(configured, scheme, host, path string) string {
	if configured != "" {
		return configured
	}
	name, port, err := net.SplitHostPort(host)
	if err != nil {
		name, port = host, ""
	}
	if !slices.Contains(ad.Domains, name) {
		name = ad.Domain
	}
	addr := name
	if port != "" {
		addr = net.JoinHostPort(name, port)
	}
	return scheme + "://" + addr + path
}

// links are the endpoints host-meta lists for a client that fetched it
// with r.
func (h *handler) links(r *http.Request) [][2]string {
	ws, web := "wss", "https"
	if r.TLS == nil {
		ws, web = "ws", "http"
	}
	links := [][2]string{{relWebSocket, h.cfg.Advertised.EndpointURL(ws, r.Host)}}
	if h.cfg.BOSH != nil && h.cfg.Advertised.BOSHPath != "" {
		links = append(links, [2]string{relBOSH, h.cfg.Advertised.BOSHEndpointURL(web, r.Host)})
	}
	return links
}

// plainHTTP serves a handler of ordinary requests (BOSH) on connections
// admitted under the per-address limits. Such a connection is not going
// to become a WebSocket; between requests the idle timeout bounds it.
func (h *handler) plainHTTP(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hc, _ := r.Context().Value(httpConnKey{}).(*httpConn)
		if hc == nil {
			http.Error(w, "connection not admitted", http.StatusServiceUnavailable)
			return
		}
		hc.upgradeDeadline.Stop()
		next.ServeHTTP(w, r)
	})
}

func (h *handler) hostMetaXML(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/xrd+xml")
	w.Header().Set("Access-Control-Allow-Origin", "*")
	var doc strings.Builder
	doc.WriteString("<?xml version='1.0' encoding='utf-8'?>\n<XRD xmlns='http://docs.oasis-open.org/ns/xri/xrd-1.0'>\n")
	for _, l := range h.links(r) {
		doc.WriteString("  <Link rel='" + l[0] + "' href='")
		xml.EscapeText(&doc, []byte(l[1])) // never fails on a strings.Builder
		doc.WriteString("'/>\n")
	}
	doc.WriteString("</XRD>\n")
	io.WriteString(w, doc.String())
}

func (h *handler) hostMetaJSON(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Access-Control-Allow-Origin", "*")
	var links []map[string]string
	for _, l := range h.links(r) {
		links = append(links, map[string]string{"rel": l[0], "href": l[1]})
	}
	json.NewEncoder(w).Encode(map[string]any{"links": links})
}
