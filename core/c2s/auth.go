package c2s

import (
	"context"
	"encoding/base64"
	"errors"

	"github.com/switchboard-xmpp/switchboard/core/limiter"
	"github.com/switchboard-xmpp/switchboard/core/sasl"
	"github.com/switchboard-xmpp/switchboard/core/stream"
)

// saslExchange is an authentication in progress.
type saslExchange struct {
	name string // the mechanism's
	neg  sasl.Negotiation
	ht   *sasl.HTNegotiation // neg, when a FAST token is used
	v2   *sasl2Request       // nil for RFC 6120 SASL
}

func (c *Conn) saslState() sasl.ConnState {
	cs := sasl.ConnState{Domain: c.domain, TLS: c.tlsState}
	if c.tlsState != nil && c.srv.cfg.Certificate != nil {
		cs.ServerCert = c.srv.cfg.Certificate(c.tlsState.ServerName)
	}
	return cs
}

// negotiationState is saslState with the mechanisms offered, which SCRAM
// signs (XEP-0474).
func (c *Conn) negotiationState() sasl.ConnState {
	cs := c.saslState()
	for _, m := range c.mechanisms() {
		cs.Offered = append(cs.Offered, m.Name())
	}
	return cs
}

// mechanisms are the configured mechanisms this connection may use.
func (c *Conn) mechanisms() []sasl.Mechanism {
	cs := c.saslState()
	var ms []sasl.Mechanism
	for _, m := range c.srv.cfg.Mechanisms {
		if m.Available(cs) {
			ms = append(ms, m)
		}
	}
	return ms
}

// handleSASL runs RFC 6120 §6.4 for <auth/>, <response/> and <abort/>.
func (c *Conn) handleSASL(ctx context.Context, el *stream.Element) error {
	if c.state&stateAuthenticated != 0 {
		return stream.NewError("policy-violation", "the stream is already authenticated")
	}
	c.sasl2 = false
	switch el.Name.Local {
	case "auth":
		return c.saslAuth(ctx, el)
	case "response":
		if c.exchange == nil || c.exchange.v2 != nil {
			c.exchange = nil
			return c.saslFail(&sasl.Failure{Condition: "malformed-request", Text: "no authentication in progress"})
		}
		return c.saslStep(ctx, el.Text())
	case "abort":
		c.exchange = nil
		return c.saslFail(&sasl.Failure{Condition: "aborted"})
	}
	return stream.NewError("unsupported-stanza-type", "unknown SASL element "+el.Name.Local)
}

func (c *Conn) saslAuth(ctx context.Context, el *stream.Element) error {
	c.exchange = nil
	c.sasl2 = false
	if !c.saslAllowed() {
		return c.saslFail(&sasl.Failure{Condition: "encryption-required", Text: "use STARTTLS first"})
	}
	name := el.Attr("mechanism")
	cs := c.negotiationState()
	for _, m := range c.mechanisms() {
		if m.Name() == name {
			c.exchange = &saslExchange{name: name, neg: m.Start(cs, c.srv.cfg.Credentials(c.domain))}
			return c.saslStep(ctx, el.Text())
		}
	}
	return c.saslFail(&sasl.Failure{Condition: "invalid-mechanism", Text: "mechanism not offered"})
}

// saslStep feeds the mechanism the client's base64 message.
func (c *Conn) saslStep(ctx context.Context, text string) error {
	in, err := decodeSASL(text)
	if err != nil {
		c.exchange = nil
		return c.saslFail(&sasl.Failure{Condition: "incorrect-encoding"})
	}
	neg := c.exchange.neg
	var att *limiter.Attempt
	if account, tests := neg.Testing(in); tests {
		if att, err = c.admit(ctx, account); err != nil {
			c.exchange = nil
			return c.refuse(err)
		}
	}
	out, done, err := neg.Step(ctx, in)
	if err != nil {
		var f *sasl.Failure
		if !errors.As(err, &f) {
			f = &sasl.Failure{Condition: "temporary-auth-failure", Err: err}
		}
		if f.Condition == "temporary-auth-failure" {
			c.log.Error("authentication could not be checked", "mechanism", c.exchange.name, "error", err)
		}
		attempted := neg.Attempted()
		c.srv.cfg.Metrics.Login(c.exchange.name, false)
		c.exchange = nil
		if f.Condition != "not-authorized" || f.Negotiation {
			att.Abandon()
		} else if err := c.penalize(ctx, att, attempted); err != nil {
			return err
		}
		return c.saslFail(f)
	}
	if !done {
		att.Abandon()
		return c.send(c.appendSASL(c.buf[:0], "challenge", out))
	}
	ex := c.exchange
	c.username = neg.Username()
	c.log.Debug("authenticated", "user", c.username, "mechanism", c.exchange.name)
	c.loggedIn(ctx, att)
	c.srv.cfg.Metrics.Login(c.exchange.name, true)
	c.exchange = nil
	c.state |= stateAuthenticated
	c.tlsState = nil // only SASL (channel binding) needed it; it holds key material
	if ex.v2 != nil {
		return c.sasl2Success(ctx, ex, out)
	}
	if err := c.send(c.appendSASL(c.buf[:0], "success", out)); err != nil {
		return err
	}
	c.dec.Restart()
	c.setLimits(c.srv.cfg.Limits)
	c.restart = true
	return nil
}

