package disco_test

import (
	"context"
	"encoding/json"
	"flag"
	"strings"
	"testing"

	"github.com/beevik/etree"
	"github.com/hashicorp/go-hclog"

	"github.com/switchboard-xmpp/switchboard/plugins/disco"
	"github.com/switchboard-xmpp/switchboard/sdk"
	"github.com/switchboard-xmpp/switchboard/sdk/caps"
	"github.com/switchboard-xmpp/switchboard/sdk/sdktest"
)

var update = flag.Bool("update", false, "rewrite testdata/*.xml with the actual outcomes")

// coreManifest is what the core declares (core/server coreManifest).
var coreManifest = sdk.Manifest{
	Name:       "core",
	Identities: []sdk.Identity{{Category: "server", Type: "im", Name: "Switchboard"}},
	Features:   []string{"urn:ietf:params:xml:ns:xmpp-sasl", "urn:ietf:params:xml:ns:xmpp-bind", "urn:ietf:params:xml:ns:xmpp-session"},
}

// others are plugins as they might be loaded beside disco; PEP's account
// identity and a feature declared twice show the aggregation.
var others = []sdk.Manifest{
	{Name: "ping", Features: []string{"urn:xmpp:ping"}},
	{Name: "privacy", Features: []string{"urn:xmpp:blocking", "jabber:iq:privacy"}},
	{Name: "pep", Identities: []sdk.Identity{{Category: "pubsub", Type: "pep"}}, AccountIdentities: []sdk.Identity{{Category: "pubsub", Type: "pep"}},
		AccountFeatures: []string{"http://jabber.org/protocol/pubsub#publish"}, Features: []string{"urn:xmpp:ping"}, Provides: []string{"nodes"}},
}

func newHarness(t *testing.T, config map[string]any) *sdktest.Harness {
	t.Helper()
	h := sdktest.New(t, disco.New(), sdktest.Options{Config: config, Logger: hclog.NewNullLogger()})
	h.AddManifest(coreManifest)
	for _, m := range others {
		h.AddManifest(m)
	}
	manifestsChanged(t, h)
	// juliet's roster: romeo receives her presence, nurse only sends hers.
	h.Provide("roster", "items", func(_ context.Context, _ string, owner []byte) ([]byte, error) {
		type item struct {
			JID          string `json:"jid"`
			Subscription string `json:"subscription"`
		}
		var items []item
		if string(owner) == "juliet@localhost" {
			items = []item{{"romeo@localhost", "from"}, {"nurse@localhost", "to"}}
		}
		return json.Marshal(map[string]any{"ver": "1", "items": items})
	})
	// juliet's PEP nodes: her avatar for everyone who may see her, her
	// bookmarks for herself.
	h.Provide("pep", "nodes", func(_ context.Context, _ string, payload []byte) ([]byte, error) {
		var req struct{ Owner, Requester string }
		if err := json.Unmarshal(payload, &req); err != nil {
			return nil, err
		}
		nodes := []map[string]string{}
		if req.Owner == "juliet@localhost" {
			nodes = append(nodes, map[string]string{"node": "urn:xmpp:avatar:metadata", "title": "Avatar"})
			if req.Requester == req.Owner {
				nodes = append(nodes, map[string]string{"node": "urn:xmpp:bookmarks:1"})
			}
		}
		return json.Marshal(map[string]any{"nodes": nodes})
	})
	for _, u := range []string{"juliet", "romeo", "nurse", "tybalt"} {
		if err := h.Accounts().Create(t.Context(), u, "secret"); err != nil {
			t.Fatal(err)
		}
	}
	h.SetSessions("juliet@localhost",
		sdk.Session{JID: "juliet@localhost/balcony", SessionID: "s1", Available: true},
		sdk.Session{JID: "juliet@localhost/chamber", SessionID: "s2"}, // bound, not available
	)
	return h
}

var serverConfig = map[string]any{
	"caps_node": "https://switchboard.example/caps",
	"items":     []map[string]any{{"jid": "conference.localhost", "name": "Chatrooms"}},
	"contact":   map[string]any{"admin": []string{"xmpp:admin@localhost", "mailto:admin@localhost"}, "abuse": []string{"mailto:abuse@localhost"}},
}

func TestServerTranscript(t *testing.T) {
	newHarness(t, serverConfig).Golden("testdata/server.xml", *update)
}

func TestAccountTranscript(t *testing.T) {
	newHarness(t, nil).Golden("testdata/account.xml", *update)
}

// The verification string that disco computes is that of the answer it
// gives, and the node it names is answered.
func TestCapsNodeAnswersWithWhatItHashes(t *testing.T) {
	h := newHarness(t, serverConfig)
	plain := infoOf(t, h, "")
	node := "https://switchboard.example/caps#" + verOf(plain)
	withNode := infoOf(t, h, node)
	if got := withNode.SelectAttrValue("node", ""); got != node {
		t.Fatalf("node answered %q, want %q mirrored", got, node)
	}
	withNode.RemoveAttr("node")
	if a, b := xmlOf(plain), xmlOf(withNode); a != b {
		t.Errorf("answer for the caps node differs:\n%s\n%s", a, b)
	}
}

