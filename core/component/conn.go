package component

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/switchboard-xmpp/switchboard/core/jidprep"
	"github.com/switchboard-xmpp/switchboard/core/router"
	"github.com/switchboard-xmpp/switchboard/core/stream"
	"github.com/switchboard-xmpp/switchboard/sdk/stanza"
)

// conn is one component connection.
type conn struct {
	srv    *Server
	nc     net.Conn
	log    hclog.Logger
	domain string // once authenticated

	out       chan []byte // stanzas to write, in order
	mu        sync.Mutex  // guards closing, headerSent and the final write
	closing   bool
	headerOut bool
	done      chan struct{} // closed when the writer has stopped
}

func newConn(s *Server, nc net.Conn) *conn {
	return &conn{srv: s, nc: nc, log: s.log.With("remote", nc.RemoteAddr().String()), out: make(chan []byte, max(s.cfg.Queue, 1)), done: make(chan struct{})}
}

// serve runs the handshake (XEP-0114 §3), then routes what the component
// sends until its stream ends.
func (c *conn) serve(ctx context.Context) {
	defer c.nc.Close()
	go c.write()
	c.nc.SetDeadline(time.Now().Add(c.srv.cfg.HandshakeTimeout))
	dec := stream.NewDecoder(c.nc, c.srv.cfg.Limits)
	detach, err := c.handshake(dec)
	if err != nil {
		c.fail(err)
		return
	}
	defer detach()
	c.nc.SetDeadline(time.Time{})
	c.log.Info("component connected", "domain", c.domain)
	defer c.log.Info("component disconnected", "domain", c.domain)
	var buf []byte
	for {
		el, err := dec.Next()
		if err != nil {
			c.fail(err)
			return
		}
		if buf, err = c.route(ctx, el, buf); err != nil {
			c.fail(err)
			return
		}
	}
}

// handshake reads the header and <handshake/>: the hex SHA-1 of the stream
// id followed by the secret of the domain the header names.
func (c *conn) handshake(dec *stream.Decoder) (detach func(), err error) {
	h, err := dec.ReadHeader()
	if err != nil {
		return nil, err
	}
	if h.DefaultNS != NS {
		return nil, stream.NewError("invalid-namespace", "a component's stream is in "+NS)
	}
	// Secrets are keyed by prepared domains, as the configuration checks.
	to, err := jidprep.Parse(h.To)
	secret, ok := c.srv.cfg.Secrets[to.Domain]
	if err != nil || to.Local != "" || to.Resource != "" || !ok {
		return nil, stream.NewError("host-unknown", "no component is configured for "+h.To)
	}
	domain := to.Domain
	id := randomID()
	c.sendHeader(domain, id)
	el, err := dec.Next()
	if err != nil {
		return nil, err
	}
	if el.Name != (stream.Name{Space: NS, Local: "handshake"}) {
		return nil, stream.NewError("not-authorized", "handshake first")
	}
	sum := sha1.Sum([]byte(id + secret))
	want := hex.EncodeToString(sum[:])
	if subtle.ConstantTimeCompare([]byte(strings.ToLower(strings.TrimSpace(el.Text()))), []byte(want)) != 1 {
		c.log.Warn("component refused: wrong handshake", "domain", domain)
		return nil, stream.NewError("not-authorized", "wrong handshake")
	}
	// Attached and answered under the lock that Deliver takes, so that no
	// stanza routed to the new domain goes out ahead of <handshake/>.
	c.mu.Lock()
	defer c.mu.Unlock()
	detach, err = c.srv.registry.AttachComponent(domain, domain, c)
	if err != nil {
		c.log.Warn("component refused", "domain", domain, "error", err)
		return nil, stream.NewError("conflict", err.Error())
	}
	c.domain = domain
	c.deliverLocked([]byte("<handshake/>"))
	return detach, nil
}

