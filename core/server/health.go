package server

import (
	"bufio"
	"crypto/tls"
	"net"
	"strings"
	"time"
)

// healthTimeout bounds Accepting's whole exchange.
const healthTimeout = 5 * time.Second

// Accepting reports whether the first client listener answers a stream
// header now: what a supervisor's watchdog asks of a server that may have
// hung. A connection alone would not show it (the kernel completes the
// handshake without the server); the answer shows the accept loop, a
// connection's goroutine and the parser at work. The connection is closed
// as soon as the server's header arrives.
func (s *Server) Accepting() bool {
	addrs := s.Addrs()
	if len(addrs) == 0 {
		return true // no client listener: nothing that could hang
	}
	c, err := net.DialTimeout("tcp", addrs[0].String(), healthTimeout)
	if err != nil {
		return false
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(healthTimeout))
	if s.cfg.Listen.C2S == "" { // the first listener is direct TLS
		// The server is talking to itself: its own certificate is not in
		// question here.
		tc := tls.Client(c, &tls.Config{InsecureSkipVerify: true, ServerName: s.cfg.Domain})
		if tc.Handshake() != nil {
			return false
		}
		c = tc
	}
	header := "<?xml version='1.0'?><stream:stream to='" + s.cfg.Domain + "' version='1.0' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>"
	if _, err := c.Write([]byte(header)); err != nil {
		return false
	}
	r := bufio.NewReader(c)
	var seen strings.Builder
	for !strings.Contains(seen.String(), "<stream:stream") {
		b, err := r.ReadByte()
		if err != nil || seen.Len() > 4096 {
			return false
		}
		seen.WriteByte(b)
	}
	c.Write([]byte("</stream:stream>"))
	return true
}
