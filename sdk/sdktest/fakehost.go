package sdktest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/beevik/etree"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/switchboard-xmpp/switchboard/sdk"
	"github.com/switchboard-xmpp/switchboard/sdk/internal/wire"
	"github.com/switchboard-xmpp/switchboard/sdk/proto/contract"
	"github.com/switchboard-xmpp/switchboard/sdk/proto/pluginv1"
	"github.com/switchboard-xmpp/switchboard/sdk/stanza"
)

// fakeHost serves the Host service from memory, with the checks the core
// makes that a plugin author would otherwise only meet in production.
type fakeHost struct {
	pluginv1.UnimplementedHostServer
	domain  string
	domains []string // every hosted domain, domain first
	// serviceDomain is the domain a service plugin owns; "" for others.
	serviceDomain string
	manifest      *pluginv1.Manifest
	// grants are the operator's for a third-party plugin; nil for a
	// built-in, which the core trusts.
	grants []string

	mu        sync.Mutex
	sent      []*etree.Element
	answerIQ  func(iq *etree.Element) *etree.Element
	sessions  map[string][]sdk.Session
	stores    map[string]*memStore
	accounts  *memAccounts
	filters   map[string][]sdk.FilterRule
	manifests []*pluginv1.Manifest
	provided  map[string]func(ctx context.Context, caller string, payload []byte) ([]byte, error)
	published []Publication
	features  []sdk.StreamFeature
	options   map[string]map[string]bool // full JID -> option -> enabled
	ended     []string                   // EndSession requests
}

func (f *fakeHost) SetSessionOption(_ context.Context, req *pluginv1.SessionOptionRequest) (*pluginv1.SessionOptionResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.options == nil {
		f.options = map[string]map[string]bool{}
	}
	if f.options[req.GetJid()] == nil {
		f.options[req.GetJid()] = map[string]bool{}
	}
	f.options[req.GetJid()][req.GetOption()] = req.GetEnabled()
	return &pluginv1.SessionOptionResponse{}, nil
}

func (f *fakeHost) SetStreamFeatures(_ context.Context, req *pluginv1.SetStreamFeaturesRequest) (*pluginv1.SetStreamFeaturesResponse, error) {
	var fs []sdk.StreamFeature
	for _, sf := range req.GetFeatures() {
		fs = append(fs, sdk.StreamFeature{XML: sf.GetXml(), Stage: sdk.Stage(sf.GetStage())})
	}
	f.mu.Lock()
	f.features = fs
	f.mu.Unlock()
	return &pluginv1.SetStreamFeaturesResponse{}, nil
}

// Publication is one Host.Publish call.
type Publication struct {
	Topic   string // without the plugin's name, as the plugin passed it
	JID     string
	Payload []byte
}

func (f *fakeHost) Publish(_ context.Context, req *pluginv1.PublishRequest) (*pluginv1.PublishResponse, error) {
	f.mu.Lock()
	f.published = append(f.published, Publication{Topic: req.GetTopic(), JID: req.GetJid(), Payload: req.GetPayload()})
	f.mu.Unlock()
	return &pluginv1.PublishResponse{}, nil
}

func newFakeHost(domain string, domains []string, serviceDomain string, m *pluginv1.Manifest, grants []string) *fakeHost {
	return &fakeHost{
		domain:        domain,
		domains:       domains,
		serviceDomain: serviceDomain,
		manifest:      m,
		grants:        grants,
		sessions:      map[string][]sdk.Session{},
		stores:        map[string]*memStore{},
		accounts:      &memAccounts{passwords: map[string]string{}},
		filters:       map[string][]sdk.FilterRule{},
		provided:      map[string]func(context.Context, string, []byte) ([]byte, error){},
	}
}

// emitter is the plugin as the contract's check on what it emits sees it.
func (f *fakeHost) emitter() contract.Emitter {
	return contract.Emitter{
		Name:          f.manifest.GetName(),
		Domain:        f.domain,
		Domains:       f.domains,
		ServiceDomain: f.serviceDomain,
		SendAsUsers:   contract.Allowed(f.grants == nil, f.manifest, f.grants, contract.CapSendAsUsers),
	}
}

// record checks every stanza of a Host call as the core does, and keeps
// them all or, when one is refused, none.
func (f *fakeHost) record(raw ...[]byte) ([]*etree.Element, error) {
	els := make([]*etree.Element, len(raw))
	for i, b := range raw {
		el, s, err := parseEmitted(b)
		if err != nil {
			return nil, contract.SendStatus(i+1, fmt.Errorf("malformed stanza: %w", err))
		}
		if err := f.emitter().Check(s, nil, prepJID); err != nil {
			return nil, contract.SendStatus(i+1, err)
		}
		els[i] = el
	}
	f.mu.Lock()
	for _, el := range els {
		f.sent = append(f.sent, el.Copy())
	}
	f.mu.Unlock()
	return els, nil
}

func (f *fakeHost) Send(_ context.Context, req *pluginv1.SendRequest) (*pluginv1.SendResponse, error) {
	if _, err := f.record(append([][]byte{req.GetStanza()}, req.GetMore()...)...); err != nil {
		return nil, err
	}
	return &pluginv1.SendResponse{}, nil
}

