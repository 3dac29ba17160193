package pluginhost

import (
	"context"
	"errors"
	"slices"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/switchboard-xmpp/switchboard/core/filter"
	"github.com/switchboard-xmpp/switchboard/core/jidprep"
	"github.com/switchboard-xmpp/switchboard/core/session"
	"github.com/switchboard-xmpp/switchboard/core/storage"
	"github.com/switchboard-xmpp/switchboard/core/stream"
	"github.com/switchboard-xmpp/switchboard/sdk/proto/contract"
	"github.com/switchboard-xmpp/switchboard/sdk/proto/pluginv1"
	"github.com/switchboard-xmpp/switchboard/sdk/stanza"
)

// hostServer is the Host service as one plugin sees it: every call is
// scoped to that plugin.
type hostServer struct {
	pluginv1.UnimplementedHostServer
	h  *Host
	in *instance
}

func (s *hostServer) ns() string { return s.in.spec.Name }

// Send parses every stanza of the call before routing any, so a batch
// with a bad stanza is refused whole and the plugin can retry without
// duplicates.
func (s *hostServer) Send(ctx context.Context, req *pluginv1.SendRequest) (*pluginv1.SendResponse, error) {
	raw := append([][]byte{req.GetStanza()}, req.GetMore()...)
	els := make([]*stream.Element, len(raw))
	for i, b := range raw {
		el, err := s.in.emitted(b)
		if err != nil {
			return nil, s.refused(i+1, err)
		}
		els[i] = el
	}
	var buf []byte
	for i, el := range els {
		var err error
		if buf, err = s.h.router.Deliver(ctx, el, buf); err != nil {
			s.in.log.Warn("plugin sent an undeliverable stanza", "error", err)
			return nil, status.Errorf(codes.InvalidArgument, "stanza %d: %v", i+1, err)
		}
	}
	return &pluginv1.SendResponse{}, nil
}

func (s *hostServer) SendIQ(ctx context.Context, req *pluginv1.SendRequest) (*pluginv1.SendIQResponse, error) {
	el, err := s.in.emitted(req.GetStanza())
	if err != nil {
		return nil, s.refused(1, err)
	}
	typ, id := el.Attr("type"), el.Attr("id")
	if el.Name.Local != "iq" || (typ != "get" && typ != "set") || id == "" {
		return nil, status.Error(codes.InvalidArgument, "SendIQ takes an IQ get or set with an id")
	}
	to, err := jidprep.Parse(el.Attr("to"))
	if err != nil || to.Resource == "" {
		return nil, status.Error(codes.InvalidArgument, "SendIQ needs a full JID in 'to'")
	}
	peer := to.String()
	ch := s.h.pending.add(peer, id)
	defer s.h.pending.remove(peer, id)
	if s.h.deps.Sessions.Lookup(to.Bare(), to.Resource) == nil {
		return nil, stanzaStatus(stanza.Errorf(stanza.RecipientUnavailable, "the recipient is offline"))
	}
	if _, err := s.h.router.Deliver(ctx, el, nil); err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.h.cfg.CallTimeout)
		defer cancel()
	}
	select {
	case b := <-ch:
		return &pluginv1.SendIQResponse{Stanza: b}, nil
	case <-ctx.Done():
		return nil, stanzaStatus(stanza.Errorf(stanza.RemoteServerTimeout, "no answer from "+peer))
	}
}

func (s *hostServer) Sessions(_ context.Context, req *pluginv1.SessionsRequest) (*pluginv1.SessionsResponse, error) {
	resp := &pluginv1.SessionsResponse{}
	for _, ss := range s.h.deps.Sessions.Resources(req.GetBare()) {
		resp.Sessions = append(resp.Sessions, sessionInfo(ss))
	}
	return resp, nil
}

// Chunks of the streamed lists: well under gRPC's 4 MiB message limit
// with a few hundred bytes of presence per session.
const (
	sessionsPerChunk  = 1000
	usernamesPerChunk = 10000
)

