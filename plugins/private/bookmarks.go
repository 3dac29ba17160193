package private

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/plugins/pep/pepapi"
	"github.com/switchboard-xmpp/switchboard/sdk"
	"github.com/switchboard-xmpp/switchboard/sdk/stanza"
)

// Bookmarks (XEP-0048) are the one namespace private does not keep
// itself while pep runs: pep holds them as XEP-0402 items and gives this
// plugin their legacy form (XEP-0402 §5.3), so that a room bookmarked by a
// client of either kind shows up on the other. Without pep, they are
// stored like any other namespace.

// pepUses are the pep methods this plugin calls when pep is loaded.
var pepUses = []string{pepapi.Plugin + "." + pepapi.MethodLegacyBookmarks, pepapi.Plugin + "." + pepapi.MethodSetLegacy}

// refreshDelegation reads from the manifests whether pep offers the
// bookmarks' legacy form.
func (p *Private) refreshDelegation(ctx context.Context) error {
	host, _ := p.settings.Current()
	if host == nil {
		return nil
	}
	ms, err := host.Manifests(ctx)
	if err != nil {
		return fmt.Errorf("reading the manifests: %w", err)
	}
	found := false
	for _, m := range ms {
		if m.Name == pepapi.Plugin && slices.Contains(m.Provides, pepapi.MethodSetLegacy) && slices.Contains(m.Provides, pepapi.MethodLegacyBookmarks) {
			found = true
		}
	}
	p.delegate.Store(found)
	return nil
}

func (p *Private) manifestsChanged(ctx context.Context, _ sdk.Event) error {
	return p.refreshDelegation(ctx)
}

// bookmarks serves storage:bookmarks through pep. Bookmarks this plugin
// stored before pep took them over are handed to pep first, merged with
// what pep holds, then forgotten here.
func (p *Private) bookmarks(ctx context.Context, host sdk.Host, cfg Config, owner string, get bool, items []*etree.Element) (*etree.Element, error) {
	st := store{host.Store(owner)}
	if err := p.migrate(ctx, host, st, owner); err != nil {
		return nil, err
	}
	if get {
		s, err := pepapi.LegacyBookmarks(ctx, host, owner)
		if err != nil {
			return nil, err
		}
		q := sdk.NewElement(NS, "query")
		q.AddChild(s)
		return q, nil
	}
	if len(items) != 1 || items[0].Tag != "storage" {
		return nil, stanza.Errorf(stanza.BadRequest, "bookmarks are one <storage xmlns='storage:bookmarks'/>")
	}
	if n := len(sdk.MarshalElement(sdk.Standalone(items[0]))); n > cfg.MaxItemBytes {
		return nil, stanza.Errorf(stanza.NotAcceptable, fmt.Sprintf("private data is limited to %d bytes a namespace", cfg.MaxItemBytes))
	}
	return nil, pepapi.SetLegacyBookmarks(ctx, host, owner, items[0], false)
}

// migrate hands bookmarks stored here to pep, once.
func (p *Private) migrate(ctx context.Context, host sdk.Host, st store, owner string) error {
	b, err := st.Get(ctx, key(pepapi.NSLegacyBookmarks))
	if errors.Is(err, sdk.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading stored bookmarks: %w", err)
	}
	q, err := sdk.UnmarshalElement(b)
	if err != nil {
		return fmt.Errorf("parsing stored bookmarks: %w", err)
	}
	for _, s := range q.ChildElements() {
		if s.Tag == "storage" && s.NamespaceURI() == pepapi.NSLegacyBookmarks {
			if err := pepapi.SetLegacyBookmarks(ctx, host, owner, s, true); err != nil {
				return err
			}
		}
	}
	if err := st.Delete(ctx, key(pepapi.NSLegacyBookmarks)); err != nil {
		return fmt.Errorf("forgetting migrated bookmarks: %w", err)
	}
	return nil
}
