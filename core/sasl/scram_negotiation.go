package sasl

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/xdg-go/scram"
)

type scramState int

const (
	scramFirst scramState = iota
	scramFinal
	scramDone
)

type scramNegotiation struct {
	mech  *scramMechanism
	cs    ConnState
	creds CredentialSource

	state      scramState
	challenged bool // sent the empty challenge for a missing initial response
	conv       *scram.ServerConversation
	cbData     []byte                  // the channel binding of a -PLUS exchange
	stored     scram.StoredCredentials // what the lookup served, real or fake
	proof      *scramProof             // checks the client-final-message

	username string // prepared, as looked up; "" if preparation failed
	known    bool   // the credentials are an account's, not fake
	reason   error  // why a fake was served, for the log
	lookup   error  // the CredentialSource failed
	authed   string // set once the proof checked out
}

func (n *scramNegotiation) Username() string { return n.authed }

func (n *scramNegotiation) Attempted() string { return n.username }

// Testing: only the client-final-message carries a proof.
func (n *scramNegotiation) Testing([]byte) (string, bool) {
	return n.username, n.state == scramFinal
}

func (n *scramNegotiation) Step(ctx context.Context, in []byte) ([]byte, bool, error) {
	switch n.state {
	case scramFirst:
		if len(in) == 0 && !n.challenged {
			n.challenged = true
			return []byte{}, false, nil
		}
		out, err := n.first(ctx, in)
		if err != nil {
			n.state = scramDone
			return nil, false, err
		}
		n.state = scramFinal
		return out, false, nil
	case scramFinal:
		n.state = scramDone
		out, err := n.final(in)
		if err != nil {
			return nil, false, err
		}
		return out, true, nil
	default:
		return nil, false, finished()
	}
}

// first answers the client-first-message with the server-first-message.
func (n *scramNegotiation) first(ctx context.Context, in []byte) ([]byte, error) {
	if !utf8.Valid(in) {
		return nil, &Failure{Condition: MalformedRequest, Text: "message is not UTF-8"}
	}
	conv, fail := n.conversation(ctx, string(in))
	if fail != nil {
		return nil, fail
	}
	n.conv = conv
	out, err := conv.Step(string(in))
	if n.lookup != nil {
		return nil, &Failure{Condition: TemporaryAuthFailure, Err: fmt.Errorf("looking up credentials: %w", n.lookup)}
	}
	if err != nil {
		switch out {
		case scram.ErrServerDoesSupportChannelBinding:
			// The client says it would bind but saw no -PLUS: someone
			// may have removed the -PLUS names from our features (RFC
			// 5802 §6), so the exchange must fail. No credential was
			// looked at, and the client may go on to another mechanism.
			return nil, &Failure{Condition: NotAuthorized, Text: "server-does-support-channel-binding: this server offers SCRAM-PLUS", Err: err, Negotiation: true}
		case scram.ErrChannelBindingNotSupported, scram.ErrUnsupportedChannelBindingType:
			return nil, unsupportedBinding(n.cs, err)
		default:
			return nil, &Failure{Condition: MalformedRequest, Text: "invalid client-first-message", Err: err}
		}
	}
	if !authzidMatches(conv.AuthzID(), n.username, n.cs.Domain) {
		return nil, &Failure{Condition: InvalidAuthzid, Text: "authorization identity must be empty or your own bare JID"}
	}
	if len(n.cs.Offered) > 0 {
		// XEP-0474 downgrade protection, in SASL and SASL2 alike: both
		// offer the same mechanisms and XEP-0440 bindings.
		out += ",d=" + downgradeHash(n.mech.hash, n.cs.Offered, ChannelBindingTypes(n.cs))
	}
	n.proof = newSCRAMProof(n.mech.hash, string(in), out, n.cbData, n.stored)
	return []byte(out), nil
}