func (s *hostServer) AllSessions(_ *pluginv1.AllSessionsRequest, out grpc.ServerStreamingServer[pluginv1.SessionsResponse]) error {
	if err := s.require(capSessions); err != nil {
		return err
	}
	all := s.h.deps.Sessions.All()
	for len(all) > 0 {
		n := min(len(all), sessionsPerChunk)
		resp := &pluginv1.SessionsResponse{Sessions: make([]*pluginv1.SessionInfo, 0, n)}
		for _, ss := range all[:n] {
			resp.Sessions = append(resp.Sessions, sessionInfo(ss))
		}
		if err := out.Send(resp); err != nil {
			return err
		}
		all = all[n:]
	}
	return nil
}

func sessionInfo(ss *session.Session) *pluginv1.SessionInfo {
	avail, prio := ss.Presence()
	info := &pluginv1.SessionInfo{Jid: ss.Full, SessionId: ss.ID, Available: avail, Priority: int32(prio), Elsewhere: ss.Node != ""}
	if avail {
		info.Presence = ss.LastPresence()
	}
	return info
}

// EndSession closes one session, or every session of an account.
func (s *hostServer) EndSession(_ context.Context, req *pluginv1.EndSessionRequest) (*pluginv1.EndSessionResponse, error) {
	if err := s.require(capSessions); err != nil {
		return nil, err
	}
	j, err := jidprep.Parse(req.GetJid())
	if err != nil || j.Local == "" {
		return nil, status.Errorf(codes.InvalidArgument, "end session: %q is not an account or session JID", req.GetJid())
	}
	serr := stream.NewError("policy-violation", "the session was ended by an administrator")
	for _, ss := range s.h.deps.Sessions.Resources(j.Bare()) {
		if j.Resource == "" || ss.JID.Resource == j.Resource {
			s.in.log.Info("ending session", "jid", ss.Full)
			ss.Sink.Close(serr)
		}
	}
	return &pluginv1.EndSessionResponse{}, nil
}

func (s *hostServer) AccountList(req *pluginv1.AccountListRequest, out grpc.ServerStreamingServer[pluginv1.AccountListResponse]) error {
	if err := s.require(capAccounts); err != nil {
		return err
	}
	domain, err := s.h.accountDomain(req.GetDomain())
	if err != nil {
		return err
	}
	names, err := s.h.deps.Accounts.List(out.Context(), domain)
	if err != nil {
		return s.storageStatus("account list", err)
	}
	for len(names) > 0 {
		n := min(len(names), usernamesPerChunk)
		if err := out.Send(&pluginv1.AccountListResponse{Usernames: names[:n]}); err != nil {
			return err
		}
		names = names[n:]
	}
	return nil
}

func (s *hostServer) StoreGet(ctx context.Context, req *pluginv1.StoreKey) (*pluginv1.StoreValue, error) {
	v, err := s.h.deps.Store.Get(ctx, s.ns(), req.GetOwner(), req.GetKey())
	if errors.Is(err, storage.ErrNotFound) {
		return &pluginv1.StoreValue{}, nil
	}
	if err != nil {
		return nil, s.storageStatus("store", err)
	}
	return &pluginv1.StoreValue{Value: v, Found: true}, nil
}

func (s *hostServer) StorePut(ctx context.Context, req *pluginv1.StorePutRequest) (*pluginv1.StorePutResponse, error) {
	if err := s.h.deps.Store.Put(ctx, s.ns(), req.GetOwner(), req.GetKey(), req.GetValue()); err != nil {
		return nil, s.storageStatus("store", err)
	}
	return &pluginv1.StorePutResponse{}, nil
}

func (s *hostServer) StoreDelete(ctx context.Context, req *pluginv1.StoreKey) (*pluginv1.StoreDeleteResponse, error) {
	if err := s.h.deps.Store.Delete(ctx, s.ns(), req.GetOwner(), req.GetKey()); err != nil {
		return nil, s.storageStatus("store", err)
	}
	return &pluginv1.StoreDeleteResponse{}, nil
}

