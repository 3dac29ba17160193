package s2s

import (
	"time"

	"github.com/switchboard-xmpp/switchboard/core/jidprep"
	"github.com/switchboard-xmpp/switchboard/core/router"
	"github.com/switchboard-xmpp/switchboard/core/session"
	"github.com/switchboard-xmpp/switchboard/core/stream"
	"github.com/switchboard-xmpp/switchboard/sdk/stanza"
)

var (
	errShutdown  = &stanza.Error{Type: stanza.Wait, Condition: stanza.RemoteServerTimeout, Text: "the server is shutting down"}
	errQueueFull = &stanza.Error{Type: stanza.Wait, Condition: stanza.ResourceConstraint, Text: "too many stanzas are waiting for this domain's server"}
)

// resend queues it for domain, on a stream made anew if there is none
// or the one there has ended.
func (s *Server) resend(local, domain string, it item) {
	for {
		s.mu.Lock()
		if s.stopping {
			s.mu.Unlock()
			s.bounce(it.b, errShutdown)
			return
		}
		o := s.out[pair{local, domain}]
		if o == nil {
			if e := s.retryLater(domain, time.Now()); e != nil {
				s.mu.Unlock()
				s.bounce(it.b, e)
				return
			}
			o = newOutbound(s, local, domain)
			s.out[pair{local, domain}] = o
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				o.run(s.ctx)
			}()
		}
		s.mu.Unlock()
		switch o.put(it) {
		case queued:
			return
		case full:
			s.log.Warn("a stanza for a remote domain was refused: its queue is full (s2s.queue)", "domain", domain, "queue", s.cfg.Queue)
			s.bounce(it.b, errQueueFull)
			return
		}
		s.forget(o)
	}
}

// bounce returns a stanza that could not be sent to its local sender as
// an error from the address it was for (RFC 6120 §8.3), routed as if the
// remote server had answered. Errors are never answered.
func (s *Server) bounce(b []byte, e *stanza.Error) {
	el, err := stream.ParseElement(b, s.cfg.Limits)
	if err != nil || el.Attr("type") == "error" {
		return
	}
	to, err := jidprep.Parse(el.Attr("to"))
	if err != nil {
		return
	}
	reply, err := stream.ParseElement(router.AppendError(nil, el, el.Attr("to"), el.Attr("from"), e), s.cfg.Limits)
	if err != nil {
		s.log.Error("building a bounce", "error", err)
		return
	}
	from := session.New("s2s", to, sink{s: s, domain: to.Domain})
	from.Secure.Store(true)
	s.router.RouteRemote(s.ctx, from, reply, nil)
}

// sink stands for a remote sender in the router: what the router answers
// it goes back through the outbound stream to its domain.
type sink struct {
	s      *Server
	domain string
}

func (k sink) Deliver(b []byte) bool {
	k.s.Send(k.domain, b)
	return true
}

func (k sink) DeliverShared(b []byte) bool { return k.Deliver(b) }

// Close is for client sessions; a remote sender has none to close.
func (sink) Close(*stream.Error) {}
