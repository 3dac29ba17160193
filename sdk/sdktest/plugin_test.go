package sdktest_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/sdk"
	"github.com/switchboard-xmpp/switchboard/sdk/stanza"
)

// tiny is a plugin that exercises every path of the harness.
type tiny struct {
	mu      sync.Mutex
	host    sdk.Host
	cfg     tinyConfig
	cleaned bool
}

type tinyConfig struct {
	Greeting string `json:"greeting"`
}

func (c *tinyConfig) Validate() error {
	if strings.TrimSpace(c.Greeting) == "" {
		return errors.New("greeting must not be empty")
	}
	return nil
}

func (p *tiny) Describe() sdk.Description {
	return sdk.Description{
		Name: "tiny", Version: "1",
		Routes: []sdk.Route{
			{Kind: sdk.IQ, Namespace: "urn:test:echo", Types: []string{"get"}, To: sdk.ToServer, PreAuth: true, Handle: p.echo},
			{Kind: sdk.IQ, Namespace: "urn:test:fail", To: sdk.ToServer, Handle: p.fail},
			{Kind: sdk.IQ, Namespace: "urn:test:store", To: sdk.ToBare, Handle: p.store},
			{Kind: sdk.IQ, Namespace: "urn:test:call", To: sdk.ToServer, Handle: p.call},
			{Kind: sdk.Message, Types: []string{"chat"}, To: sdk.ToFull, Handle: p.greet},
			{Kind: sdk.Presence, To: sdk.Broadcast, Handle: func(context.Context, *sdk.Request) (*etree.Element, error) { return nil, nil }},
		},
		Events:   []sdk.EventHandler{{Kind: sdk.SessionBound, Handle: p.bound}},
		Features: []string{"urn:test:echo"},
		Provides: []sdk.Method{{Name: "upper", Handle: func(_ context.Context, caller string, b []byte) ([]byte, error) {
			if len(b) == 0 {
				return nil, stanza.Errorf(stanza.BadRequest, "nothing to upper-case for "+caller)
			}
			return bytes.ToUpper(b), nil
		}}},
		Requires: []string{"roster.items"},
	}
}

func (p *tiny) Configure(_ context.Context, c sdk.Config) error {
	cfg := tinyConfig{Greeting: "hello"}
	if err := c.Decode(&cfg); err != nil {
		return err
	}
	p.mu.Lock()
	p.host, p.cfg = c.Host, cfg
	p.mu.Unlock()
	return nil
}

func (p *tiny) Cleanup() error {
	p.mu.Lock()
	p.cleaned = true
	p.mu.Unlock()
	return nil
}

func (p *tiny) state() (sdk.Host, tinyConfig) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.host, p.cfg
}

func (p *tiny) echo(_ context.Context, req *sdk.Request) (*etree.Element, error) {
	return req.Stanza.ChildElements()[0].Copy(), nil
}

func (p *tiny) fail(_ context.Context, req *sdk.Request) (*etree.Element, error) {
	switch mode := req.Stanza.ChildElements()[0].SelectAttrValue("mode", ""); mode {
	case "stanza":
		return nil, fmt.Errorf("checking: %w", &stanza.Error{Condition: stanza.NotAllowed, Text: "not today", AppSpace: "urn:test:errors", AppLocal: "busy"})
	case "error":
		return nil, errors.New("the disk is on fire")
	case "decline":
		return nil, sdk.ErrNotMine
	default:
		panic("mode " + mode)
	}
}

func (p *tiny) store(ctx context.Context, req *sdk.Request) (*etree.Element, error) {
	host, _ := p.state()
	s := host.Store(req.To)
	if err := s.Put(ctx, "last", []byte(req.From)); err != nil {
		return nil, err
	}
	v, err := s.Get(ctx, "last")
	if err != nil {
		return nil, err
	}
	el := sdk.NewElement("urn:test:store", "stored")
	el.SetText(string(v))
	return el, nil
}

// call relays a Host.Call error as is: a typed error from another plugin
// must reach the client typed.
func (p *tiny) call(ctx context.Context, req *sdk.Request) (*etree.Element, error) {
	host, _ := p.state()
	_, err := host.Call(ctx, "roster", "items", []byte(req.From))
	return nil, err
}

func (p *tiny) greet(ctx context.Context, req *sdk.Request) (*etree.Element, error) {
	host, cfg := p.state()
	msg := sdk.NewMessage(req.To, req.From, "chat")
	msg.CreateElement("body").SetText(cfg.Greeting)
	return nil, host.Send(ctx, msg)
}

func (p *tiny) bound(ctx context.Context, ev sdk.Event) error {
	host, _ := p.state()
	return host.Store("").Put(ctx, "bound/"+ev.SessionID, []byte(ev.JID))
}

// lockedBuffer collects the plugin's log while the plugin writes it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