func (s *hostServer) StoreScan(ctx context.Context, req *pluginv1.StoreScanRequest) (*pluginv1.StoreScanResponse, error) {
	kvs, err := s.h.deps.Store.Scan(ctx, s.ns(), req.GetOwner(), req.GetPrefix(), req.GetAfter(), int(req.GetLimit()), req.GetReverse())
	if err != nil {
		return nil, s.storageStatus("store", err)
	}
	resp := &pluginv1.StoreScanResponse{Items: make([]*pluginv1.KeyValue, len(kvs))}
	for i, kv := range kvs {
		resp.Items[i] = &pluginv1.KeyValue{Key: kv.Key, Value: kv.Value}
	}
	return resp, nil
}

func (s *hostServer) StoreBatch(ctx context.Context, req *pluginv1.StoreBatchRequest) (*pluginv1.StoreBatchResponse, error) {
	ops := make([]storage.Op, len(req.GetOps()))
	for i, op := range req.GetOps() {
		ops[i] = storage.Op{Owner: op.GetOwner(), Key: op.GetKey(), Value: op.GetValue(), Delete: op.GetDelete()}
	}
	if err := s.h.deps.Store.Batch(ctx, s.ns(), ops); err != nil {
		return nil, s.storageStatus("store batch", err)
	}
	return &pluginv1.StoreBatchResponse{}, nil
}

func (s *hostServer) AccountExists(ctx context.Context, req *pluginv1.AccountRequest) (*pluginv1.AccountExistsResponse, error) {
	domain, err := s.h.accountDomain(req.GetDomain())
	if err != nil {
		return nil, err
	}
	ok, err := s.h.deps.Accounts.Exists(ctx, domain, req.GetUsername())
	if err != nil {
		return nil, s.storageStatus("store", err)
	}
	return &pluginv1.AccountExistsResponse{Exists: ok}, nil
}

func (s *hostServer) AccountCreate(ctx context.Context, req *pluginv1.AccountPasswordRequest) (*pluginv1.AccountResponse, error) {
	if err := s.require(capAccounts); err != nil {
		return nil, err
	}
	domain, err := s.h.accountDomain(req.GetDomain())
	if err != nil {
		return nil, err
	}
	err = s.h.deps.Accounts.Create(ctx, domain, req.GetUsername(), req.GetPassword())
	if errors.Is(err, storage.ErrExists) {
		return nil, stanzaStatus(stanza.Errorf(stanza.Conflict, "the account already exists"))
	}
	if err != nil {
		return nil, accountStatus(err)
	}
	s.in.log.Info("account created", "jid", req.GetUsername()+"@"+domain)
	s.h.AccountCreated(req.GetUsername() + "@" + domain)
	return &pluginv1.AccountResponse{}, nil
}

func (s *hostServer) AccountDelete(ctx context.Context, req *pluginv1.AccountRequest) (*pluginv1.AccountResponse, error) {
	if err := s.require(capAccounts); err != nil {
		return nil, err
	}
	domain, err := s.h.accountDomain(req.GetDomain())
	if err != nil {
		return nil, err
	}
	bare := req.GetUsername() + "@" + domain
	if err := s.h.deps.Accounts.Delete(ctx, domain, req.GetUsername()); err != nil {
		return nil, accountStatus(err)
	}
	s.in.log.Info("account deleted", "jid", bare)
	s.h.AccountDeleted(bare)
	if s.h.deps.Kick != nil {
		// Give the reply that confirms the deletion a moment to be written
		// before the sessions are closed.
		time.AfterFunc(100*time.Millisecond, func() {
			s.h.deps.Kick(bare, stream.NewError("not-authorized", "the account was deleted"))
		})
	}
	return &pluginv1.AccountResponse{}, nil
}

