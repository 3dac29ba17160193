package s2s

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/switchboard-xmpp/switchboard/core/jidprep"
	"github.com/switchboard-xmpp/switchboard/core/limiter"
	"github.com/switchboard-xmpp/switchboard/core/session"
	"github.com/switchboard-xmpp/switchboard/core/stream"
)

// inbound is a stream another server opened to this one.
type inbound struct {
	s   *Server
	raw net.Conn // the socket
	nc  net.Conn // raw, or TLS over it
	dec *stream.Decoder
	log hclog.Logger

	id        string // of the current stream header
	claimed   string // the peer's header 'from'
	secure    bool
	peerCerts []*x509.Certificate
	sasl      bool // authenticated with SASL: the stream has restarted

	wmu       sync.Mutex // writes, and the fields below
	headerOut bool
	closing   bool

	amu       sync.Mutex
	authed    map[string]bool // domains the stream may send from
	verifying bool            // a dialback verification is under way
	bidi      bool            // the peer asked for a bidirectional stream

	directTLS bool // TLS starts the connection (XEP-0368)

	done chan struct{} // closed when the stream has ended
	// local is the hosted domain the peer's stream header addressed;
	// "" until one did.
	local string
}

// localDomain is the hosted domain the stream is to, the primary until
// the peer named one.
func (c *inbound) localDomain() string {
	if c.local == "" {
		return c.s.cfg.Domain
	}
	return c.local
}

func newInbound(s *Server, nc net.Conn) *inbound {
	if sh := limiter.NewShaper(s.cfg.RateBytes, s.cfg.RateBurst); sh != nil {
		nc = shapedConn{Conn: nc, shaper: sh}
	}
	return &inbound{s: s, raw: nc, nc: nc, dec: stream.NewDecoder(nc, s.cfg.Limits),
		log: s.log.With("remote", nc.RemoteAddr().String()), authed: map[string]bool{}, done: make(chan struct{})}
}

// shapedConn paces what a peer sends: reads wait while it is over its
// rate, and TCP pushes back on it.
type shapedConn struct {
	net.Conn
	shaper *limiter.Shaper
}

func (c shapedConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 {
		c.shaper.Consume(context.Background(), n)
	}
	return n, err
}

// serve negotiates the stream, then routes what the peer sends until
// the stream ends.
func (c *inbound) serve(ctx context.Context) {
	defer func() {
		c.s.dropBidi(c)
		close(c.done)
		c.nc.Close()
	}()
	setup := time.Now().Add(c.s.cfg.ConnectTimeout)
	c.raw.SetDeadline(setup)
	var err error
	if c.directTLS {
		err = c.handshake()
	}
	if err == nil {
		err = c.openStream()
	}
	var buf []byte
	for err == nil {
		if c.authenticated() {
			c.raw.SetReadDeadline(time.Now().Add(c.s.cfg.IdleTimeout))
		}
		var el *stream.Element
		if el, err = c.dec.Next(); err != nil {
			break
		}
		err = c.handle(ctx, el, &buf)
	}
	c.fail(err)
}

func (c *inbound) handle(ctx context.Context, el *stream.Element, buf *[]byte) error {
	switch el.Name {
	case stream.Name{Space: stream.NSTLS, Local: "starttls"}:
		return c.startTLS()
	case stream.Name{Space: stream.NSSASL, Local: "auth"}:
		return c.external(el)
	case stream.Name{Space: NSDialback, Local: "result"}:
		return c.dialbackResult(ctx, el)
	case stream.Name{Space: NSDialback, Local: "verify"}:
		return c.dialbackVerify(el)
	case stream.Name{Space: NSBidi, Local: "bidi"}:
		return c.requestBidi()
	case stream.Name{Space: NS, Local: "message"}, stream.Name{Space: NS, Local: "presence"}, stream.Name{Space: NS, Local: "iq"}:
		return c.stanza(ctx, el, buf)
	}
	return stream.NewError("unsupported-stanza-type", "unexpected <"+el.Name.Local+"/> in "+el.Name.Space)
}

