package s2s

import (
	"context"
	"errors"
	"time"

	"github.com/switchboard-xmpp/switchboard/core/stream"
	"github.com/switchboard-xmpp/switchboard/sdk/stanza"
)

// Bidirectional streams (XEP-0288): the server that opens a stream asks,
// before authenticating, that the other one send its own stanzas back on
// it. The receiving side then writes to the initiator's domain on the
// inbound stream instead of opening an outbound one; the initiating side
// reads stanzas on its outbound stream and routes them like an inbound
// stream's.
const (
	NSBidi        = "urn:xmpp:bidi"
	NSBidiFeature = "urn:xmpp:features:bidi"
)

// errStreamEnded is a write on a bidirectional inbound stream that is
// already closing.
var errStreamEnded = errors.New("the stream has ended")

// offerBidi makes c, an inbound stream the peer asked to be
// bidirectional, the way from the hosted domain local to the peer's
// domain, the pair it has just authenticated (XEP-0288 §2.2: only that
// pair's stanzas go back on it).
func (s *Server) offerBidi(local, domain string, c *inbound) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopping {
		return
	}
	s.bidi[pair{local, domain}] = c
}

// dropBidi forgets c as a way to any domain; called before c's done is
// closed, so that a new outbound for those domains does not pick c.
func (s *Server) dropBidi(c *inbound) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, in := range s.bidi {
		if in == c {
			delete(s.bidi, k)
		}
	}
}

// bidiFor is the bidirectional inbound stream from local to domain, nil
// when there is none.
func (s *Server) bidiFor(local, domain string) *inbound {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.bidi[pair{local, domain}]
}

// requestBidi is the peer's <bidi/>: allowed before authentication, on a
// secure stream unless TLS is optional (XEP-0288 §2.2).
func (c *inbound) requestBidi() error {
	switch {
	case !c.s.cfg.Bidi:
		return stream.NewError("unsupported-stanza-type", "bidirectional streams are not offered here")
	case c.authenticated() || c.sasl:
		return stream.NewError("policy-violation", "bidirectionality is asked for before authenticating")
	}
	if err := c.mayAuthenticate(); err != nil {
		return err
	}
	c.amu.Lock()
	c.bidi = true
	c.amu.Unlock()
	c.log.Debug("a remote server asked for a bidirectional stream")
	return nil
}

// writeVia sends what is queued for o's domain on c, a bidirectional
// stream the peer opened, until c ends (what is still queued then goes
// on a stream of its own) or the server shuts down. c's own idleness
// rule closes it; while stanzas go out it is not idle.
func (o *outbound) writeVia(ctx context.Context, c *inbound) {
	o.log.Info("sending to a remote server on the stream it opened (XEP-0288)")
	var buf []byte
	for {
		o.mu.Lock()
		batch := o.queue
		o.queue = nil
		o.mu.Unlock()
		if len(batch) > 0 {
			buf = buf[:0]
			for _, it := range batch {
				buf = append(buf, it.b...)
			}
			if err := c.writeOut(buf); err != nil {
				o.log.Warn("writing to a remote server on its stream failed; the stanzas not known to have arrived are bounced", "error", err)
				o.bounceAll(append(batch, o.end()...), stanza.Errorf(stanza.RemoteServerNotFound, "the stream to "+o.domain+" broke"))
				return
			}
			continue
		}
		select {
		case <-o.wake:
		case <-c.done:
			o.retry(o.end())
			return
		case <-ctx.Done():
			o.bounceAll(o.end(), errShutdown)
			return
		}
	}
}

// writeOut writes stanzas for the peer's domain on the inbound stream.
func (c *inbound) writeOut(b []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.closing {
		return errStreamEnded
	}
	c.nc.SetWriteDeadline(time.Now().Add(c.s.cfg.WriteTimeout))
	if _, err := c.nc.Write(b); err != nil {
		c.raw.Close()
		return err
	}
	c.raw.SetReadDeadline(time.Now().Add(c.s.cfg.IdleTimeout))
	return nil
}