// refuse answers an attempt that Admit did not let through: no password
// was tested, and the client is told when to come back.
func (c *Conn) refuse(err error) error {
	var r *limiter.Refused
	if !errors.As(err, &r) {
		return err // the client left, or the server is shutting down
	}
	c.log.Debug("authentication refused untested", "reason", r.Reason, "retry_after", r.RetryAfter)
	return c.saslFail(&sasl.Failure{Condition: "temporary-auth-failure", Text: r.Error()})
}

// saslFail reports a failure; too many of them end the stream (RFC 6120
// §6.4.5).
func (c *Conn) saslFail(f *sasl.Failure) error {
	var b []byte
	if c.sasl2 {
		// XEP-0388 §2.6: the RFC 6120 condition, in its namespace.
		b = append(c.buf[:0], "<failure xmlns='"+nsSASL2+"'><"...)
		b = append(b, f.Condition...)
		b = append(b, " xmlns='"+stream.NSSASL+"'/>"...)
	} else {
		b = append(c.buf[:0], "<failure xmlns='"+stream.NSSASL+"'><"...)
		b = append(b, f.Condition...)
		b = append(b, "/>"...)
	}
	if f.Text != "" {
		b = append(b, "<text xml:lang='en'>"...)
		b = stream.AppendEscapedText(b, f.Text)
		b = append(b, "</text>"...)
	}
	b = append(b, "</failure>"...)
	c.buf = b
	if err := c.send(b); err != nil {
		return err
	}
	if f.Condition == "aborted" {
		return nil
	}
	if errors.Is(f.Err, sasl.ErrNoKeys) {
		c.log.Warn("a client asked for a SCRAM hash the account has no keys for; "+
			"it logs in with another mechanism, or after `switchboard user passwd`", "error", f.Err)
	}
	if f.Negotiation {
		// No password was tested. A client that works down the list we
		// offered (slixmpp: each -PLUS with tls-unique, each SCRAM with
		// 'y', then PLAIN) fails this way at most once a mechanism; only
		// beyond that is it counted.
		c.negotiationFailures++
		if c.negotiationFailures <= len(c.mechanisms()) {
			c.log.Debug("authentication not negotiated", "condition", f.Condition, "error", f.Err, "negotiation_failures", c.negotiationFailures)
			return nil
		}
	}
	c.failures++
	c.log.Debug("authentication failed", "condition", f.Condition, "failures", c.failures)
	if c.failures >= c.srv.cfg.MaxFailures {
		return stream.NewError("policy-violation", "too many failed authentication attempts")
	}
	return nil
}

// decodeSASL reads the base64 payload; "=" stands for an empty one (RFC
// 6120 §6.4.2).
func decodeSASL(s string) ([]byte, error) {
	if s == "" || s == "=" {
		return nil, nil
	}
	return base64.StdEncoding.DecodeString(s)
}

// appendSASL appends a <challenge/> or <success/> of the exchange's
// protocol: RFC 6120 SASL, or XEP-0388's challenge.
func (c *Conn) appendSASL(dst []byte, name string, data []byte) []byte {
	ns := stream.NSSASL
	if c.sasl2 {
		ns = nsSASL2
	}
	dst = append(dst, '<')
	dst = append(dst, name...)
	dst = append(dst, " xmlns='"...)
	dst = append(dst, ns...)
	dst = append(dst, '\'')
	if data == nil {
		return append(dst, "/>"...)
	}
	dst = append(dst, '>')
	if len(data) == 0 {
		dst = append(dst, '=')
	} else {
		dst = base64.StdEncoding.AppendEncode(dst, data)
	}
	dst = append(dst, "</"...)
	dst = append(dst, name...)
	return append(dst, '>')
}
