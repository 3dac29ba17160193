package filter

import (
	"fmt"

	"github.com/switchboard-xmpp/switchboard/core/jidprep"
)

// Rule is one resolved rule.
type Rule struct {
	deny          bool
	all           bool // matches every peer
	jid           jidprep.JID
	stanzas       Stanzas
	reportBlocked bool
}

// NewRule prepares a rule. jid is "" (every peer), a domain, domain/resource,
// a bare JID or a full JID; it matches as XEP-0016 §2.1 says.
func NewRule(deny bool, jid string, stanzas Stanzas, reportBlocked bool) (Rule, error) {
	r := Rule{deny: deny, stanzas: stanzas, reportBlocked: reportBlocked}
	if jid == "" {
		r.all = true
		return r, nil
	}
	j, err := jidprep.Parse(jid)
	if err != nil {
		return Rule{}, fmt.Errorf("filter rule for %q: %w", jid, err)
	}
	r.jid = j
	return r, nil
}

// matches compares the peer with the rule's JID: a rule with a localpart
// and a resource matches that full JID only; with a localpart, any
// resource of that account; with only a domain and resource, that exact
// address; with only a domain, anything at that domain.
func (r *Rule) matches(peer jidprep.JID) bool {
	if r.all {
		return true
	}
	j := r.jid
	if j.Domain != peer.Domain {
		return false
	}
	switch {
	case j.Local != "" && j.Resource != "":
		return peer == j
	case j.Local != "":
		return peer.Local == j.Local
	case j.Resource != "":
		return peer.Local == "" && peer.Resource == j.Resource
	}
	return true
}
