package s2s

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/switchboard-xmpp/switchboard/core/jidprep"
	"github.com/switchboard-xmpp/switchboard/core/stream"
)

// dialbackKey is the key this server, as the originating server, sends
// for a stream it opened to receiving with the stream id the receiving
// server gave (XEP-0185 §3): HMAC-SHA256 keyed with the SHA-256 of a
// secret of the process, over "receiving originating id", in hex.
func (s *Server) dialbackKey(receiving, originating, id string) string {
	k := sha256.Sum256(s.secret)
	m := hmac.New(sha256.New, []byte(hex.EncodeToString(k[:])))
	fmt.Fprintf(m, "%s %s %s", receiving, originating, id)
	return hex.EncodeToString(m.Sum(nil))
}

// checkDialbackKey answers <db:verify/> as the authoritative server:
// whether key is the one this process gave for that stream.
func (s *Server) checkDialbackKey(receiving, originating, id, key string) bool {
	want := s.dialbackKey(receiving, originating, id)
	return subtle.ConstantTimeCompare([]byte(want), []byte(key)) == 1
}

// verifyDialback is the receiving server's half of dialback (XEP-0220
// §2.2): it asks the authoritative server of originating, on a
// connection of its own, whether key is what it gave for the stream it
// opened to this server's domain receiving with that id.
func (s *Server) verifyDialback(ctx context.Context, receiving, originating, id, key string) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.ConnectTimeout)
	defer cancel()
	p, err := s.connect(ctx, receiving, originating)
	if err != nil {
		return false, err
	}
	defer p.nc.Close()
	if d, ok := ctx.Deadline(); ok {
		p.nc.SetDeadline(d)
	}
	if _, err := p.nc.Write(dialbackElement("verify", [][2]string{{"from", receiving}, {"to", originating}, {"id", id}}, key)); err != nil {
		return false, fmt.Errorf("sending db:verify to %s: %w", originating, err)
	}
	for {
		el, err := p.dec.Next()
		if err != nil {
			return false, fmt.Errorf("waiting for %s to answer db:verify: %w", originating, err)
		}
		if el.Name != (stream.Name{Space: NSDialback, Local: "verify"}) || el.Attr("id") != id {
			continue
		}
		p.nc.SetWriteDeadline(time.Now().Add(s.cfg.WriteTimeout))
		p.nc.Write([]byte(stream.Close))
		return el.Attr("type") == "valid", nil
	}
}

// dialbackResult is the receiving server's side of <db:result/> (XEP-0220
// §2.1): the peer claims a domain with a key, which the domain's
// authoritative server must confirm. A certificate that proves the
// domain confirms it at once (as XEP-0344 allows). One verification runs
// at a time per stream.
func (c *inbound) dialbackResult(ctx context.Context, el *stream.Element) error {
	if !c.s.cfg.Dialback {
		return stream.NewError("unsupported-stanza-type", "dialback is not allowed here")
	}
	if err := c.mayAuthenticate(); err != nil {
		return err
	}
	from, err := jidprep.Parse(el.Attr("from"))
	if err != nil || from.Local != "" || from.Resource != "" {
		return stream.NewError("improper-addressing", "db:result needs the originating domain in 'from'")
	}
	receiving := el.Attr("to")
	if !c.s.cfg.Hosted(receiving) {
		return stream.NewError("host-unknown", receiving+" is not hosted here")
	}
	if c.s.cfg.Local(from.Domain) {
		return stream.NewError("invalid-from", from.Domain+" is served here")
	}
	if err := c.permitted(from.Domain); err != nil {
		return err
	}
	originating, key := from.Domain, el.Text()
	if err := c.roomFor(originating); err != nil {
		return err
	}
	if c.s.verifyPeer(c.peerCerts, originating, x509.ExtKeyUsageAny) == nil {
		c.grant(receiving, originating, "dialback, certificate")
		c.write(dialbackElement("result", [][2]string{{"from", receiving}, {"to", originating}, {"type", "valid"}}, ""))
		return nil
	}
	c.amu.Lock()
	busy := c.verifying
	c.verifying = true
	c.amu.Unlock()
	if busy {
		return stream.NewError("policy-violation", "one dialback request at a time")
	}
	id := c.id
	go func() {
		ok, err := c.s.verifyDialback(ctx, receiving, originating, id, key)
		typ := "invalid"
		switch {
		case err != nil:
			c.log.Warn("cannot verify a remote server's dialback key; refused", "domain", originating, "error", err)
		case !ok:
			c.log.Warn("a remote server's dialback key is not confirmed by its domain; refused", "domain", originating)
		default:
			typ = "valid"
			c.grant(receiving, originating, "dialback")
		}
		c.amu.Lock()
		c.verifying = false
		c.amu.Unlock()
		c.write(dialbackElement("result", [][2]string{{"from", receiving}, {"to", originating}, {"type", typ}}, ""))
	}()
	return nil
}

// dialbackVerify answers <db:verify/> as the authoritative server
// (XEP-0220 §2.3): is this the key this server gave for the stream it
// opened, with that id, to the asking server?
func (c *inbound) dialbackVerify(el *stream.Element) error {
	if err := c.mayAuthenticate(); err != nil {
		return err
	}
	receiving, originating, id := el.Attr("from"), el.Attr("to"), el.Attr("id")
	typ := "invalid"
	if c.s.cfg.Hosted(originating) && id != "" && c.s.checkDialbackKey(receiving, originating, id, el.Text()) {
		typ = "valid"
	}
	c.write(dialbackElement("verify", [][2]string{{"from", originating}, {"to", receiving}, {"id", id}, {"type", typ}}, ""))
	return nil
}
