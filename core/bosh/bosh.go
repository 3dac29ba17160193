// Package bosh serves XMPP over BOSH (XEP-0124, XEP-0206): sessions of
// HTTP requests that carry a client's stream in <body/> elements, each
// handed to the c2s code as one stream, so that SASL, binding, routing and
// plugins are the same as over TCP or WebSocket.
package bosh

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/switchboard-xmpp/switchboard/core/c2s"
	"github.com/switchboard-xmpp/switchboard/core/jidprep"
	"github.com/switchboard-xmpp/switchboard/core/stream"
)

// Config is what the operator allows a BOSH session.
type Config struct {
	// Domain is the primary hosted domain; Domains are all of them (Domain
	// alone when empty): a session's 'to' picks one.
	Domain  string
	Domains []string
	// MaxWait is the longest a request is held for want of something to
	// say; a client asking for less gets what it asked.
	MaxWait time.Duration
	// MaxRequests is how many requests a session may have open at once;
	// it holds one less.
	MaxRequests int
	// Polling is the shortest interval between the empty requests of a
	// session that holds none.
	Polling time.Duration
	// Inactivity is how long a session may go without a request open
	// before it ends; MaxPause how long a client may ask it to wait.
	Inactivity, MaxPause time.Duration
	// MaxBodyBytes bounds one request's content.
	MaxBodyBytes int
	// Limits bound the XML of a request's body (attributes, nesting).
	Limits stream.Limits
	// SendQueueBytes bounds what is kept for a client between requests.
	SendQueueBytes int
	// ReadTimeout bounds the reading of one request's content.
	ReadTimeout time.Duration
	// WriteTimeout bounds the writing of one response.
	WriteTimeout time.Duration
	// CORSOrigins are the web origins whose pages may use the endpoint;
	// "*" allows any.
	CORSOrigins []string
}

// Handler serves the BOSH endpoint.
type Handler struct {
	ctx context.Context
	c2s *c2s.Server
	cfg Config
	log hclog.Logger

	mu       sync.Mutex
	sessions map[string]*session
}

// New returns the handler; sessions run under ctx.
func New(ctx context.Context, srv *c2s.Server, cfg Config, log hclog.Logger) *Handler {
	return &Handler{ctx: ctx, c2s: srv, cfg: cfg, log: log, sessions: map[string]*session{}}
}

// Len is the number of sessions.
func (h *Handler) Len() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.sessions)
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !h.cors(w, r) {
		http.Error(w, "origin not allowed", http.StatusForbidden)
		return
	}
	switch r.Method {
	case http.MethodOptions:
		w.WriteHeader(http.StatusNoContent)
		return
	case http.MethodPost:
	default:
		w.Header().Set("Allow", "POST, OPTIONS")
		http.Error(w, "XMPP over BOSH (XEP-0206): POST a <body/>", http.StatusMethodNotAllowed)
		return
	}
	rc := http.NewResponseController(w)
	rc.SetReadDeadline(time.Now().Add(h.cfg.ReadTimeout))
	content, err := io.ReadAll(http.MaxBytesReader(w, r.Body, int64(h.cfg.MaxBodyBytes)))
	if err != nil {
		var tooLong *http.MaxBytesError
		if errors.As(err, &tooLong) {
			h.log.Debug("BOSH request too large", "remote", r.RemoteAddr, "limit", h.cfg.MaxBodyBytes)
			h.reply(w, terminateBody(condPolicyViolation, nil))
		}
		return
	}
	// Held requests are not read from; the next one's headers have the
	// server's own timeout.
	rc.SetReadDeadline(time.Time{})
	req, err := parseBody(content, h.cfg.Limits)
	if err != nil {
		h.log.Debug("bad BOSH request", "remote", r.RemoteAddr, "error", err)
		h.reply(w, terminateBody(condBadRequest, nil))
		return
	}
	rc.SetWriteDeadline(time.Now().Add(h.cfg.MaxWait + h.cfg.WriteTimeout))
	if req.sid == "" {
		h.reply(w, h.create(r, req))
		return
	}
	h.mu.Lock()
	s := h.sessions[req.sid]
	h.mu.Unlock()
	if s == nil {
		h.reply(w, terminateBody(condItemNotFound, nil))
		return
	}
	if b := s.handle(r.Context(), req); b != nil {
		h.reply(w, b)
	}
}

