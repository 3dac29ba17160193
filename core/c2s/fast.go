package c2s

import (
	"context"
	"time"

	"github.com/switchboard-xmpp/switchboard/core/sasl"
	"github.com/switchboard-xmpp/switchboard/core/stream"
)

// TokenStore keeps XEP-0484 FAST tokens, per account and user agent.
type TokenStore interface {
	// Keys returns the keys of the tokens username may present from
	// userAgent with mechanism; a count (0: none) not above the last one
	// accepted matches nothing.
	Keys(ctx context.Context, username, userAgent, mechanism string, count uint64) ([][]byte, error)
	// Used records a login with the token of key, and returns when it
	// expires.
	Used(ctx context.Context, username, userAgent string, key []byte, count uint64) (time.Time, error)
	// Issue replaces the user agent's token with a new one; rotated is
	// the key of the token the client logged in with, if any.
	Issue(ctx context.Context, username, userAgent, mechanism string, rotated []byte) (string, time.Time, error)
	// Revoke forgets the user agent's token.
	Revoke(ctx context.Context, username, userAgent string) error
}

// agentTokens are the tokens of one user agent, as an HT mechanism asks
// for them.
type agentTokens struct {
	store TokenStore
	agent string
	count uint64
}

func (a agentTokens) TokenKeys(ctx context.Context, username, mechanism string) ([][]byte, error) {
	return a.store.Keys(ctx, username, a.agent, mechanism, a.count)
}

// fastMechanisms are the FAST mechanisms this connection may use: none
// without a token store, and the channel-bound ones only where the TLS
// layer provides their binding.
func (c *Conn) fastMechanisms() []sasl.HT {
	if c.srv.cfg.Tokens == nil {
		return nil
	}
	cs := c.saslState()
	var ms []sasl.HT
	for _, m := range sasl.HTMechanisms() {
		if m.Available(cs) {
			ms = append(ms, m)
		}
	}
	return ms
}

func (c *Conn) fastOffered(name string) bool {
	for _, m := range c.fastMechanisms() {
		if m.Name() == name {
			return true
		}
	}
	return false
}

// fastOutcome does what the client asked of FAST in its <authenticate/>
// and returns the <token/> for <success/>, if any: a token used is
// recorded (and replaced when past half its life), one requested is
// issued, and invalidate forgets the user agent's. The login stands when
// storage fails; the client is just not given a token.
func (c *Conn) fastOutcome(ctx context.Context, ex *saslExchange) []byte {
	req, store := ex.v2, c.srv.cfg.Tokens
	if store == nil || req.userAgent == "" {
		return nil
	}
	if req.invalidate {
		if err := store.Revoke(ctx, c.username, req.userAgent); err != nil {
			c.log.Error("FAST token not revoked", "user", c.username, "error", err)
		}
		return nil
	}
	var rotated []byte
	if ex.ht != nil {
		rotated = ex.ht.Key()
		expires, err := store.Used(ctx, c.username, req.userAgent, rotated, req.count)
		if err != nil {
			c.log.Error("FAST token use not recorded", "user", c.username, "error", err)
			return nil
		}
		if req.requestToken == "" && time.Until(expires) < c.srv.cfg.TokenTTL/2 {
			req.requestToken = ex.name
		}
	}
	if req.requestToken == "" {
		return nil
	}
	token, expires, err := store.Issue(ctx, c.username, req.userAgent, req.requestToken, rotated)
	if err != nil {
		c.log.Error("FAST token not issued", "user", c.username, "error", err)
		return nil
	}
	b := []byte("<token xmlns='" + nsFAST + "' expiry='" + expires.UTC().Format(time.RFC3339) + "' token='")
	b = stream.AppendEscapedAttr(b, token)
	return append(b, "'/>"...)
}
