package mam

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/beevik/etree"
	"mellium.im/xmpp/jid"

	"github.com/switchboard-xmpp/switchboard/sdk"
	"github.com/switchboard-xmpp/switchboard/sdk/stanza"
)

// The defaults of XEP-0441 §2.1.1.
const (
	prefAlways = "always"
	prefRoster = "roster"
	prefNever  = "never"
)

func validDefault(s string) bool { return s == prefAlways || s == prefRoster || s == prefNever }

// maxPrefsJIDs bounds the always and never lists together, since Observe
// reads them for every message.
const maxPrefsJIDs = 1000

// prefs are one account's archiving preferences (XEP-0441), stored as
// JSON under prefsKey.
type prefs struct {
	Default string   `json:"default"`
	Always  []string `json:"always"`
	Never   []string `json:"never"`
}

// verdict is what the preferences say of one message.
type verdict int

const (
	archiveIt verdict = iota
	skipIt
	askRoster // archive it if the peer is in the roster
)

// decide applies the preferences to a message with peer, whose bare JID is
// bare (XEP-0441 §2.3): a listed full JID matches the full peer, a listed
// bare JID any of its resources; never wins over always, so that a JID in
// both is not archived.
func (p *prefs) decide(bare, full string) verdict {
	match := func(list []string) bool {
		return slices.ContainsFunc(list, func(j string) bool {
			if strings.Contains(j, "/") {
				return j == full
			}
			return j == bare
		})
	}
	switch {
	case match(p.Never):
		return skipIt
	case match(p.Always):
		return archiveIt
	case p.Default == prefNever:
		return skipIt
	case p.Default == prefRoster:
		return askRoster
	}
	return archiveIt
}

// needsFull reports whether a list names a full JID, which is when
// decide needs the peer's full JID from the stanza.
func (p *prefs) needsFull() bool {
	has := func(j string) bool { return strings.Contains(j, "/") }
	return slices.ContainsFunc(p.Always, has) || slices.ContainsFunc(p.Never, has)
}

// loadPrefs reads an account's preferences; an account that never set
// them gets the server's default and empty lists.
func loadPrefs(ctx context.Context, st sdk.Store, def string) (*prefs, error) {
	b, err := st.Get(ctx, prefsKey)
	if errors.Is(err, sdk.ErrNotFound) {
		return &prefs{Default: def}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading archiving preferences: %w", err)
	}
	var p prefs
	if err := json.Unmarshal(b, &p); err != nil || !validDefault(p.Default) {
		return nil, fmt.Errorf("reading archiving preferences: corrupt value %q", b)
	}
	return &p, nil
}

func savePrefs(ctx context.Context, st sdk.Store, p *prefs) error {
	b, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("encoding archiving preferences: %w", err)
	}
	if err := st.Put(ctx, prefsKey, b); err != nil {
		return fmt.Errorf("storing archiving preferences: %w", err)
	}
	return nil
}

// element writes <prefs/> as XEP-0441 §2.1 answers it: both lists
// present, even when empty.
func (p *prefs) element() *etree.Element {
	el := sdk.NewElement(NS, "prefs")
	el.CreateAttr("default", p.Default)
	for _, l := range []struct {
		name string
		jids []string
	}{{"always", p.Always}, {"never", p.Never}} {
		c := el.CreateElement(l.name)
		for _, j := range l.jids {
			c.CreateElement("jid").SetText(j)
		}
	}
	return el
}

// parsePrefs reads the <prefs/> of a set: the default is required, the
// lists optional; JIDs are prepared, so that they compare with the
// peers the core names.
func parsePrefs(el *etree.Element) (*prefs, error) {
	p := &prefs{Default: el.SelectAttrValue("default", ""), Always: []string{}, Never: []string{}}
	if !validDefault(p.Default) {
		return nil, stanza.Errorf(stanza.BadRequest, "default must be always, roster or never")
	}
	for _, l := range []struct {
		name string
		jids *[]string
	}{{"always", &p.Always}, {"never", &p.Never}} {
		list := el.SelectElement(l.name)
		if list == nil {
			continue
		}
		for _, c := range list.SelectElements("jid") {
			j, err := jid.Parse(strings.TrimSpace(c.Text()))
			if err != nil {
				return nil, stanza.Errorf(stanza.JIDMalformed, fmt.Sprintf("%q is not a JID", c.Text()))
			}
			if s := j.String(); !slices.Contains(*l.jids, s) {
				*l.jids = append(*l.jids, s)
			}
		}
	}
	if len(p.Always)+len(p.Never) > maxPrefsJIDs {
		return nil, stanza.Errorf(stanza.PolicyViolation, fmt.Sprintf("the lists hold at most %d JIDs", maxPrefsJIDs))
	}
	return p, nil
}

// handlePrefs gets or sets an account's preferences (XEP-0441 §2.1) and
// answers with those in force.
func (m *MAM) handlePrefs(ctx context.Context, req *sdk.Request, el *etree.Element, owner string) (*etree.Element, error) {
	host, cfg := m.settings.Current()
	st := host.Store(owner)
	if req.Stanza.SelectAttrValue("type", "") == "get" {
		p, err := loadPrefs(ctx, st, cfg.DefaultPreference)
		if err != nil {
			return nil, err
		}
		return p.element(), nil
	}
	p, err := parsePrefs(el)
	if err != nil {
		return nil, err
	}
	if err := savePrefs(ctx, st, p); err != nil {
		return nil, err
	}
	return p.element(), nil
}
