package main

import (
	"context"
	"strings"
	"sync"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/sdk"
)

// EchoService answers each message sent to a JID of its domain with the
// same body, from that JID: room@echo.example.org echoes as itself.
type EchoService struct {
	mu   sync.Mutex
	host sdk.Host
}

// New returns the plugin, not yet configured.
func New() *EchoService { return &EchoService{} }

// Describe declares the service and its one route; disco#info on the
// domain itself comes from the Service (the sdk answers it).
func (e *EchoService) Describe() sdk.Description {
	return sdk.Description{
		Name:         "echoservice",
		Version:      sdk.BuildVersion(),
		Capabilities: []string{sdk.CapService},
		Service: &sdk.Service{
			Subdomain:  "echo",
			Name:       "Echo service",
			Identities: []sdk.Identity{{Category: "component", Type: "generic", Name: "Echo service"}},
			Features:   []string{"urn:xmpp:example:echo"},
		},
		Routes: []sdk.Route{
			{Kind: sdk.Message, Types: []string{"normal", "chat"}, To: sdk.ToService, Handle: e.echo},
		},
	}
}

// Configure keeps the Host; the service has no configuration.
func (e *EchoService) Configure(_ context.Context, c sdk.Config) error {
	if err := c.Decode(&struct{}{}); err != nil {
		return err
	}
	e.mu.Lock()
	e.host = c.Host
	e.mu.Unlock()
	return nil
}

// echo sends the body back to its sender, from the JID it was sent to.
func (e *EchoService) echo(ctx context.Context, req *sdk.Request) (*etree.Element, error) {
	body := req.Stanza.SelectElement("body")
	if body == nil {
		return nil, nil // chat states and receipts need no echo
	}
	e.mu.Lock()
	host := e.host
	e.mu.Unlock()
	reply := sdk.NewMessage(req.To, req.From, req.Stanza.SelectAttrValue("type", "normal"))
	reply.CreateElement("body").SetText(strings.TrimSpace(body.Text()))
	return nil, host.Send(ctx, reply)
}
