// Package websocket serves XMPP over WebSocket (RFC 7395) and the host-meta
// documents (XEP-0156) with which browser clients find it. Streams are
// handed to the c2s code through a framing adapter, so everything after
// the transport — SASL, routing, stream management — is the same as over
// TCP.
package websocket

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net"
	"net/http"
	"strings"

	ws "github.com/coder/websocket"
	"github.com/hashicorp/go-hclog"

	"github.com/switchboard-xmpp/switchboard/core/c2s"
)

// Path is where the WebSocket endpoint listens (RFC 7395 leaves it open;
// this is what most servers use).
const Path = "/xmpp-websocket"

const relWebSocket = "urn:xmpp:alt-connections:websocket"

// Handler serves the endpoint and host-meta.
type Handler struct {
	ctx context.Context
	c2s *c2s.Server
	ad  Advertised
	log hclog.Logger
	mux *http.ServeMux
}

// Advertised is what host-meta tells clients about the endpoint.
type Advertised struct {
	// Domain is the XMPP domain: the name the certificate is for, so the
	// one a browser can connect to without a warning, whatever address it
	// fetched host-meta from.
	Domain string
	// URL, when set, is advertised as it is: the endpoint as clients reach
	// it through a proxy or port forward.
	URL string
}

// New returns a handler that hands streams to srv.
func New(ctx context.Context, srv *c2s.Server, ad Advertised, log hclog.Logger) *Handler {
	h := &Handler{ctx: ctx, c2s: srv, ad: ad, log: log, mux: http.NewServeMux()}
	h.mux.HandleFunc(Path, h.serveXMPP)
	h.mux.HandleFunc("/.well-known/host-meta", h.hostMetaXML)
	h.mux.HandleFunc("/.well-known/host-meta.json", h.hostMetaJSON)
	return h
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

func (h *Handler) serveXMPP(w http.ResponseWriter, r *http.Request) {
	c, err := ws.Accept(w, r, &ws.AcceptOptions{
		Subprotocols: []string{"xmpp"},
		// Authentication is SASL inside the stream, not a cookie, so a
		// page from any origin may connect, as with Prosody and ejabberd.
		InsecureSkipVerify: true,
	})
	if err != nil {
		h.log.Debug("WebSocket upgrade failed", "remote", r.RemoteAddr, "error", err)
		return
	}
	if c.Subprotocol() != "xmpp" {
		c.Close(ws.StatusPolicyViolation, "the xmpp subprotocol is required (RFC 7395)")
		return
	}
	c.SetReadLimit(16 << 20) // the c2s reader enforces the real stanza limit
	local, _ := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
	h.c2s.ServeStream(h.ctx, newFrameConn(c, local, addrOf(r.RemoteAddr)), c2s.WebSocketFraming{}, r.TLS)
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
	if ad.URL != "" {
		return ad.URL
	}
	addr := ad.Domain
	if _, port, err := net.SplitHostPort(host); err == nil && port != "" {
		addr = net.JoinHostPort(ad.Domain, port)
	}
	return scheme + "://" + addr + Path
}

func (h *Handler) endpointURL(r *http.Request) string {
	scheme := "wss"
	if r.TLS == nil {
		scheme = "ws"
	}
	return h.ad.EndpointURL(scheme, r.Host)
}

func (h *Handler) hostMetaXML(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/xrd+xml")
	w.Header().Set("Access-Control-Allow-Origin", "*")
	var href strings.Builder
	xml.EscapeText(&href, []byte(h.endpointURL(r))) // never fails on a strings.Builder
	fmt.Fprintf(w, "<?xml version='1.0' encoding='utf-8'?>\n<XRD xmlns='http://docs.oasis-open.org/ns/xri/xrd-1.0'>\n  <Link rel='%s' href='%s'/>\n</XRD>\n", relWebSocket, href.String())
}

func (h *Handler) hostMetaJSON(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Access-Control-Allow-Origin", "*")
	json.NewEncoder(w).Encode(map[string]any{"links": []map[string]string{{"rel": relWebSocket, "href": h.endpointURL(r)}}})
}
