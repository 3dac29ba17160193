package main

import (
	"context"
	"fmt"
	"sync"

	"github.com/switchboard-xmpp/switchboard/sdk"
)

// MOTD sends its message once per login: the core reports a session's
// initial presence, and a session that goes unavailable and comes back is
// not greeted twice.
type MOTD struct {
	mu      sync.Mutex
	host    sdk.Host
	message string
	greeted map[string]bool // session ids, forgotten when the session closes
}

// New returns the plugin, not yet configured.
func New() *MOTD { return &MOTD{greeted: map[string]bool{}} }

// Describe declares no routes: motd only listens to session events.
func (m *MOTD) Describe() sdk.Description {
	return sdk.Description{
		Name:    "motd",
		Version: sdk.BuildVersion(),
		Events: []sdk.EventHandler{
			{Kind: sdk.SessionAvailable, Handle: m.greet},
			{Kind: sdk.SessionClosed, Handle: m.forget},
		},
		// What Configure decodes into: `switchboard config check` asks
		// the plugin to check its section against it.
		Config: func() any { return &Config{} },
	}
}

// Configure takes the message; a reload changes it for the next logins.
func (m *MOTD) Configure(_ context.Context, c sdk.Config) error {
	var cfg Config
	if err := c.Decode(&cfg); err != nil {
		return err
	}
	m.mu.Lock()
	m.host, m.message = c.Host, cfg.Message
	m.mu.Unlock()
	return nil
}

// greet sends the message to the session that just became available.
func (m *MOTD) greet(ctx context.Context, ev sdk.Event) error {
	m.mu.Lock()
	if m.greeted[ev.SessionID] {
		m.mu.Unlock()
		return nil
	}
	m.greeted[ev.SessionID] = true
	host, text := m.host, m.message
	m.mu.Unlock()

	msg := sdk.NewMessage(host.Domain(), ev.JID, "headline")
	msg.CreateElement("body").SetText(text)
	if err := host.Send(ctx, msg); err != nil {
		m.forget(ctx, ev) // not delivered: a later initial presence may try again
		return fmt.Errorf("sending the message of the day to %s: %w", ev.JID, err)
	}
	return nil
}

// forget drops a closed session, so that greeted holds only live ones.
func (m *MOTD) forget(_ context.Context, ev sdk.Event) error {
	m.mu.Lock()
	delete(m.greeted, ev.SessionID)
	m.mu.Unlock()
	return nil
}
