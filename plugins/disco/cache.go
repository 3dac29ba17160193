package disco

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/switchboard-xmpp/switchboard/plugins/disco/discoapi"
	"github.com/switchboard-xmpp/switchboard/sdk"
	"github.com/switchboard-xmpp/switchboard/sdk/caps"
)

// NSServerInfo is the FORM_TYPE of the contact addresses form (XEP-0157).
const NSServerInfo = "http://jabber.org/network/serverinfo"

// snapshot is everything disco answers that follows from the manifests
// and the config: computed once per refresh, shared by every request.
type snapshot struct {
	identities        []caps.Identity // the server's, sorted
	features          []string        // the server's, sorted
	forms             []caps.Form
	ver               string // XEP-0115 verification string of the above
	accountIdentities []caps.Identity
	accountFeatures   []string
	// nodeSources are the plugins that provide a "nodes" method: they
	// keep nodes on accounts (PEP), which the account's disco lists.
	nodeSources []string
	// services are the domains service plugins own, listed in the
	// server's disco#items, sorted by domain.
	services []Item
	expires  time.Time
}

// current returns the cached snapshot, computing it again when there is
// none or it is older than the refresh interval. A new verification
// string is offered as the caps stream feature (XEP-0115 §6.3).
func (d *Disco) current(ctx context.Context) (*snapshot, error) {
	d.mu.Lock()
	s, host, cfg, gen := d.cache, d.host, d.cfg, d.gen
	d.mu.Unlock()
	now := time.Now()
	if s != nil && now.Before(s.expires) {
		return s, nil
	}
	ms, err := host.Manifests(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading the manifests: %w", err)
	}
	d.forgetCommandsUnlessLoaded(ms)
	s = aggregate(ms, cfg)
	// The host lists manifests once every plugin has started; a list
	// without disco's own is from before that, so it answers this
	// request but is neither kept nor offered.
	if !slices.ContainsFunc(ms, func(m sdk.Manifest) bool { return m.Name == "disco" }) {
		return s, nil
	}
	s.expires = now.Add(cfg.Refresh)
	feature := caps.StreamFeature(cfg.CapsNode, s.ver)
	d.mu.Lock()
	stale := d.gen != gen // reconfigured meanwhile
	if !stale {
		d.cache = s
	}
	offer := !stale && d.published != feature
	d.mu.Unlock()
	if offer {
		d.offer(ctx, host, feature)
	}
	return s, nil
}

// offer sets the caps stream feature, after SASL as beside it (Prosody
// does the same): a hash of what disco#info says, nothing more.
func (d *Disco) offer(ctx context.Context, host sdk.Host, feature string) {
	err := host.SetStreamFeatures(ctx, []sdk.StreamFeature{
		{XML: feature, Stage: sdk.StagePreAuth},
		{XML: feature, Stage: sdk.StagePostAuth},
	})
	if err != nil {
		// The answers stay right; the next computation offers it again.
		host.Logger().Warn("offering the caps stream feature", "error", err)
		return
	}
	d.mu.Lock()
	d.published = feature
	d.mu.Unlock()
}

// aggregate merges what the manifests declare: identities deduplicated
// by category and type (the first wins, and the core's manifest comes
// first), features deduplicated, both sorted; disco's own features are
// always there. The core's identities (server/im) stay in front, and so
// does account/registered for accounts: some clients show the first
// identity as the entity's kind.
func aggregate(ms []sdk.Manifest, cfg Config) *snapshot {
	s := &snapshot{forms: contactForms(cfg.Contact)}
	var feats, accFeats []string
	primary := 0 // the core's identities lead
	for i, m := range coreFirst(ms) {
		s.identities = addIdentities(s.identities, fromSDK(m.Identities))
		s.accountIdentities = addIdentities(s.accountIdentities, fromSDK(m.AccountIdentities))
		if i == 0 {
			primary = len(s.identities)
		}
		feats = append(feats, m.Features...)
		accFeats = append(accFeats, m.AccountFeatures...)
		if slices.Contains(m.Provides, discoapi.MethodNodes) {
			s.nodeSources = append(s.nodeSources, m.Name)
		}
		if svc := m.Service; svc != nil && svc.Domain != "" {
			s.services = append(s.services, Item{JID: svc.Domain, Name: svc.Name})
		}
	}
	slices.SortFunc(s.services, func(a, b Item) int { return strings.Compare(a.JID, b.JID) })
	s.features = sortedSet(append(feats, NSInfo, NSItems))
	s.accountFeatures = sortedSet(append(accFeats, NSInfo, NSItems))
	// An account is first of all a registered account (XEP-0030 §3.1).
	s.accountIdentities = addIdentities([]caps.Identity{{Category: "account", Type: "registered"}}, s.accountIdentities)
	sortIdentities(s.identities[primary:])
	sortIdentities(s.accountIdentities[1:])
	s.ver = caps.Ver(s.identities, s.features, s.forms)
	return s
}

// addIdentities appends the identities of add that have, by category
// and type, no equal in have.
func addIdentities(have []caps.Identity, add []caps.Identity) []caps.Identity {
	for _, id := range add {
		if id.Category == "" || id.Type == "" {
			continue
		}
		if !slices.ContainsFunc(have, func(h caps.Identity) bool { return h.Category == id.Category && h.Type == id.Type }) {
			have = append(have, id)
		}
	}
	return have
}

func fromSDK(ids []sdk.Identity) []caps.Identity {
	out := make([]caps.Identity, len(ids))
	for i, id := range ids {
		out[i] = caps.Identity{Category: id.Category, Type: id.Type, Name: id.Name}
	}
	return out
}

func sortIdentities(ids []caps.Identity) {
	slices.SortFunc(ids, func(a, b caps.Identity) int {
		return cmp.Or(strings.Compare(a.Category, b.Category), strings.Compare(a.Type, b.Type), strings.Compare(a.Name, b.Name))
	})
}

func sortedSet(s []string) []string {
	s = slices.DeleteFunc(s, func(v string) bool { return v == "" })
	slices.Sort(s)
	return slices.Compact(s)
}

// contactForms is the XEP-0157 form, or none when no address is set.
func contactForms(c Contact) []caps.Form {
	f := caps.Form{Fields: []caps.Field{{Var: "FORM_TYPE", Values: []string{NSServerInfo}}}}
	for _, cf := range c.fields() {
		if len(cf.values) > 0 {
			f.Fields = append(f.Fields, caps.Field{Var: cf.field, Values: cf.values})
		}
	}
	if len(f.Fields) == 1 {
		return nil
	}
	return []caps.Form{f}
}

// coreFirst puts the core's manifest first. The host lists it first
// already; the fake host of sdktest lists the plugin's own first.
func coreFirst(ms []sdk.Manifest) []sdk.Manifest {
	i := slices.IndexFunc(ms, func(m sdk.Manifest) bool { return m.Name == "core" })
	if i <= 0 {
		return ms
	}
	return slices.Concat(ms[i:i+1], ms[:i], ms[i+1:])
}
