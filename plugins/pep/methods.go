package pep

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/switchboard-xmpp/switchboard/plugins/disco/discoapi"
	"github.com/switchboard-xmpp/switchboard/plugins/pep/pepapi"
	"github.com/switchboard-xmpp/switchboard/sdk"
	"github.com/switchboard-xmpp/switchboard/sdk/stanza"
)

// methodNodes lists the nodes of an account that the requester may
// retrieve items from (XEP-0163 §7.2), in name order: what the account's
// disco#items would show (XEP-0060 §5.2).
func (p *PEP) methodNodes(ctx context.Context, _ string, payload []byte) ([]byte, error) {
	var req discoapi.NodesRequest
	if err := json.Unmarshal(payload, &req); err != nil || req.Owner == "" || req.Requester == "" {
		return nil, stanza.Errorf(stanza.BadRequest, "expected {\"owner\":…,\"requester\":…}")
	}
	host, _, _ := p.env()
	nodes, err := store{host.Store(req.Owner)}.nodes(ctx)
	if err != nil {
		return nil, err
	}
	roster := p.lazyRoster(ctx, req.Owner)
	out := discoapi.NodesResult{Nodes: []discoapi.NodeInfo{}}
	for _, n := range nodes {
		err := checkAccess(req.Owner, req.Requester, n.Config, roster)
		var se *stanza.Error
		switch {
		case errors.As(err, &se):
			continue
		case err != nil:
			return nil, err
		}
		out.Nodes = append(out.Nodes, discoapi.NodeInfo{Node: n.Name, Title: n.Config.Title})
	}
	return json.Marshal(out)
}

// methodLegacyBookmarks returns an account's bookmarks as XEP-0048's
// <storage/>, for private XML storage to answer with (XEP-0402 §5.3).
func (p *PEP) methodLegacyBookmarks(ctx context.Context, _ string, payload []byte) ([]byte, error) {
	var req pepapi.LegacyRequest
	if err := json.Unmarshal(payload, &req); err != nil || req.Owner == "" {
		return nil, stanza.Errorf(stanza.BadRequest, "expected {\"owner\":…}")
	}
	host, cfg, _ := p.env()
	s, err := legacyView(ctx, store{host.Store(req.Owner)}, cfg)
	if err != nil {
		return nil, err
	}
	return json.Marshal(pepapi.Legacy{Storage: string(sdk.MarshalElement(s))})
}

// methodSetLegacy stores an account's bookmarks given as XEP-0048's
// <storage/> (a set through private XML storage) as XEP-0402 items.
func (p *PEP) methodSetLegacy(ctx context.Context, _ string, payload []byte) ([]byte, error) {
	var req pepapi.SetLegacyRequest
	if err := json.Unmarshal(payload, &req); err != nil || req.Owner == "" {
		return nil, stanza.Errorf(stanza.BadRequest, "expected {\"owner\":…,\"storage\":…}")
	}
	s, err := sdk.UnmarshalElement([]byte(req.Storage))
	if err != nil {
		return nil, stanza.Errorf(stanza.BadRequest, "the storage is not XML: "+err.Error())
	}
	if err := p.setLegacy(ctx, req.Owner, s, req.Merge); err != nil {
		return nil, err
	}
	return []byte("{}"), nil
}