// openStream reads the peer's header and answers it with this server's
// header and features.
func (c *inbound) openStream() error {
	h, err := c.dec.ReadHeader()
	if err != nil {
		return err
	}
	c.id = randomID()
	if to, err := jidprep.Parse(h.To); err == nil && to.Local == "" && to.Resource == "" && c.s.cfg.Hosted(to.Domain) {
		// Under wmu: close, from any goroutine, names it in a header.
		c.wmu.Lock()
		c.local = to.Domain
		c.wmu.Unlock()
	}
	c.write(appendHeader(nil, c.localDomain(), h.From, c.id))
	c.wmu.Lock()
	c.headerOut = true
	c.wmu.Unlock()
	if h.DefaultNS != NS {
		return stream.NewError("invalid-namespace", "a server's stream is in "+NS)
	}
	if h.To != "" {
		if to, err := jidprep.Parse(h.To); err != nil || to.Domain != c.local {
			return stream.NewError("host-unknown", h.To+" is not hosted here")
		}
	}
	if h.From != "" {
		from, err := jidprep.Parse(h.From)
		if err != nil || from.Local != "" || from.Resource != "" {
			return stream.NewError("invalid-from", "the stream's 'from' is not a domain")
		}
		if c.s.cfg.Local(from.Domain) {
			return stream.NewError("invalid-from", from.Domain+" is served here")
		}
		if err := c.permitted(from.Domain); err != nil {
			return err
		}
		c.claimed = from.Domain
	}
	c.write(c.features())
	return nil
}

// features lists what the peer may do next: STARTTLS first; then SASL
// EXTERNAL if its certificate proves the domain it claims, and dialback
// where allowed; nothing once it has authenticated with SASL.
func (c *inbound) features() []byte {
	b := []byte("<stream:features>")
	switch {
	case !c.secure:
		b = append(b, "<starttls xmlns='"+stream.NSTLS+"'>"...)
		if c.s.cfg.TLSRequired {
			b = append(b, "<required/>"...)
		}
		b = append(b, "</starttls>"...)
		if !c.s.cfg.TLSRequired && c.s.cfg.Dialback {
			b = append(b, "<dialback xmlns='"+NSDialbackFeature+"'><errors/></dialback>"...)
		}
		if !c.s.cfg.TLSRequired && c.s.cfg.Bidi {
			b = append(b, "<bidi xmlns='"+NSBidiFeature+"'/>"...)
		}
	case !c.sasl:
		if c.claimed != "" && c.s.verifyPeer(c.peerCerts, c.claimed, x509.ExtKeyUsageAny) == nil {
			b = append(b, "<mechanisms xmlns='"+stream.NSSASL+"'><mechanism>EXTERNAL</mechanism></mechanisms>"...)
		}
		if c.s.cfg.Dialback {
			b = append(b, "<dialback xmlns='"+NSDialbackFeature+"'><errors/></dialback>"...)
		}
		if c.s.cfg.Bidi && !c.authenticated() {
			b = append(b, "<bidi xmlns='"+NSBidiFeature+"'/>"...)
		}
	}
	return append(b, "</stream:features>"...)
}

func (c *inbound) startTLS() error {
	if c.secure {
		return stream.NewError("policy-violation", "TLS is already established")
	}
	c.write([]byte("<proceed xmlns='" + stream.NSTLS + "'/>"))
	if err := c.handshake(); err != nil {
		return err
	}
	return c.openStream()
}

// handshake runs TLS as the server, after STARTTLS or, on a direct TLS
// listener, before anything else.
func (c *inbound) handshake() error {
	tc := tls.Server(c.raw, c.s.serverTLS())
	if err := tc.Handshake(); err != nil {
		return fmt.Errorf("TLS handshake: %w", err)
	}
	c.wmu.Lock()
	c.nc, c.secure = tc, true
	c.headerOut = false
	c.wmu.Unlock()
	c.peerCerts = tc.ConnectionState().PeerCertificates
	c.dec.Reset(tc)
	return nil
}