// Identities, features and the caps stream feature follow the manifests
// when the core reports a change: a plugin enabled (or disabled) by a
// reload appears in (or leaves) disco.
func TestFollowsManifests(t *testing.T) {
	h := newHarness(t, map[string]any{"refresh": "1h"})
	before := capsFeature(t, h)
	if hasFeature(infoOf(t, h, ""), "urn:xmpp:time") {
		t.Fatal("feature present before any plugin declares it")
	}
	h.AddManifest(sdk.Manifest{Name: "entitytime", Features: []string{"urn:xmpp:time"}})
	manifestsChanged(t, h)
	info := infoOf(t, h, "")
	if !hasFeature(info, "urn:xmpp:time") {
		t.Error("a newly loaded plugin's feature is missing")
	}
	after := capsFeature(t, h)
	if after == before || !strings.Contains(after, "ver='"+verOf(info)+"'") {
		t.Errorf("caps stream feature %s after the change (was %s), want the ver %s", after, before, verOf(info))
	}
}

// Without a report, the manifests are not read again within the refresh
// interval; after it, or after a Configure, they are.
func TestCachedUntilRefreshOrConfigure(t *testing.T) {
	for _, tt := range []struct {
		refresh   string
		configure bool
		want      bool
	}{
		{"1h", false, false},
		{"1h", true, true},
		{"1ns", false, true},
	} {
		cfg := map[string]any{"refresh": tt.refresh}
		h := newHarness(t, cfg)
		infoOf(t, h, "")
		h.AddManifest(sdk.Manifest{Name: "entitytime", Features: []string{"urn:xmpp:time"}})
		if tt.configure {
			if err := h.Configure(cfg); err != nil {
				t.Fatal(err)
			}
		}
		if got := hasFeature(infoOf(t, h, ""), "urn:xmpp:time"); got != tt.want {
			t.Errorf("refresh %s, configure %v: new feature shown = %v, want %v", tt.refresh, tt.configure, got, tt.want)
		}
	}
}

// The caps stream feature is offered before and after authentication.
func TestCapsStreamFeature(t *testing.T) {
	h := newHarness(t, serverConfig)
	fs := h.StreamFeatures()
	want := caps.StreamFeature("https://switchboard.example/caps", "HCU8UZoOgKx0mcBInqzjYj2eE+A=")
	if len(fs) != 2 || fs[0].XML != want || fs[1].XML != want || fs[0].Stage == fs[1].Stage {
		t.Errorf("stream features = %+v, want %s at both stages", fs, want)
	}
}

func TestConfigErrors(t *testing.T) {
	tests := []struct {
		name   string
		config map[string]any
		want   string
	}{
		{"unknown key", map[string]any{"itmes": []any{}}, `"itmes"`},
		{"bad item jid", map[string]any{"items": []map[string]any{{"jid": "a@b@c"}}}, "items[0]"},
		{"item without jid", map[string]any{"items": []map[string]any{{"name": "x"}}}, "items[0]"},
		{"contact not a URI", map[string]any{"contact": map[string]any{"abuse": []string{"abuse@localhost"}}}, "contact.abuse"},
		{"unknown contact role", map[string]any{"contact": map[string]any{"boss": []string{"mailto:x@y"}}}, `"contact.boss"`},
		{"refresh not positive", map[string]any{"refresh": "0s"}, "refresh"},
		{"empty caps node", map[string]any{"caps_node": ""}, "caps_node"},
	}
	h := newHarness(t, nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := h.Configure(tt.config)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Configure error = %v, want one mentioning %s", err, tt.want)
			}
		})
	}
}

func infoOf(t *testing.T, h *sdktest.Harness, node string) *etree.Element {
	t.Helper()
	attr := ""
	if node != "" {
		attr = " node='" + node + "'"
	}
	r := h.Handle("<iq type='get' id='i1' to='localhost'><query xmlns='"+disco.NSInfo+"'"+attr+"/></iq>", "juliet@localhost/balcony")
	if r.Err != nil || len(r.Replies) != 1 {
		t.Fatalf("disco#info: %+v", r)
	}
	q := r.Replies[0].SelectElement("query")
	if q == nil {
		t.Fatal("disco#info result without a query")
	}
	return q
}

func hasFeature(q *etree.Element, ns string) bool {
	for _, f := range q.SelectElements("feature") {
		if f.SelectAttrValue("var", "") == ns {
			return true
		}
	}
	return false
}

func xmlOf(el *etree.Element) string {
	doc := etree.NewDocument()
	doc.SetRoot(el.Copy())
	s, _ := doc.WriteToString()
	return s
}

func manifestsChanged(t *testing.T, h *sdktest.Harness) {
	t.Helper()
	if err := h.Event(sdktest.Event{Kind: sdk.ManifestsChanged}); err != nil {
		t.Fatal(err)
	}
}

func capsFeature(t *testing.T, h *sdktest.Harness) string {
	t.Helper()
	fs := h.StreamFeatures()
	if len(fs) == 0 {
		t.Fatal("no caps stream feature")
	}
	return fs[0].XML
}

// verOf computes the verification string of a disco#info answer.
func verOf(q *etree.Element) string {
	var ids []caps.Identity
	var features []string
	for _, el := range q.SelectElements("identity") {
		ids = append(ids, caps.Identity{Category: el.SelectAttrValue("category", ""), Type: el.SelectAttrValue("type", ""), Name: el.SelectAttrValue("name", "")})
	}
	for _, el := range q.SelectElements("feature") {
		features = append(features, el.SelectAttrValue("var", ""))
	}
	var forms []caps.Form
	for _, x := range q.SelectElements("x") {
		var f caps.Form
		for _, fl := range x.SelectElements("field") {
			var values []string
			for _, v := range fl.SelectElements("value") {
				values = append(values, v.Text())
			}
			f.Fields = append(f.Fields, caps.Field{Var: fl.SelectAttrValue("var", ""), Values: values})
		}
		forms = append(forms, f)
	}
	return caps.Ver(ids, features, forms)
}