func (f *fakeHost) SendIQ(_ context.Context, req *pluginv1.SendRequest) (*pluginv1.SendIQResponse, error) {
	els, err := f.record(req.GetStanza())
	if err != nil {
		return nil, err
	}
	iq := els[0]
	typ := iq.SelectAttrValue("type", "")
	if iq.Tag != "iq" || (typ != "get" && typ != "set") || iq.SelectAttrValue("id", "") == "" {
		return nil, status.Error(codes.InvalidArgument, "SendIQ takes an IQ get or set with an id")
	}
	if to, err := prepJID(iq.SelectAttrValue("to", "")); err != nil || to.Resource == "" {
		return nil, status.Error(codes.InvalidArgument, "SendIQ needs a full JID in 'to'")
	}
	f.mu.Lock()
	answer := f.answerIQ
	f.mu.Unlock()
	if answer == nil {
		return nil, wire.Status(stanza.Errorf(stanza.RecipientUnavailable, "the recipient is offline"))
	}
	el := answer(iq.Copy())
	if el == nil {
		return nil, wire.Status(stanza.Errorf(stanza.RemoteServerTimeout, "no answer"))
	}
	b, err := wire.MarshalStanza(el)
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	return &pluginv1.SendIQResponse{Stanza: b}, nil
}

// AllSessions lists every session the test set, in no particular order,
// two a chunk: the core streams long lists in chunks, and a plugin under
// test must not depend on getting one.
func (f *fakeHost) AllSessions(_ *pluginv1.AllSessionsRequest, out grpc.ServerStreamingServer[pluginv1.SessionsResponse]) error {
	f.mu.Lock()
	var all []*pluginv1.SessionInfo
	for _, ss := range f.sessions {
		for _, s := range ss {
			all = append(all, sessionInfo(s))
		}
	}
	f.mu.Unlock()
	for len(all) > 0 {
		n := min(len(all), 2)
		if err := out.Send(&pluginv1.SessionsResponse{Sessions: all[:n]}); err != nil {
			return err
		}
		all = all[n:]
	}
	return nil
}

// EndSession records the request and takes the sessions out of what
// Sessions and AllSessions report.
func (f *fakeHost) EndSession(_ context.Context, req *pluginv1.EndSessionRequest) (*pluginv1.EndSessionResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ended = append(f.ended, req.GetJid())
	bare, _, full := strings.Cut(req.GetJid(), "/")
	kept := f.sessions[bare][:0]
	for _, s := range f.sessions[bare] {
		if full && s.JID != req.GetJid() {
			kept = append(kept, s)
		}
	}
	f.sessions[bare] = kept
	return &pluginv1.EndSessionResponse{}, nil
}

// AccountList streams the usernames two a chunk, as AllSessions.
func (f *fakeHost) AccountList(req *pluginv1.AccountListRequest, out grpc.ServerStreamingServer[pluginv1.AccountListResponse]) error {
	all, _ := f.accounts.List(out.Context())
	var names []string
	for _, k := range all {
		if u, ok := strings.CutSuffix(k, f.accountKey(req.GetDomain(), "")); ok && !strings.Contains(u, "@") {
			names = append(names, u)
		}
	}
	for len(names) > 0 {
		n := min(len(names), 2)
		if err := out.Send(&pluginv1.AccountListResponse{Usernames: names[:n]}); err != nil {
			return err
		}
		names = names[n:]
	}
	return nil
}

func (f *fakeHost) Sessions(_ context.Context, req *pluginv1.SessionsRequest) (*pluginv1.SessionsResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	resp := &pluginv1.SessionsResponse{}
	for _, s := range f.sessions[req.GetBare()] {
		resp.Sessions = append(resp.Sessions, sessionInfo(s))
	}
	return resp, nil
}

func (f *fakeHost) SetFilters(_ context.Context, req *pluginv1.SetFiltersRequest) (*pluginv1.SetFiltersResponse, error) {
	rules := make([]sdk.FilterRule, len(req.GetRules()))
	for i, r := range req.GetRules() {
		rules[i] = sdk.FilterRule{Action: sdk.FilterAction(r.GetAction()), JID: r.GetJid(), Stanzas: sdk.FilterStanza(r.GetStanzas()), ReportBlocked: r.GetReportBlocked()}
	}
	f.mu.Lock()
	f.filters[req.GetOwner()] = rules
	f.mu.Unlock()
	return &pluginv1.SetFiltersResponse{}, nil
}

func (f *fakeHost) Manifests(context.Context, *pluginv1.ManifestsRequest) (*pluginv1.ManifestsResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return &pluginv1.ManifestsResponse{Manifests: append([]*pluginv1.Manifest{f.manifest}, f.manifests...)}, nil
}

// Call relays to a fake the test provided, refusing, like the core, a
// method the plugin's manifest does not require.
func (f *fakeHost) Call(ctx context.Context, req *pluginv1.CallRequest) (*pluginv1.CallResponse, error) {
	want := req.GetPlugin() + "." + req.GetMethod()
	if !contract.MayCall(f.manifest, req.GetPlugin(), req.GetMethod()) {
		return nil, status.Errorf(codes.PermissionDenied, "plugin %s calls %s without requiring it in its manifest", f.manifest.GetName(), want)
	}
	f.mu.Lock()
	fn := f.provided[want]
	f.mu.Unlock()
	if fn == nil {
		return nil, status.Errorf(codes.NotFound, "no loaded plugin provides %s", want)
	}
	payload, err := fn(ctx, f.manifest.GetName(), req.GetPayload())
	if err != nil {
		return nil, errorStatus(err)
	}
	return &pluginv1.CallResponse{Payload: payload}, nil
}

// errorStatus carries err as the core would: a stanza error typed, any
// other error as a plain status.
func errorStatus(err error) error {
	var se *stanza.Error
	if errors.As(err, &se) {
		return wire.Status(se)
	}
	return status.Error(codes.Unknown, err.Error())
}

// sessionInfo is what the core would report of s.
func sessionInfo(s sdk.Session) *pluginv1.SessionInfo {
	info := &pluginv1.SessionInfo{Jid: s.JID, SessionId: s.SessionID, Available: s.Available, Priority: int32(s.Priority)}
	if s.Available && s.Presence != nil {
		info.Presence = sdk.MarshalElement(s.Presence)
	}
	return info
}
