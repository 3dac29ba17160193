package sdk

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/beevik/etree"
	"github.com/hashicorp/go-hclog"

	"github.com/switchboard-xmpp/switchboard/sdk/internal/wire"
	"github.com/switchboard-xmpp/switchboard/sdk/proto/pluginv1"
)

// remoteHost is the Host as the core serves it over the go-plugin broker.
type remoteHost struct {
	client  pluginv1.HostClient
	domain  string
	domains []string // every hosted domain, domain first
	log     hclog.Logger
}

// hostErr wraps the error of a Host call with what was being done, keeping
// a *stanza.Error reachable by errors.As.
func hostErr(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", op, wire.FromStatus(err))
}

func (h *remoteHost) Domain() string           { return h.domain }
func (h *remoteHost) Logger() hclog.Logger     { return h.log }
func (h *remoteHost) Store(owner string) Store { return &remoteStore{client: h.client, owner: owner} }
func (h *remoteHost) Accounts() Accounts       { return remoteAccounts{client: h.client} }

func (h *remoteHost) AccountsOf(domain string) Accounts {
	return remoteAccounts{client: h.client, domain: domain}
}

func (h *remoteHost) Hosts(domain string) bool { return slices.Contains(h.domains, domain) }

func (h *remoteHost) Send(ctx context.Context, el *etree.Element) error {
	b, err := wire.MarshalStanza(el)
	if err != nil {
		return err
	}
	_, err = h.client.Send(ctx, &pluginv1.SendRequest{Stanza: b})
	return hostErr("sending a stanza", err)
}

func (h *remoteHost) SendBatch(ctx context.Context, stanzas []*etree.Element) error {
	if len(stanzas) == 0 {
		return nil
	}
	req := &pluginv1.SendRequest{}
	for i, el := range stanzas {
		b, err := wire.MarshalStanza(el)
		if err != nil {
			return err
		}
		if i == 0 {
			req.Stanza = b
		} else {
			req.More = append(req.More, b)
		}
	}
	_, err := h.client.Send(ctx, req)
	return hostErr("sending stanzas", err)
}

func (h *remoteHost) StoreBatch(ctx context.Context, ops []StoreOp) error {
	req := &pluginv1.StoreBatchRequest{Ops: make([]*pluginv1.StoreOp, len(ops))}
	for i, op := range ops {
		req.Ops[i] = &pluginv1.StoreOp{Owner: op.Owner, Key: op.Key, Value: op.Value, Delete: op.Delete}
	}
	_, err := h.client.StoreBatch(ctx, req)
	return hostErr("writing a batch", err)
}

func (h *remoteHost) SendIQ(ctx context.Context, iq *etree.Element) (*etree.Element, error) {
	if iq.SelectAttrValue("id", "") == "" {
		iq.CreateAttr("id", newID())
	}
	b, err := wire.MarshalStanza(iq)
	if err != nil {
		return nil, err
	}
	resp, err := h.client.SendIQ(ctx, &pluginv1.SendRequest{Stanza: b})
	if err != nil {
		return nil, hostErr("sending an iq", err)
	}
	answer, err := wire.ParseStanza(resp.GetStanza())
	if err != nil {
		return nil, fmt.Errorf("reading the answer to an iq: %w", err)
	}
	if answer.SelectAttrValue("type", "") == "error" {
		return answer, wire.ErrorOf(answer)
	}
	return answer, nil
}

func (h *remoteHost) Sessions(ctx context.Context, bare string) ([]Session, error) {
	resp, err := h.client.Sessions(ctx, &pluginv1.SessionsRequest{Bare: bare})
	if err != nil {
		return nil, hostErr("listing sessions of "+bare, err)
	}
	return sessionsFromProto(resp), nil
}

func (h *remoteHost) AllSessions(ctx context.Context) ([]Session, error) {
	chunks, err := h.client.AllSessions(ctx, &pluginv1.AllSessionsRequest{})
	if err != nil {
		return nil, hostErr("listing all sessions", err)
	}
	var out []Session
	for {
		resp, err := chunks.Recv()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, hostErr("listing all sessions", err)
		}
		out = append(out, sessionsFromProto(resp)...)
	}
}

func sessionsFromProto(resp *pluginv1.SessionsResponse) []Session {
	out := make([]Session, len(resp.GetSessions()))
	for i, s := range resp.GetSessions() {
		out[i] = Session{JID: s.GetJid(), SessionID: s.GetSessionId(), Available: s.GetAvailable(), Priority: int(s.GetPriority()), Elsewhere: s.GetElsewhere()}
		if p := s.GetPresence(); len(p) > 0 {
			// The core wrote it; should it not parse, the session is still
			// listed, without its presence.
			out[i].Presence, _ = wire.ParseStanza(p)
		}
	}
	return out
}

func (h *remoteHost) EndSession(ctx context.Context, jid string) error {
	_, err := h.client.EndSession(ctx, &pluginv1.EndSessionRequest{Jid: jid})
	return hostErr("ending the session of "+jid, err)
}

func (h *remoteHost) SetFilters(ctx context.Context, owner string, rules []FilterRule) error {
	_, err := h.client.SetFilters(ctx, &pluginv1.SetFiltersRequest{Owner: owner, Rules: filterRulesToProto(rules)})
	return hostErr("setting filters of "+owner, err)
}

func (h *remoteHost) Manifests(ctx context.Context) ([]Manifest, error) {
	resp, err := h.client.Manifests(ctx, &pluginv1.ManifestsRequest{})
	if err != nil {
		return nil, hostErr("listing manifests", err)
	}
	out := make([]Manifest, len(resp.GetManifests()))
	for i, m := range resp.GetManifests() {
		out[i] = manifestFromProto(m)
	}
	return out, nil
}

func (h *remoteHost) Call(ctx context.Context, plugin, method string, payload []byte) ([]byte, error) {
	resp, err := h.client.Call(ctx, &pluginv1.CallRequest{Plugin: plugin, Method: method, Payload: payload})
	if err != nil {
		return nil, hostErr("calling "+plugin+"."+method, err)
	}
	return resp.GetPayload(), nil
}

func (h *remoteHost) Publish(ctx context.Context, topic, jid string, payload []byte) error {
	if _, err := h.client.Publish(ctx, &pluginv1.PublishRequest{Topic: topic, Jid: jid, Payload: payload}); err != nil {
		return hostErr("publishing "+topic, err)
	}
	return nil
}

func (h *remoteHost) SetStreamFeatures(ctx context.Context, features []StreamFeature) error {
	req := &pluginv1.SetStreamFeaturesRequest{}
	for _, f := range features {
		req.Features = append(req.Features, &pluginv1.StreamFeature{Xml: f.XML, Stage: pluginv1.Stage(f.Stage)})
	}
	if _, err := h.client.SetStreamFeatures(ctx, req); err != nil {
		return hostErr("setting stream features", err)
	}
	return nil
}

func (h *remoteHost) SetSessionOption(ctx context.Context, jid, option string, enabled bool) error {
	if _, err := h.client.SetSessionOption(ctx, &pluginv1.SessionOptionRequest{Jid: jid, Option: option, Enabled: enabled}); err != nil {
		return hostErr("setting session option "+option, err)
	}
	return nil
}

// newID returns a random IQ id.
func newID() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b[:])
}
