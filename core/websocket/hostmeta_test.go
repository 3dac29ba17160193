package websocket_test

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"encoding/xml"
	"net/http/httptest"
	"testing"

	"github.com/hashicorp/go-hclog"

	"github.com/switchboard-xmpp/switchboard/core/websocket"
)

// hostMeta fetches both host-meta documents as a client that reached the
// listener at host, and returns the WebSocket link of each.
func hostMeta(t *testing.T, ad websocket.Advertised, host string) (fromXML, fromJSON string) {
	t.Helper()
	h := websocket.NewServer(context.Background(), nil, websocket.Config{Advertised: ad}, hclog.NewNullLogger()).Handler
	get := func(path string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("GET", "https://"+host+path, nil)
		r.TLS = &tls.ConnectionState{}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	var xrd struct {
		Links []struct {
			Rel  string `xml:"rel,attr"`
			Href string `xml:"href,attr"`
		} `xml:"Link"`
	}
	if err := xml.Unmarshal(get("/.well-known/host-meta").Body.Bytes(), &xrd); err != nil || len(xrd.Links) != 1 {
		t.Fatalf("host-meta: %+v (%v)", xrd, err)
	}
	var jrd struct {
		Links []struct{ Rel, Href string } `json:"links"`
	}
	if err := json.Unmarshal(get("/.well-known/host-meta.json").Body.Bytes(), &jrd); err != nil || len(jrd.Links) != 1 {
		t.Fatalf("host-meta.json: %+v (%v)", jrd, err)
	}
	return xrd.Links[0].Href, jrd.Links[0].Href
}

// XEP-0156: host-meta names the endpoint by the domain, which the
// certificate is for, not by the address the client happened to use; a
// configured URL is advertised as it is.
func TestHostMetaAdvertisesTheDomain(t *testing.T) {
	for _, tt := range []struct {
		name string
		ad   websocket.Advertised
		host string
		want string
	}{
		{"reached by address", websocket.Advertised{Domain: "example.org"}, "127.0.0.1:5443", "wss://example.org:5443/xmpp-websocket"},
		{"reached on the default port", websocket.Advertised{Domain: "example.org"}, "example.org", "wss://example.org/xmpp-websocket"},
		{"configured", websocket.Advertised{Domain: "example.org", URL: "wss://chat.example.org/ws?a=1&b='2'"}, "127.0.0.1:5443", "wss://chat.example.org/ws?a=1&b='2'"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			x, j := hostMeta(t, tt.ad, tt.host)
			if x != tt.want || j != tt.want {
				t.Errorf("host-meta advertises %q (XML) and %q (JSON), want %q", x, j, tt.want)
			}
		})
	}
}
