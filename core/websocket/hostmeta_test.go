package websocket_test

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"encoding/xml"
	"net/http"
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

// With BOSH served, host-meta lists it too, in both documents, found by
// the same rules.
func TestHostMetaListsBOSH(t *testing.T) {
	for _, tt := range []struct {
		name string
		ad   websocket.Advertised
		want string
	}{
		{"reached by address", websocket.Advertised{Domain: "example.org", BOSHPath: "/http-bind"}, "https://example.org:5443/http-bind"},
		{"configured", websocket.Advertised{Domain: "example.org", BOSHPath: "/http-bind", BOSHURL: "https://chat.example.org/bosh?x=&'"}, "https://chat.example.org/bosh?x=&'"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := websocket.NewServer(context.Background(), nil, websocket.Config{Advertised: tt.ad, BOSH: http.NotFoundHandler()}, hclog.NewNullLogger()).Handler
			get := func(path string) []byte {
				r := httptest.NewRequest("GET", "https://127.0.0.1:5443"+path, nil)
				r.TLS = &tls.ConnectionState{}
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				return w.Body.Bytes()
			}
			var xrd struct {
				Links []struct {
					Rel  string `xml:"rel,attr"`
					Href string `xml:"href,attr"`
				} `xml:"Link"`
			}
			var jrd struct {
				Links []struct{ Rel, Href string } `json:"links"`
			}
			if err := xml.Unmarshal(get("/.well-known/host-meta"), &xrd); err != nil || len(xrd.Links) != 2 || xrd.Links[1].Rel != "urn:xmpp:alt-connections:xbosh" || xrd.Links[1].Href != tt.want {
				t.Errorf("host-meta: %+v (%v), want the BOSH link %s second", xrd.Links, err, tt.want)
			}
			if err := json.Unmarshal(get("/.well-known/host-meta.json"), &jrd); err != nil || len(jrd.Links) != 2 || jrd.Links[1].Rel != "urn:xmpp:alt-connections:xbosh" || jrd.Links[1].Href != tt.want {
				t.Errorf("host-meta.json: %+v (%v), want the BOSH link %s second", jrd.Links, err, tt.want)
			}
		})
	}
}
