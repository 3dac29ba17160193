package sdk

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/switchboard-xmpp/switchboard/sdk/internal/wire"
	"github.com/switchboard-xmpp/switchboard/sdk/proto/pluginv1"
	"github.com/switchboard-xmpp/switchboard/sdk/stanza"
)

// dispatcher lowers a Plugin into the wire terms of pluginserver.Impl:
// envelopes to Requests and handler results to replies. Failures travel up
// as errors (and panics); pluginserver turns them into statuses.
type dispatcher struct {
	p      Plugin
	desc   Description // read once: Envelope.route indexes its Routes
	log    hclog.Logger
	domain atomic.Pointer[string] // set by each Configure, read by Handle
}

func newDispatcher(p Plugin, log hclog.Logger) *dispatcher {
	return &dispatcher{p: p, desc: withServiceDisco(p.Describe()), log: log}
}

func (d *dispatcher) Describe() (*pluginv1.Manifest, error) {
	if err := validate(d.desc); err != nil {
		return nil, fmt.Errorf("plugin %q describes itself wrongly: %w", d.desc.Name, err)
	}
	m := manifestToProto(d.desc.Manifest())
	m.Metrics = metricsToProto(d.desc.Metrics)
	m.ChecksConfig = d.desc.Config != nil
	return m, nil
}

// Metrics reads the plugin's metrics, in the order Describe declared them.
func (d *dispatcher) Metrics(context.Context) (*pluginv1.MetricsResponse, error) {
	return &pluginv1.MetricsResponse{Values: metricValuesToProto(d.desc.Metrics)}, nil
}

// Quiet runs the plugin's Description.Quiet; without one a plugin is
// always quiet.
func (d *dispatcher) Quiet(context.Context) bool {
	return d.desc.Quiet == nil || d.desc.Quiet()
}

// CheckConfig decodes a config section into a new value of the plugin's
// config type, as Configure would, and runs nothing else.
func (d *dispatcher) CheckConfig(_ context.Context, req *pluginv1.CheckConfigRequest) error {
	if d.desc.Config == nil {
		return errors.New("the plugin declares no config type (Description.Config)")
	}
	return Config{raw: req.GetConfigJson()}.Decode(d.desc.Config())
}

func (d *dispatcher) Configure(ctx context.Context, req *pluginv1.ConfigureRequest, host pluginv1.HostClient) error {
	domain := req.GetDomain()
	d.domain.Store(&domain)
	// A core that sends no domains hosts one.
	domains := req.GetDomains()
	if len(domains) == 0 {
		domains = []string{domain}
	}
	return d.p.Configure(ctx, Config{
		Domain:        domain,
		Domains:       domains,
		Host:          &remoteHost{client: host, domain: domain, domains: domains, log: d.log},
		Logger:        d.log,
		raw:           req.GetConfigJson(),
		ServerStarted: time.Unix(0, req.GetServerStartedUnixNano()).UTC(),
		ServiceDomain: req.GetServiceDomain(),
	})
}

func (d *dispatcher) Handle(ctx context.Context, env *pluginv1.Envelope) (*pluginv1.HandleResponse, error) {
	i := int(env.GetRoute())
	if i >= len(d.desc.Routes) {
		return nil, fmt.Errorf("envelope for route %d, but the plugin has %d routes", i, len(d.desc.Routes))
	}
	route := d.desc.Routes[i]
	req, err := d.request(env)
	if err != nil {
		return nil, stanza.Errorf(stanza.BadRequest, err.Error())
	}
	payload, err := route.Handle(ctx, req)
	switch {
	case errors.Is(err, ErrNotMine):
		return &pluginv1.HandleResponse{Declined: true}, nil
	case err != nil:
		return nil, err
	}
	typ := req.Stanza.SelectAttrValue("type", "")
	if route.Kind != IQ || (typ != "get" && typ != "set") {
		return &pluginv1.HandleResponse{}, nil
	}
	b, err := wire.MarshalStanza(IQResult(req, payload))
	if err != nil {
		return nil, err
	}
	return &pluginv1.HandleResponse{Replies: [][]byte{b}}, nil
}

func (d *dispatcher) request(env *pluginv1.Envelope) (*Request, error) {
	el, err := wire.ParseStanza(env.GetStanza())
	if err != nil {
		return nil, err
	}
	req := &Request{
		Stanza:        el,
		From:          env.GetFrom(),
		To:            env.GetTo(),
		SessionID:     env.GetSessionId(),
		Authenticated: env.GetAuthenticated(),
		Secure:        env.GetSecure(),
		RemoteAddr:    env.GetRemoteAddr(),
	}
	if req.To == "" {
		req.ToOmitted = true
		req.To = bareOf(req.From)
		if req.To == "" {
			if p := d.domain.Load(); p != nil {
				req.To = *p
			}
		}
	}
	return req, nil
}

// bareOf strips the resource: the first '/' ends the bare JID, since
// neither localpart nor domain may contain one (RFC 7622 §3).
func bareOf(jid string) string {
	bare, _, _ := strings.Cut(jid, "/")
	return bare
}

func (d *dispatcher) Event(ctx context.Context, req *pluginv1.EventRequest) error {
	ev := Event{Kind: EventKind(req.GetKind()), JID: req.GetJid(), SessionID: req.GetSessionId(), Topic: req.GetTopic(), Payload: req.GetPayload(), Elsewhere: req.GetElsewhere()}
	if len(req.GetStanza()) > 0 {
		el, err := wire.ParseStanza(req.GetStanza())
		if err != nil {
			return err
		}
		ev.Stanza = el
	}
	for _, h := range d.desc.Events {
		if h.Kind != ev.Kind || (ev.Kind == Published && h.Topic != ev.Topic) {
			continue
		}
		if err := h.Handle(ctx, ev); err != nil {
			return err
		}
	}
	return nil
}

func (d *dispatcher) Observe(ctx context.Context, req *pluginv1.ObserveRequest) error {
	if d.desc.Observe == nil {
		return stanza.Errorf(stanza.FeatureNotImplemented, "plugin "+d.desc.Name+" does not observe messages")
	}
	b := ObservedBatch{Dropped: req.GetDropped(), Messages: make([]ObservedMessage, len(req.GetMessages()))}
	for i, m := range req.GetMessages() {
		b.Messages[i] = ObservedMessage{
			Owner:    m.GetOwner(),
			StanzaID: m.GetStanzaId(),
			With:     m.GetWith(),
			Outgoing: m.GetOutgoing(),
			Time:     time.Unix(0, m.GetUnixNano()).UTC(),
			Stanza:   m.GetStanza(),
		}
	}
	return d.desc.Observe(ctx, b)
}

func (d *dispatcher) Invoke(ctx context.Context, req *pluginv1.InvokeRequest) ([]byte, error) {
	for _, m := range d.desc.Provides {
		if m.Name == req.GetMethod() {
			return m.Handle(ctx, req.GetCaller(), req.GetPayload())
		}
	}
	return nil, stanza.Errorf(stanza.FeatureNotImplemented, "plugin "+d.desc.Name+" provides no method "+req.GetMethod())
}

func (d *dispatcher) Cleanup() error {
	if c, ok := d.p.(CleanerUpper); ok {
		return c.Cleanup()
	}
	return nil
}
