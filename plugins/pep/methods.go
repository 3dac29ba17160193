package pep

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/switchboard-xmpp/switchboard/plugins/disco/discoapi"
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