func (h *Handler) reply(w http.ResponseWriter, body []byte) {
	if body == nil {
		return // the client went away
	}
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.Write(body)
}

// cors answers a web page's cross-origin request (and its preflight) when
// its origin is allowed; it reports false for an origin that is not.
// Requests without an Origin are not from a page and always served.
func (h *Handler) cors(w http.ResponseWriter, r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	hd := w.Header()
	hd.Add("Vary", "Origin")
	switch {
	case slices.Contains(h.cfg.CORSOrigins, "*"):
		hd.Set("Access-Control-Allow-Origin", "*")
	case slices.Contains(h.cfg.CORSOrigins, origin):
		hd.Set("Access-Control-Allow-Origin", origin)
	default:
		h.log.Debug("BOSH request from an origin not allowed", "origin", origin, "remote", r.RemoteAddr)
		return false
	}
	if r.Method == http.MethodOptions {
		hd.Set("Access-Control-Allow-Methods", "POST, OPTIONS")
		hd.Set("Access-Control-Allow-Headers", "Content-Type")
		hd.Set("Access-Control-Max-Age", "86400")
	}
	return true
}

// create starts a session (XEP-0124 §7) and returns the response to its
// creation request.
func (h *Handler) create(r *http.Request, req *request) []byte {
	to, err := jidprep.Parse(req.to)
	switch {
	case req.to == "":
		return terminateBody(condImproperAddressing, nil)
	case err != nil || to.Local != "" || to.Resource != "" || !h.hosts(to.Domain):
		return terminateBody(condHostUnknown, nil)
	}
	remote := addrOf(r.RemoteAddr)
	release, ok := h.c2s.AdmitFrom(remote)
	if !ok {
		return terminateBody(condPolicyViolation, nil)
	}
	s := &session{
		h:          h,
		domain:     to.Domain,
		sid:        randomID(16),
		lang:       req.lang,
		wait:       h.cfg.MaxWait,
		hold:       h.cfg.MaxRequests - 1,
		inactivity: h.cfg.Inactivity,
		polling:    h.cfg.Polling,
		next:       req.rid + 1,
		early:      map[uint64]*exchange{},
	}
	if req.wait >= 0 {
		s.wait = min(s.wait, time.Duration(req.wait)*time.Second)
	}
	if req.hold >= 0 {
		s.hold = min(s.hold, req.hold)
	}
	s.requests = s.hold + 1
	s.idleFor = s.inactivity
	s.log = h.log.With("sid", s.sid, "remote", r.RemoteAddr)
	local, _ := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
	s.pipe = newPipe(local, remote, newOutbound(s))
	x := newExchange(req)
	x.creation = true
	s.held = []*exchange{x}
	x.timer = time.AfterFunc(s.wait, func() { s.expire(x) })
	s.pipe.feed(streamHeader(s.domain, req.lang))
	if !req.empty() {
		s.pipe.feed(req.payload)
	}
	h.mu.Lock()
	h.sessions[s.sid] = s
	h.mu.Unlock()
	s.log.Debug("BOSH session created", "wait", s.wait, "hold", s.hold)
	go func() {
		h.c2s.ServeStream(h.ctx, s.pipe, c2s.BOSHFraming{}, hopByHop(r.TLS), release)
		s.pipe.Close()
	}()
	select {
	case b := <-x.done:
		return b
	case <-r.Context().Done():
		return nil
	}
}

// hopByHop is the TLS a session runs over: encrypted, but each request
// may come on another connection, so nothing of one connection binds the
// session. Only tls-server-end-point, from our certificate, stays
// offered for channel binding.
func hopByHop(cs *tls.ConnectionState) *tls.ConnectionState {
	if cs == nil {
		return nil
	}
	return &tls.ConnectionState{HandshakeComplete: true, ServerName: cs.ServerName}
}

func (h *Handler) forget(s *session) {
	h.mu.Lock()
	if h.sessions[s.sid] == s {
		delete(h.sessions, s.sid)
	}
	h.mu.Unlock()
}

func addrOf(s string) net.Addr {
	a, err := net.ResolveTCPAddr("tcp", s)
	if err != nil {
		return &net.TCPAddr{}
	}
	return a
}

func randomID(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// hosts reports whether domain is one of the hosted domains.
func (h *Handler) hosts(domain string) bool {
	return domain == h.cfg.Domain || slices.Contains(h.cfg.Domains, domain)
}
