package main

import (
	"strings"
	"testing"

	"github.com/beevik/etree"
	"github.com/hashicorp/go-hclog"

	"github.com/switchboard-xmpp/switchboard/sdk"
	"github.com/switchboard-xmpp/switchboard/sdk/sdktest"
)

func start(t *testing.T) *sdktest.Harness {
	t.Helper()
	return sdktest.New(t, New(), sdktest.Options{
		Config: map[string]any{"message": "Welcome to localhost"},
		Logger: hclog.NewNullLogger(),
	})
}

func available(jid, sessionID string) sdktest.Event {
	return sdktest.Event{Kind: sdk.SessionAvailable, JID: jid, SessionID: sessionID, Stanza: "<presence/>"}
}

func text(t *testing.T, el *etree.Element) string {
	t.Helper()
	doc := etree.NewDocument()
	doc.SetRoot(el)
	s, err := doc.WriteToString()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestGreetsOncePerSession(t *testing.T) {
	h := start(t)
	events := []sdktest.Event{
		available("alice@localhost/phone", "s1"),
		available("alice@localhost/phone", "s1"), // the same login, available again
		available("alice@localhost/laptop", "s2"),
		{Kind: sdk.SessionClosed, JID: "alice@localhost/phone", SessionID: "s1"},
	}
	for _, ev := range events {
		if err := h.Event(ev); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{
		`<message type="headline" from="localhost" to="alice@localhost/phone"><body>Welcome to localhost</body></message>`,
		`<message type="headline" from="localhost" to="alice@localhost/laptop"><body>Welcome to localhost</body></message>`,
	}
	sent := h.Sent()
	if len(sent) != len(want) {
		t.Fatalf("sent %d messages, want %d", len(sent), len(want))
	}
	for i, el := range sent {
		if got := text(t, el); got != want[i] {
			t.Errorf("message %d:\n got %s\nwant %s", i, got, want[i])
		}
	}
}

func TestReloadChangesTheMessage(t *testing.T) {
	h := start(t)
	if err := h.Configure(map[string]any{"message": "Maintenance at 22:00"}); err != nil {
		t.Fatal(err)
	}
	if err := h.Event(available("bob@localhost/pc", "s9")); err != nil {
		t.Fatal(err)
	}
	sent := h.Sent()
	if len(sent) != 1 || sent[0].FindElement("body").Text() != "Maintenance at 22:00" {
		t.Fatalf("sent %d messages, want the new message", len(sent))
	}
}

func TestConfig(t *testing.T) {
	h := start(t)
	tests := []struct {
		name   string
		config map[string]any
		want   string
	}{
		{"missing message", nil, "message is required"},
		{"blank message", map[string]any{"message": "  "}, "message is required"},
		{"unknown key", map[string]any{"message": "hi", "messsage": "hi"}, `"messsage"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := h.Configure(tt.config); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Configure error = %v, want one containing %s", err, tt.want)
			}
		})
	}
}
