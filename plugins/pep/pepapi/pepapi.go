// Package pepapi is what the pep plugin offers other plugins: the legacy
// view of an account's bookmarks (XEP-0048's <storage xmlns='storage:bookmarks'/>)
// kept as XEP-0402 items, so that private XML storage (XEP-0049) can
// serve it without a second copy. A caller imports this package, never
// the pep plugin, and declares the methods in its Description (Uses:
// "pep.legacy_bookmarks", "pep.set_legacy_bookmarks").
package pepapi

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/sdk"
)

// The plugin and its methods.
const (
	Plugin                = "pep"
	MethodLegacyBookmarks = "legacy_bookmarks"     // payload: LegacyRequest; answer: Legacy
	MethodSetLegacy       = "set_legacy_bookmarks" // payload: SetLegacyRequest; answer: "{}"
)

// NSLegacyBookmarks is XEP-0048's namespace.
const NSLegacyBookmarks = "storage:bookmarks"

// LegacyRequest asks for Owner's bookmarks in XEP-0048's form.
type LegacyRequest struct {
	Owner string `json:"owner"`
}

// Legacy is the answer: a <storage xmlns='storage:bookmarks'/>,
// serialized.
type Legacy struct {
	Storage string `json:"storage"`
}

// SetLegacyRequest stores Owner's bookmarks given in XEP-0048's form.
// Merge keeps the rooms that Storage does not list (a migration); without
// it, they are removed, as a client that sets its whole list expects.
type SetLegacyRequest struct {
	Owner   string `json:"owner"`
	Storage string `json:"storage"`
	Merge   bool   `json:"merge,omitempty"`
}

// LegacyBookmarks returns owner's bookmarks as a <storage/> element.
func LegacyBookmarks(ctx context.Context, host sdk.Host, owner string) (*etree.Element, error) {
	req, err := json.Marshal(LegacyRequest{Owner: owner})
	if err != nil {
		return nil, err
	}
	out, err := host.Call(ctx, Plugin, MethodLegacyBookmarks, req)
	if err != nil {
		return nil, fmt.Errorf("reading the bookmarks of %s: %w", owner, err)
	}
	var res Legacy
	if err := json.Unmarshal(out, &res); err != nil {
		return nil, fmt.Errorf("decoding the bookmarks of %s: %w", owner, err)
	}
	el, err := sdk.UnmarshalElement([]byte(res.Storage))
	if err != nil {
		return nil, fmt.Errorf("parsing the bookmarks of %s: %w", owner, err)
	}
	return el, nil
}

// SetLegacyBookmarks stores owner's bookmarks from a <storage/> element.
func SetLegacyBookmarks(ctx context.Context, host sdk.Host, owner string, storage *etree.Element, merge bool) error {
	req, err := json.Marshal(SetLegacyRequest{Owner: owner, Storage: string(sdk.MarshalElement(sdk.Standalone(storage))), Merge: merge})
	if err != nil {
		return err
	}
	if _, err := host.Call(ctx, Plugin, MethodSetLegacy, req); err != nil {
		return fmt.Errorf("storing the bookmarks of %s: %w", owner, err)
	}
	return nil
}