func (s *hostServer) AccountSetPassword(ctx context.Context, req *pluginv1.AccountPasswordRequest) (*pluginv1.AccountResponse, error) {
	if err := s.require(capAccounts); err != nil {
		return nil, err
	}
	domain, err := s.h.accountDomain(req.GetDomain())
	if err != nil {
		return nil, err
	}
	if err := s.h.deps.Accounts.SetPassword(ctx, domain, req.GetUsername(), req.GetPassword()); err != nil {
		return nil, accountStatus(err)
	}
	return &pluginv1.AccountResponse{}, nil
}

func (s *hostServer) SetFilters(_ context.Context, req *pluginv1.SetFiltersRequest) (*pluginv1.SetFiltersResponse, error) {
	if err := s.require(capFilters); err != nil {
		return nil, err
	}
	rules := make([]filter.Rule, 0, len(req.GetRules()))
	for _, r := range req.GetRules() {
		rule, err := filter.NewRule(r.GetAction() == pluginv1.FilterAction_FILTER_ACTION_DENY, r.GetJid(), filter.Stanzas(r.GetStanzas()), r.GetReportBlocked())
		if err != nil {
			return nil, status.Error(codes.InvalidArgument, err.Error())
		}
		rules = append(rules, rule)
	}
	s.h.deps.Filters.Set(s.ns(), req.GetOwner(), rules)
	return &pluginv1.SetFiltersResponse{}, nil
}

func (s *hostServer) Manifests(context.Context, *pluginv1.ManifestsRequest) (*pluginv1.ManifestsResponse, error) {
	return &pluginv1.ManifestsResponse{Manifests: s.h.Manifests()}, nil
}

// Call relays a method call to the plugin that provides it. A plugin may
// only call what its manifest says it requires or uses.
func (s *hostServer) Call(ctx context.Context, req *pluginv1.CallRequest) (*pluginv1.CallResponse, error) {
	if err := s.require(capCall); err != nil {
		return nil, err
	}
	want := req.GetPlugin() + "." + req.GetMethod()
	if !contract.MayCall(s.in.manifestOf(), req.GetPlugin(), req.GetMethod()) {
		return nil, status.Errorf(codes.PermissionDenied, "plugin %s calls %s without requiring it in its manifest", s.ns(), want)
	}
	p := s.h.snap.Load().byName[req.GetPlugin()]
	if p == nil || !slices.Contains(p.manifestOf().GetProvides(), req.GetMethod()) {
		return nil, status.Errorf(codes.NotFound, "no loaded plugin provides %s", want)
	}
	ctx, cancel := context.WithTimeout(ctx, s.h.cfg.CallTimeout)
	defer cancel()
	if err := p.acquire(ctx); err != nil {
		return nil, status.Errorf(codes.Unavailable, "plugin %s: %v", req.GetPlugin(), err)
	}
	defer p.release()
	resp, err := p.remoteOf().client.Invoke(ctx, &pluginv1.InvokeRequest{Method: req.GetMethod(), Payload: req.GetPayload(), Caller: s.ns()})
	if err != nil {
		return nil, err // the provider's status, typed detail included, passes through
	}
	return &pluginv1.CallResponse{Payload: resp.GetPayload()}, nil
}

// Publish hands a notification to the plugins subscribed to it, on this
// node and, in a cluster, on the others.
func (s *hostServer) Publish(_ context.Context, req *pluginv1.PublishRequest) (*pluginv1.PublishResponse, error) {
	topic := s.ns() + "." + req.GetTopic()
	s.h.Published(topic, req.GetJid(), req.GetPayload(), false)
	if c := s.h.cluster.Load(); c != nil {
		(*c).Publish(topic, req.GetJid(), req.GetPayload())
	}
	return &pluginv1.PublishResponse{}, nil
}

// refused logs and returns the status of a call whose stanza number n
// the emission check refused.
func (s *hostServer) refused(n int, err error) error {
	s.in.log.Warn("plugin sent a stanza the core refuses", "error", err)
	return contract.SendStatus(n, err)
}