// serverTLS is the server's TLS configuration, asking peers for their
// certificate (checked against their claimed domain, not here).
func (s *Server) serverTLS() *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		ClientAuth: tls.RequestClientCert,
		// XEP-0368 §4: direct TLS peers name the protocol; a peer that
		// names none is served as well.
		NextProtos: []string{alpnServer},
		GetCertificate: func(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
			return s.cfg.Certificate(hello.ServerName), nil
		},
	}
}

// mayAuthenticate is the rule before any authentication: a secure
// stream, unless TLS is optional.
func (c *inbound) mayAuthenticate() error {
	if !c.secure && c.s.cfg.TLSRequired {
		return stream.NewError("policy-violation", "STARTTLS first")
	}
	return nil
}

// external is SASL EXTERNAL (RFC 6120 §6.4, XEP-0178): the certificate
// must prove the domain the header claims, and the authorization
// identity, if any, must be that domain.
func (c *inbound) external(el *stream.Element) error {
	if err := c.mayAuthenticate(); err != nil {
		return err
	}
	if c.sasl {
		return stream.NewError("policy-violation", "already authenticated")
	}
	if el.Attr("mechanism") != "EXTERNAL" {
		c.write([]byte("<failure xmlns='" + stream.NSSASL + "'><invalid-mechanism/></failure>"))
		return nil
	}
	authz := ""
	if t := el.Text(); t != "" && t != "=" {
		b, err := base64.StdEncoding.DecodeString(t)
		if err != nil {
			c.write([]byte("<failure xmlns='" + stream.NSSASL + "'><incorrect-encoding/></failure>"))
			return nil
		}
		authz = string(b)
	}
	if authz != "" && authz != c.claimed {
		c.write([]byte("<failure xmlns='" + stream.NSSASL + "'><invalid-authzid/></failure>"))
		return nil
	}
	if c.claimed == "" {
		c.write([]byte("<failure xmlns='" + stream.NSSASL + "'><not-authorized/></failure>"))
		return nil
	}
	if err := c.s.verifyPeer(c.peerCerts, c.claimed, x509.ExtKeyUsageAny); err != nil {
		c.log.Warn("a server's certificate does not prove its domain: SASL EXTERNAL refused", "domain", c.claimed, "error", err)
		c.write([]byte("<failure xmlns='" + stream.NSSASL + "'><not-authorized/></failure>"))
		return nil
	}
	if err := c.roomFor(c.claimed); err != nil {
		return err
	}
	c.write([]byte("<success xmlns='" + stream.NSSASL + "'/>"))
	c.grant(c.localDomain(), c.claimed, "SASL EXTERNAL")
	c.sasl = true
	c.dec.Restart()
	return c.openStream()
}

// permitted refuses a peer domain that s2s.allow or s2s.deny excludes.
func (c *inbound) permitted(domain string) error {
	if c.s.cfg.Policy.Permits(domain) {
		return nil
	}
	c.log.Info("a remote server refused by s2s.allow or s2s.deny", "domain", domain)
	return stream.NewError("policy-violation", "this server does not federate with "+domain)
}

// roomFor refuses to authenticate one more stream for domain when
// MaxPerDomain are already: a peer needs one or two, and more only tie up
// this server.
func (c *inbound) roomFor(domain string) error {
	if c.s.cfg.MaxPerDomain <= 0 {
		return nil
	}
	n := 0
	c.s.mu.Lock()
	for in := range c.s.in {
		if in != c && in.authenticatedAs(domain) {
			n++
		}
	}
	c.s.mu.Unlock()
	if n < c.s.cfg.MaxPerDomain {
		return nil
	}
	c.log.Warn("a remote server opened more streams than s2s.max_streams_per_domain; refused", "domain", domain, "streams", n)
	return stream.NewError("policy-violation", "too many streams from "+domain)
}

// grant authenticates the stream for the pair local (a hosted domain)
// and domain, the peer's.
func (c *inbound) grant(local, domain, how string) {
	c.amu.Lock()
	c.authed[domain] = true
	bidi := c.bidi
	c.amu.Unlock()
	if bidi {
		c.s.offerBidi(local, domain, c)
	}
	// The reader may be waiting under the set-up deadline (dialback
	// answers come from another goroutine): from now on it is idleness
	// that ends the stream.
	c.raw.SetReadDeadline(time.Now().Add(c.s.cfg.IdleTimeout))
	c.log.Info("a remote server authenticated", "domain", domain, "auth", how, "bidi", bidi)
}

