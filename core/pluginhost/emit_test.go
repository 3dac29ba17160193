package pluginhost

import (
	"context"
	"runtime"
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"

	"github.com/switchboard-xmpp/switchboard/sdk/proto/contract"
	"github.com/switchboard-xmpp/switchboard/sdk/proto/pluginv1"
	"github.com/switchboard-xmpp/switchboard/sdk/stanza"
)

// TestOneCheckOnWhatAPluginEmits: sent through the Host or returned as a
// reply, a stanza from a local user needs send_as_users, except the
// answer to a request from what the request was addressed to; nothing
// may come from another domain or fail to parse.
func TestOneCheckOnWhatAPluginEmits(t *testing.T) {
	third := func(granted ...string) *instance {
		in := &instance{h: &Host{cfg: Config{Domain: "localhost"}}, spec: Spec{Name: "x", Path: "/opt/x", Grants: granted}, log: hclog.NewNullLogger()}
		in.manifest = &pluginv1.Manifest{Capabilities: granted}
		return in
	}
	service := third()
	service.manifest.Service = &pluginv1.Service{Subdomain: "svc", Domain: "svc.localhost"}
	toAlice := &contract.Answered{To: "alice@localhost", ID: "q1"}
	tests := []struct {
		name    string
		in      *instance
		stanza  string
		a       *contract.Answered
		refused bool
	}{
		{"from the server", third(), "<message to='bob@localhost' from='localhost'/>", nil, false},
		{"no from", third(), "<message to='bob@localhost'/>", nil, false},
		{"as a user, not granted", third(), "<message to='bob@localhost' from='alice@localhost/a'/>", nil, true},
		{"as a user, granted", third("send_as_users"), "<message to='bob@localhost' from='alice@localhost/a'/>", nil, false},
		{"another domain", third("send_as_users"), "<message to='bob@localhost' from='evil.example'/>", nil, true},
		{"reply from the addressee", third(), "<iq type='result' id='q1' to='bob@localhost/b' from='alice@localhost'/>", toAlice, false},
		{"reply with another id", third(), "<iq type='result' id='q2' to='bob@localhost/b' from='alice@localhost'/>", toAlice, true},
		{"a message in the replies, as the addressee", third(), "<message to='bob@localhost/b' from='alice@localhost'><body>forged</body></message>", toAlice, true},
		{"reply as another user", third(), "<iq type='result' id='q1' to='bob@localhost/b' from='carol@localhost'/>", toAlice, true},
		{"not XML", third("send_as_users"), "<message to='bob@localhost'><body>x</message>", nil, true},
		{"a service, from a JID of its domain", service, "<message to='bob@localhost' from='room@svc.localhost/nick'/>", nil, false},
		{"a service, from another service's domain", service, "<message to='bob@localhost' from='room@other.localhost'/>", nil, true},
		{"a service, as a user", service, "<message to='bob@localhost' from='alice@localhost'/>", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			if tt.a == nil {
				_, err = tt.in.emitted([]byte(tt.stanza))
			} else if _, serr := tt.in.checkReplies([][]byte{[]byte(tt.stanza)}, tt.a); serr != nil {
				err = serr
			}
			if (err != nil) != tt.refused {
				t.Fatalf("emitted = %v, want refused %v", err, tt.refused)
			}
		})
	}
	// A refused reply set is refused whole, with an id for the log.
	replies := [][]byte{[]byte("<iq type='result' id='q1' to='bob@localhost/b' from='alice@localhost'/>"), []byte("<message to='bob@localhost/b' from='alice@localhost'/>")}
	if els, serr := third().checkReplies(replies, toAlice); serr == nil || els != nil || serr.Condition != stanza.InternalServerError || !strings.HasPrefix(serr.Text, "internal error, id ") {
		t.Fatalf("checkReplies = %v, %v; want none and internal-server-error with an id", els, serr)
	}
}

// TestSetStreamFeaturesIsCoalesced: calls made while the host is busy
// (its lock held, as while it starts a plugin) wait as one rebuild, not as
// a goroutine each.
func TestSetStreamFeaturesIsCoalesced(t *testing.T) {
	h := New(Config{Domain: "localhost"}, Deps{}, hclog.NewNullLogger())
	defer h.Stop()
	in := &instance{h: h, spec: Spec{Name: "x"}, log: hclog.NewNullLogger(), exited: make(chan struct{})}
	s := &hostServer{h: h, in: in}
	h.mu.Lock()
	before := runtime.NumGoroutine()
	for range 100 {
		req := &pluginv1.SetStreamFeaturesRequest{Features: []*pluginv1.StreamFeature{{Xml: "<f xmlns='urn:test:f'/>", Stage: pluginv1.Stage_STAGE_POST_AUTH}}}
		if _, err := s.SetStreamFeatures(context.Background(), req); err != nil {
			t.Fatal(err)
		}
	}
	grown := runtime.NumGoroutine() - before
	h.mu.Unlock()
	if grown > 2 {
		t.Errorf("100 calls while the host was busy left %d more goroutines", grown)
	}
}

// TestTwoServicesOneDomain: like two plugins claiming one route, two
// services owning one domain keep the server from starting.
func TestTwoServicesOneDomain(t *testing.T) {
	h := &Host{cfg: Config{Domain: "localhost"}}
	svc := func(name, subdomain, domain string) *instance {
		in := &instance{h: h, spec: Spec{Name: name, Domain: domain}, log: hclog.NewNullLogger()}
		m := &pluginv1.Manifest{Service: &pluginv1.Service{Subdomain: subdomain}}
		if err := in.claimDomain(m); err != nil {
			t.Fatal(err)
		}
		in.manifest = m
		return in
	}
	a, b := svc("muc", "conference", ""), svc("other", "x", "conference.localhost")
	if a.serviceDomain() != "conference.localhost" {
		t.Fatalf("default service domain %q", a.serviceDomain())
	}
	if _, err := buildServices([]*instance{a, b}, nil); err == nil || !strings.Contains(err.Error(), "both own conference.localhost") {
		t.Fatalf("buildServices = %v, want a conflict naming the domain", err)
	}
	notService := &instance{h: h, spec: Spec{Name: "ping", Domain: "ping.localhost"}, log: hclog.NewNullLogger()}
	if err := notService.claimDomain(&pluginv1.Manifest{}); err == nil {
		t.Error("a domain configured for a plugin that is no service was accepted")
	}
}

type discardComponent struct{}

func (discardComponent) Deliver([]byte) bool { return true }

// TestComponentsShareTheServicesTable: an external component gets a domain
// no plugin and no other component owns, shows in the manifests as a
// service while attached, and gives the domain back when it leaves.
func TestComponentsShareTheServicesTable(t *testing.T) {
	h := New(Config{Domain: "localhost"}, Deps{}, hclog.NewNullLogger())
	defer h.Stop()
	detach, err := h.AttachComponent("gateway.localhost", "Gateway", discardComponent{})
	if err != nil {
		t.Fatal(err)
	}
	if !h.ServiceDomain("gateway.localhost") {
		t.Fatal("the component's domain is not a service domain")
	}
	if _, err := h.AttachComponent("gateway.localhost", "Again", discardComponent{}); err == nil {
		t.Error("a second component took the same domain")
	}
	listed := false
	for _, m := range h.Manifests() {
		listed = listed || m.GetService().GetDomain() == "gateway.localhost" && m.GetService().GetName() == "Gateway"
	}
	if !listed {
		t.Error("the component is not among the manifests")
	}
	detach()
	if h.ServiceDomain("gateway.localhost") {
		t.Error("the domain stayed taken after the component left")
	}
}
