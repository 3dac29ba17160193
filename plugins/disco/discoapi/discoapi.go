// Package discoapi is what the disco plugin asks of other plugins: the
// nodes method, which a plugin keeping nodes on accounts provides (PEP
// does), so that an account's disco#items lists them (XEP-0030 §4,
// XEP-0163 §7.2). A provider imports this small package, never disco,
// and disco calls every plugin whose manifest provides the method.
package discoapi

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/switchboard-xmpp/switchboard/sdk"
)

// MethodNodes is the method a plugin keeping nodes on accounts provides:
// payload NodesRequest, answer NodesResult.
const MethodNodes = "nodes"

// NodesRequest is the payload of the nodes method: whose nodes, and who
// asks (both bare JIDs).
type NodesRequest struct {
	Owner     string `json:"owner"`
	Requester string `json:"requester"`
}

// NodesResult is what the nodes method returns: only the nodes the
// requester may see.
type NodesResult struct {
	Nodes []NodeInfo `json:"nodes"`
}

// NodeInfo is one node: its name, and its title if it has one.
type NodeInfo struct {
	Node  string `json:"node"`
	Title string `json:"title,omitempty"`
}

// ReadNodes calls plugin's nodes method.
func ReadNodes(ctx context.Context, host sdk.Host, plugin string, req NodesRequest) (NodesResult, error) {
	var out NodesResult
	payload, err := json.Marshal(req)
	if err != nil {
		return out, fmt.Errorf("listing the nodes of %s: %w", req.Owner, err)
	}
	b, err := host.Call(ctx, plugin, MethodNodes, payload)
	if err != nil {
		return out, fmt.Errorf("listing the nodes of %s: %w", req.Owner, err)
	}
	if err := json.Unmarshal(b, &out); err != nil {
		return out, fmt.Errorf("listing the nodes of %s: decoding the answer: %w", req.Owner, err)
	}
	return out, nil
}
