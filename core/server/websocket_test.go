package server

import (
	"crypto/tls"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/switchboard-xmpp/switchboard/core/config"
)

// TestHostMetaUsesTheConfiguredURL: listen.websocket_url and bosh.url are
// what host-meta advertises, for a server behind a proxy or port forward.
func TestHostMetaUsesTheConfiguredURL(t *testing.T) {
	const public, publicBOSH = "wss://chat.example.org/xmpp-websocket", "https://chat.example.org/bosh"
	s := start(t, func(c *config.Config) { c.Listen.WebSocketURL, c.BOSH.URL = public, publicBOSH })
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}, Timeout: 10 * time.Second}
	resp, err := client.Get("https://" + s.WebSocketAddr().String() + "/.well-known/host-meta.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var meta struct {
		Links []struct{ Rel, Href string } `json:"links"`
	}
	err = json.NewDecoder(resp.Body).Decode(&meta)
	if err != nil || len(meta.Links) != 2 || meta.Links[0].Href != public || meta.Links[1] != (struct{ Rel, Href string }{"urn:xmpp:alt-connections:xbosh", publicBOSH}) {
		t.Fatalf("host-meta.json links %+v (%v), want %s and %s", meta.Links, err, public, publicBOSH)
	}
}
