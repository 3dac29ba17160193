package pluginhost

import (
	"context"
	"testing"

	"github.com/hashicorp/go-hclog"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/switchboard-xmpp/switchboard/sdk/proto/contract"
	"github.com/switchboard-xmpp/switchboard/sdk/proto/pluginv1"
)

// TestHostServicePermissions: a third-party plugin is refused, with
// permission-denied, every Host call that needs a capability it was not
// both asked for and granted; a built-in is trusted; and a call to
// another plugin needs the method in the manifest even with the
// capability.
func TestHostServicePermissions(t *testing.T) {
	h := New(Config{Domain: "localhost"}, Deps{}, hclog.NewNullLogger())
	defer h.Stop()
	plugin := func(path string, asked, granted []string, requires ...string) *hostServer {
		in := &instance{h: h, spec: Spec{Name: "x", Path: path, Grants: granted}, log: hclog.NewNullLogger(), exited: make(chan struct{})}
		in.manifest = &pluginv1.Manifest{Name: "x", Capabilities: asked, Requires: requires}
		return &hostServer{h: h, in: in}
	}
	ctx := context.Background()
	feature := &pluginv1.SetStreamFeaturesRequest{Features: []*pluginv1.StreamFeature{{Xml: "<f xmlns='urn:test:f'/>", Stage: pluginv1.Stage_STAGE_POST_AUTH}}}
	preAuthFeature := &pluginv1.SetStreamFeaturesRequest{Features: []*pluginv1.StreamFeature{{Xml: "<f xmlns='urn:test:f'/>", Stage: pluginv1.Stage_STAGE_PRE_AUTH}}}
	calls := map[string]func(s *hostServer) error{
		contract.CapAccounts: func(s *hostServer) error {
			_, err := s.AccountCreate(ctx, &pluginv1.AccountPasswordRequest{Username: "eve", Password: "x"})
			return err
		},
		contract.CapAccounts + " (delete)": func(s *hostServer) error {
			_, err := s.AccountDelete(ctx, &pluginv1.AccountRequest{Username: "alice"})
			return err
		},
		contract.CapAccounts + " (password)": func(s *hostServer) error {
			_, err := s.AccountSetPassword(ctx, &pluginv1.AccountPasswordRequest{Username: "alice", Password: "x"})
			return err
		},
		contract.CapAccounts + " (list)": func(s *hostServer) error { return s.AccountList(&pluginv1.AccountListRequest{}, nil) },
		contract.CapSessions:             func(s *hostServer) error { return s.AllSessions(&pluginv1.AllSessionsRequest{}, nil) },
		contract.CapSessions + " (end)": func(s *hostServer) error {
			_, err := s.EndSession(ctx, &pluginv1.EndSessionRequest{Jid: "alice@localhost"})
			return err
		},
		contract.CapSessions + " (option)": func(s *hostServer) error {
			_, err := s.SetSessionOption(ctx, &pluginv1.SessionOptionRequest{Jid: "alice@localhost/r", Option: "carbons", Enabled: true})
			return err
		},
		contract.CapFilters: func(s *hostServer) error {
			_, err := s.SetFilters(ctx, &pluginv1.SetFiltersRequest{Owner: "alice@localhost"})
			return err
		},
		contract.CapCall: func(s *hostServer) error {
			_, err := s.Call(ctx, &pluginv1.CallRequest{Plugin: "roster", Method: "items"})
			return err
		},
		contract.CapStreamFeatures: func(s *hostServer) error {
			_, err := s.SetStreamFeatures(ctx, feature)
			return err
		},
		contract.CapSendAsUsers: func(s *hostServer) error {
			_, err := s.Send(ctx, &pluginv1.SendRequest{Stanza: []byte("<message to='bob@localhost' from='alice@localhost'/>")})
			return err
		},
	}
	denied := func(err error) bool { return status.Code(err) == codes.PermissionDenied }
	for name, call := range calls {
		asked := []string{contract.CapSendAsUsers, contract.CapStreamFeatures, contract.CapCall, contract.CapAccounts, contract.CapSessions, contract.CapFilters}
		if err := call(plugin("/opt/x", nil, nil)); !denied(err) {
			t.Errorf("%s, not asked for, not granted: %v, want permission denied", name, err)
		}
		if err := call(plugin("/opt/x", asked, nil)); !denied(err) {
			t.Errorf("%s, asked for, not granted: %v, want permission denied", name, err)
		}
		if err := call(plugin("/opt/x", nil, asked)); !denied(err) {
			t.Errorf("%s, granted, not asked for: %v, want permission denied", name, err)
		}
	}
	// Granted and asked for, or built in: these calls go through.
	full := []string{contract.CapStreamFeatures, contract.CapPreAuth}
	if _, err := plugin("/opt/x", full, full).SetStreamFeatures(ctx, preAuthFeature); err != nil {
		t.Errorf("a granted pre-auth stream feature: %v", err)
	}
	if _, err := plugin("/opt/x", full[:1], full[:1]).SetStreamFeatures(ctx, preAuthFeature); !denied(err) {
		t.Errorf("a pre-auth stream feature without pre_auth: %v, want permission denied", err)
	}
	if _, err := plugin("", nil, nil).SetStreamFeatures(ctx, feature); err != nil {
		t.Errorf("a built-in's stream feature: %v", err)
	}
	// The call capability alone allows no call.
	call := []string{contract.CapCall}
	if _, err := plugin("/opt/x", call, call).Call(ctx, &pluginv1.CallRequest{Plugin: "roster", Method: "items"}); !denied(err) {
		t.Errorf("a call the manifest does not require: %v, want permission denied", err)
	}
	if _, err := plugin("/opt/x", call, call, "roster.items").Call(ctx, &pluginv1.CallRequest{Plugin: "roster", Method: "items"}); status.Code(err) != codes.NotFound {
		t.Errorf("a call the manifest requires, to no loaded plugin: %v, want not found", err)
	}
}