// conversation picks the xdg-go conversation for the client's gs2 flag. The
// flag is checked against the mechanism here because xdg-go does not know
// which name the client chose: a -PLUS mechanism demands 'p', and a plain
// one forbids it (RFC 5802 §6).
func (n *scramNegotiation) conversation(ctx context.Context, msg string) (*scram.ServerConversation, *Failure) {
	srv, err := n.mech.hash.NewServer(func(name string) (scram.StoredCredentials, error) {
		return n.credentials(ctx, name)
	})
	if err != nil {
		return nil, &Failure{Condition: TemporaryAuthFailure, Err: err}
	}
	flag, _, _ := strings.Cut(msg, ",")
	cbType, isP := strings.CutPrefix(flag, "p=")
	switch {
	case n.mech.plus && !isP:
		return nil, &Failure{Condition: MalformedRequest, Text: n.mech.name + " requires channel binding"}
	case n.mech.plus:
		cb, err := channelBinding(n.cs, cbType)
		if err != nil {
			return nil, unsupportedBinding(n.cs, err)
		}
		n.cbData = cb.Data
		return srv.NewConversationWithChannelBindingRequired(cb), nil
	case isP:
		return nil, &Failure{Condition: MalformedRequest, Text: "channel binding requires " + n.mech.name + "-PLUS"}
	}
	if cb, ok := preferredBinding(n.cs); ok && n.mech.plusOffered {
		// Accepts 'n', and refuses 'y' as a downgrade.
		return srv.NewConversationWithChannelBinding(cb), nil
	}
	return srv.NewConversation(), nil
}

// credentials is xdg-go's lookup callback. For a name that fails preparation
// or has no account it serves fake credentials, so that the exchange fails
// only at the proof, as it would for a wrong password.
func (n *scramNegotiation) credentials(ctx context.Context, name string) (scram.StoredCredentials, error) {
	prepared, err := prepareUsername(name)
	if err != nil {
		n.reason = fmt.Errorf("preparing username: %w", err)
		n.stored = n.mech.fakeCredentials(name)
		return n.stored, nil
	}
	n.username = prepared
	keys, err := n.creds.SCRAM(ctx, prepared, n.mech.sha256)
	if errors.Is(err, ErrUnknownUser) {
		n.reason = err
		n.stored = n.mech.fakeCredentials(prepared)
		return n.stored, nil
	}
	if errors.Is(err, ErrNoKeys) {
		n.reason = fmt.Errorf("account %q, %s: %w", prepared, n.mech.name, err)
		return n.mech.fakeCredentials(prepared), nil
	}
	if err == nil && (keys.Iterations <= 0 || len(keys.Salt) == 0 || len(keys.StoredKey) != n.mech.hash().Size()) {
		err = fmt.Errorf("stored %s keys of %q are incomplete", n.mech.name, prepared)
	}
	if err != nil {
		n.lookup = err
		return scram.StoredCredentials{}, err
	}
	n.known = true
	n.mech.lastIterations.Store(int64(keys.Iterations))
	n.stored = scram.StoredCredentials{
		KeyFactors: scram.KeyFactors{Salt: string(keys.Salt), Iters: keys.Iterations},
		StoredKey:  keys.StoredKey,
		ServerKey:  keys.ServerKey,
	}
	return n.stored, nil
}

// final checks the client-final-message and returns the server-final-message.
func (n *scramNegotiation) final(in []byte) ([]byte, error) {
	if !utf8.Valid(in) {
		return nil, &Failure{Condition: MalformedRequest, Text: "message is not UTF-8"}
	}
	out, err := n.proof.verify(string(in))
	switch {
	case err == nil && n.known:
		n.authed = n.username
		return []byte(out), nil
	case err == nil:
		// Cannot happen: fake keys match no proof. Refuse all the same.
		return nil, authFailed(n.reason)
	case out == scram.ErrChannelBindingsDontMatch:
		// Not xdg-go's error: it quotes the expected binding data, a
		// secret of this TLS session that has no place in a log.
		return nil, &Failure{Condition: NotAuthorized, Text: "channel binding mismatch",
			Err: errors.New("client's channel binding data differs from this connection's")}
	case out == "":
		return nil, &Failure{Condition: MalformedRequest, Text: "invalid client-final-message", Err: err}
	case !n.known && errors.Is(n.reason, ErrNoKeys):
		// No password was tested: the account is not to be penalised, and
		// the client may go on to another mechanism.
		f := authFailed(n.reason)
		f.Negotiation = true
		return nil, f
	case !n.known:
		return nil, authFailed(n.reason)
	default:
		return nil, authFailed(err)
	}
}