func (c *inbound) authenticated() bool {
	c.amu.Lock()
	defer c.amu.Unlock()
	return len(c.authed) > 0
}

func (c *inbound) authenticatedAs(domain string) bool {
	c.amu.Lock()
	defer c.amu.Unlock()
	return c.authed[domain]
}

// stanza routes a stanza from the peer: it must come from a domain the
// stream authenticated and go to one this server serves.
func (c *inbound) stanza(ctx context.Context, el *stream.Element, buf *[]byte) error {
	if !c.authenticated() {
		return stream.NewError("not-authorized", "authenticate first")
	}
	return c.s.fromPeer(ctx, el, buf, peerStream{id: c.id, secure: c.secure, log: c.log, mayFrom: c.authenticatedAs})
}

// peerStream is what the rules for a stanza from another server need to
// know of the stream it came on.
type peerStream struct {
	id      string
	secure  bool
	log     hclog.Logger
	mayFrom func(domain string) bool // the domains the stream is authenticated for
}

// fromPeer routes a stanza another server sent, inbound or on a
// bidirectional outbound stream: from a domain the stream is
// authenticated for, to one this server serves.
func (s *Server) fromPeer(ctx context.Context, el *stream.Element, buf *[]byte, ps peerStream) error {
	from, err := jidprep.Parse(el.Attr("from"))
	if err != nil {
		return stream.NewError("improper-addressing", "a stanza between servers needs a valid 'from'")
	}
	if !ps.mayFrom(from.Domain) {
		ps.log.Warn("a remote server sent a stanza from a domain it did not authenticate", "from", from.Domain)
		return stream.NewError("invalid-from", "this stream is not authenticated for "+from.Domain)
	}
	to, err := jidprep.Parse(el.Attr("to"))
	if err != nil {
		return stream.NewError("improper-addressing", "a stanza between servers needs a valid 'to'")
	}
	if !s.cfg.Local(to.Domain) {
		return stream.NewError("host-unknown", to.Domain+" is not served here")
	}
	client, err := toClient(el, s.cfg.Limits)
	if err != nil {
		return stream.NewError("invalid-xml", "a stanza that does not stand alone: "+err.Error())
	}
	sender := session.New(ps.id, from, sink{s: s, domain: from.Domain})
	sender.Secure.Store(ps.secure)
	*buf = s.router.RouteRemote(ctx, sender, client, *buf)
	return nil
}

// write sends b, within the write timeout; a failed write closes the
// socket, which ends the reader.
func (c *inbound) write(b []byte) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.writeLocked(b)
}

func (c *inbound) writeLocked(b []byte) {
	c.nc.SetWriteDeadline(time.Now().Add(c.s.cfg.WriteTimeout))
	if _, err := c.nc.Write(b); err != nil {
		c.log.Debug("writing to a remote server failed", "error", err)
		c.raw.Close()
	}
}

// fail ends the stream because of err: a stream error, the peer's own
// close answered, or nothing on a broken connection.
func (c *inbound) fail(err error) {
	var se *stream.Error
	switch {
	case errors.As(err, &se):
		c.log.Debug("closing a server's stream with an error", "condition", se.Condition, "text", se.Text)
		c.close(se)
	case errors.Is(err, io.EOF):
		c.close(nil)
	default:
		c.log.Debug("server connection lost", "error", err)
		c.close(nil)
	}
}

// close writes the end of the stream, with err when not nil. A peer
// that does not close its side is not waited for.
func (c *inbound) close(err *stream.Error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.closing {
		return
	}
	c.closing = true
	var b []byte
	if !c.headerOut {
		b = appendHeader(b, c.localDomain(), "", randomID())
	}
	if err != nil {
		b = stream.AppendError(b, err)
	}
	b = append(b, stream.Close...)
	c.writeLocked(b)
	c.raw.SetReadDeadline(time.Now().Add(c.s.cfg.WriteTimeout))
}