// SetStreamFeatures replaces the plugin's dynamic stream features, which
// need the capabilities their manifest ones would. The snapshot is rebuilt
// asynchronously (see requestRebuild).
func (s *hostServer) SetStreamFeatures(_ context.Context, req *pluginv1.SetStreamFeaturesRequest) (*pluginv1.SetStreamFeaturesResponse, error) {
	if len(req.GetFeatures()) > 0 {
		if err := s.require(capStreamFeatures); err != nil {
			return nil, err
		}
	}
	for _, f := range req.GetFeatures() {
		if f.GetStage() == pluginv1.Stage_STAGE_PRE_AUTH {
			if err := s.require(capPreAuth); err != nil {
				return nil, err
			}
		}
		if err := s.h.checkFeature(f); err != nil {
			s.in.log.Warn("plugin refused: stream feature", "error", err)
			return nil, status.Error(codes.InvalidArgument, err.Error())
		}
	}
	s.in.mu.Lock()
	s.in.dynamic = req.GetFeatures()
	s.in.mu.Unlock()
	s.h.requestRebuild()
	return &pluginv1.SetStreamFeaturesResponse{}, nil
}

// SetSessionOption switches a per-session delivery option that the core
// applies on its own from then on.
func (s *hostServer) SetSessionOption(_ context.Context, req *pluginv1.SessionOptionRequest) (*pluginv1.SessionOptionResponse, error) {
	if err := s.require(capSessions); err != nil {
		return nil, err
	}
	j, err := jidprep.Parse(req.GetJid())
	if err != nil || j.Resource == "" {
		return nil, status.Errorf(codes.InvalidArgument, "session option: %q is not a full JID", req.GetJid())
	}
	sess := s.h.deps.Sessions.Lookup(j.Bare(), j.Resource)
	if sess == nil {
		return nil, stanzaStatus(stanza.Errorf(stanza.ItemNotFound, "no such session"))
	}
	switch req.GetOption() {
	case "carbons":
		sess.Carbons.Store(req.GetEnabled())
	default:
		return nil, status.Errorf(codes.InvalidArgument, "unknown session option %q (known: carbons)", req.GetOption())
	}
	if c := s.h.cluster.Load(); c != nil && sess.Node == "" {
		(*c).SessionOptionChanged(sess)
	}
	return &pluginv1.SessionOptionResponse{}, nil
}

// stanzaStatus carries a stanza error over gRPC as a typed detail.
func stanzaStatus(e *stanza.Error) error {
	st := status.New(codes.FailedPrecondition, e.Error())
	withDetail, err := st.WithDetails(pluginv1.StanzaErrorToProto(e))
	if err != nil {
		return st.Err()
	}
	return withDetail.Err()
}

// storageStatus reports a storage failure to the plugin without the
// details, which stay in the server's log.
func (s *hostServer) storageStatus(op string, err error) error {
	s.in.log.Error("storage failed", "op", op, "error", err)
	if errors.Is(err, storage.ErrFull) {
		return stanzaStatus(&stanza.Error{Type: stanza.Wait, Condition: stanza.ResourceConstraint, Text: "storage is full"})
	}
	return stanzaStatus(&stanza.Error{Type: stanza.Wait, Condition: stanza.InternalServerError, Text: "storage is unavailable"})
}

func accountStatus(err error) error {
	if errors.Is(err, storage.ErrNotFound) {
		return stanzaStatus(stanza.Errorf(stanza.ItemNotFound, "no such account"))
	}
	return stanzaStatus(stanza.Errorf(stanza.NotAcceptable, err.Error()))
}

// accountDomain is the hosted domain an account call names: "" is the
// server's; a domain not hosted here has no accounts to manage.
func (h *Host) accountDomain(domain string) (string, error) {
	switch {
	case domain == "":
		return h.cfg.Domain, nil
	case h.Hosts(domain):
		return domain, nil
	}
	return "", stanzaStatus(stanza.Errorf(stanza.ItemNotFound, domain+" is not a domain this server hosts"))
}
