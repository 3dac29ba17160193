package c2s

import (
	"crypto/tls"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/switchboard-xmpp/switchboard/core/jidprep"
	"github.com/switchboard-xmpp/switchboard/core/stream"
)

// openStream reads the client's stream header and answers with ours and the
// features for the current state (RFC 6120 §4.2 and §4.3).
func (c *Conn) openStream() error {
	h, err := c.dec.ReadHeader()
	if err != nil {
		return err
	}
	c.lang = h.Lang
	if c.lang == "" {
		c.lang = "en"
	}
	c.streamID = randomID(8)
	c.mu.Lock()
	c.headerSent = true
	c.mu.Unlock()
	// A buffer of its own, not c.buf: the features are the longest thing
	// most sessions are sent, and c.buf would keep their size for life.
	err = c.pickDomain(h.To)
	b := c.framing.appendOpen(nil, stream.Header{From: c.domain, To: h.From, ID: c.streamID, Version: "1.0", Lang: c.lang})
	if err == nil {
		err = checkHeader(h)
	}
	if err != nil {
		if e := c.send(b); e != nil {
			return e
		}
		return err
	}
	return c.send(c.appendFeatures(b))
}

func checkHeader(h stream.Header) error {
	if h.DefaultNS != stream.NSClient {
		return stream.NewError("invalid-namespace", "the default namespace must be jabber:client")
	}
	if !strings.HasPrefix(h.Version, "1.") {
		return stream.NewError("unsupported-version", "XMPP 1.0 is required")
	}
	return nil
}

// pickDomain makes the hosted domain that the header's to names the
// stream's (none: the one it had, at first the primary). A domain not
// hosted here is host-unknown (RFC 6120 §4.9.3.6), and so is another one
// than the authenticated account's after a restart.
func (c *Conn) pickDomain(raw string) error {
	if raw == "" {
		return nil
	}
	to, err := jidprep.Parse(raw)
	if err != nil || to.Local != "" || to.Resource != "" || !c.srv.hosts(to.Domain) {
		return stream.NewError("host-unknown", fmt.Sprintf("this server does not serve %s", raw))
	}
	if c.username != "" && to.Domain != c.domain {
		return stream.NewError("host-unknown", fmt.Sprintf("this stream is authenticated for %s", c.domain))
	}
	c.domain = to.Domain
	return nil
}

// startTLS answers <starttls/> (RFC 6120 §5.4.2): <proceed/>, the handshake,
// and a stream restart.
func (c *Conn) startTLS() error {
	if c.state&stateSecure != 0 || c.srv.cfg.TLS == nil {
		if err := c.send([]byte("<failure xmlns='" + stream.NSTLS + "'/>")); err != nil {
			return err
		}
		return stream.NewError("policy-violation", "TLS cannot be negotiated on this stream")
	}
	if err := c.send([]byte("<proceed xmlns='" + stream.NSTLS + "'/>")); err != nil {
		return err
	}
	if !c.dec.BufferedIsSpace() {
		// Anything but whitespace the client sent after <starttls/> would
		// be plaintext injected into what becomes the encrypted stream
		// (CVE-2011-0411). Whitespace between elements carries nothing:
		// go-xmpp ends every element with a newline.
		return stream.NewError("policy-violation", "data sent after starttls before the TLS handshake")
	}
	if err := c.handshake(true); err != nil {
		c.log.Debug("STARTTLS handshake failed", "error", err)
		return err
	}
	c.dec.Reset(deadlineReader{c})
	c.restart = true
	return nil
}

// handshake runs the server side of the TLS handshake over the raw socket,
// within the handshake timeout, and from then on reads and writes through
// TLS. After STARTTLS, whitespace the client sent after <starttls/> that
// arrives only now (in a segment of its own) is skipped: a ClientHello
// never starts with it.
func (c *Conn) handshake(afterStartTLS bool) error {
	var tc *tls.Conn
	err := c.out.drain(func(raw net.Conn) net.Conn {
		if afterStartTLS {
			raw = &spaceSkipper{Conn: raw}
		}
		tc = tls.Server(raw, c.srv.cfg.TLS)
		return tc
	})
	if err != nil {
		return err
	}
	c.raw.SetDeadline(time.Now().Add(c.srv.cfg.HandshakeTimeout))
	if err := tc.Handshake(); err != nil {
		return fmt.Errorf("TLS handshake: %w", err)
	}
	c.raw.SetWriteDeadline(time.Time{})
	c.raw.SetReadDeadline(c.preauthDeadline)
	c.conn = tc
	c.state |= stateSecure
	cs := tc.ConnectionState()
	c.tlsState = &cs
	c.log.Debug("TLS established", "version", tls.VersionName(cs.Version), "cipher", tls.CipherSuiteName(cs.CipherSuite))
	return nil
}

// spaceSkipper drops the XML whitespace a client sent after <starttls/>
// that arrives after we answered it, up to the first other byte: the
// start of the TLS handshake.
type spaceSkipper struct {
	net.Conn
	started bool
}

func (s *spaceSkipper) Read(p []byte) (int, error) {
	for !s.started {
		n, err := s.Conn.Read(p)
		i := 0
		for i < n && isXMLSpace(p[i]) {
			i++
		}
		if i < n {
			s.started = true
			return copy(p, p[i:n]), err
		}
		if err != nil {
			return 0, err
		}
	}
	return s.Conn.Read(p)
}

func isXMLSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }
