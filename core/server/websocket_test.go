package server

import (
	"crypto/tls"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/switchboard-xmpp/switchboard/core/config"
)

// TestHostMetaUsesTheConfiguredURL: listen.websocket_url is what
// host-meta advertises, for a server behind a proxy or port forward.
func TestHostMetaUsesTheConfiguredURL(t *testing.T) {
	const public = "wss://chat.example.org/xmpp-websocket"
	s := start(t, func(c *config.Config) { c.Listen.WebSocketURL = public })
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}, Timeout: 10 * time.Second}
	resp, err := client.Get("https://" + s.WebSocketAddr().String() + "/.well-known/host-meta.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var meta struct {
		Links []struct{ Rel, Href string } `json:"links"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&meta); err != nil || len(meta.Links) != 1 || meta.Links[0].Href != public {
		t.Fatalf("host-meta.json links %+v (%v), want %s", meta.Links, err, public)
	}
}