// route hands a stanza from the component to the router: it must come
// from a JID of the component's domain.
func (c *conn) route(ctx context.Context, el *stream.Element, buf []byte) ([]byte, error) {
	switch el.Name.Local {
	case "message", "presence", "iq":
	default:
		return buf, stream.NewError("unsupported-stanza-type", "unknown element <"+el.Name.Local+"/>")
	}
	from, err := jidprep.Parse(el.Attr("from"))
	if err != nil || from.Domain != c.domain {
		return buf, stream.NewError("invalid-from", "a component's stanzas come from its own domain, "+c.domain)
	}
	// The stanza leaves the component's namespace for the clients'.
	raw := bytes.Replace(el.Raw, []byte(" xmlns='"+NS+"'"), nil, 1)
	raw = bytes.Replace(raw, []byte(` xmlns="`+NS+`"`), nil, 1)
	client, err := stream.ParseElement(raw, c.srv.cfg.Limits)
	if err != nil {
		return buf, stream.NewError("invalid-xml", "a stanza that does not stand alone: "+err.Error())
	}
	out, err := c.srv.router.Deliver(ctx, client, buf)
	if err != nil {
		c.log.Debug("component sent an undeliverable stanza", "error", err)
		if t := el.Attr("type"); el.Name.Local == "iq" && (t == "get" || t == "set") {
			c.Deliver(router.AppendError(nil, client, el.Attr("to"), el.Attr("from"), stanza.Errorf(stanza.ServiceUnavailable, "a component reaches this server's users only")))
		}
		return buf, nil
	}
	return out, nil
}

// Deliver implements the registry's component: it queues b for the
// component, false when the queue is full or the stream is closing.
func (c *conn) Deliver(b []byte) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.deliverLocked(b)
}

func (c *conn) deliverLocked(b []byte) bool {
	if c.closing {
		return false
	}
	select {
	case c.out <- bytes.Clone(b):
		return true
	default:
		c.log.Warn("component does not read: a stanza for it was refused", "domain", c.domain, "queue", cap(c.out))
		return false
	}
}

// write sends queued stanzas in order until the queue is closed.
func (c *conn) write() {
	defer close(c.done)
	for b := range c.out {
		c.nc.SetWriteDeadline(time.Now().Add(c.srv.cfg.WriteTimeout))
		if _, err := c.nc.Write(b); err != nil {
			c.log.Debug("writing to a component failed", "error", err)
			c.nc.Close()
			for range c.out {
			}
			return
		}
	}
}

func (c *conn) sendHeader(domain, id string) {
	c.mu.Lock()
	c.headerOut = true
	c.mu.Unlock()
	b := []byte("<?xml version='1.0'?><stream:stream xmlns='" + NS + "' xmlns:stream='" + stream.NSStream + "' from='")
	b = stream.AppendEscapedAttr(b, domain)
	b = append(b, "' id='"+id+"'>"...)
	c.Deliver(b)
}

// fail ends the stream because of err: a stream error, or the client's
// own close answered, or nothing on a broken connection.
func (c *conn) fail(err error) {
	var se *stream.Error
	switch {
	case errors.As(err, &se):
		c.log.Debug("closing a component's stream with an error", "condition", se.Condition, "text", se.Text)
		c.close(se)
	case errors.Is(err, io.EOF):
		c.close(nil)
	default:
		c.log.Debug("component connection lost", "error", err)
		c.close(nil)
	}
	select {
	case <-c.done:
	case <-time.After(c.srv.cfg.WriteTimeout):
	}
}

// close queues the end of the stream, with err when not nil, and lets
// the writer finish.
func (c *conn) close(err *stream.Error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closing {
		return
	}
	c.closing = true
	var b []byte
	if !c.headerOut {
		b = append(b, "<?xml version='1.0'?><stream:stream xmlns='"+NS+"' xmlns:stream='"+stream.NSStream+"'>"...)
	}
	if err != nil {
		b = stream.AppendError(b, err)
	}
	b = append(b, stream.Close...)
	select {
	case c.out <- b:
	default:
	}
	close(c.out)
	// A component that does not close its side is not waited for.
	c.nc.SetReadDeadline(time.Now().Add(c.srv.cfg.WriteTimeout))
}

func randomID() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}
