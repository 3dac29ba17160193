package presence

import (
	"strings"

	"github.com/beevik/etree"
)

// What presence keeps in memory, and only there. After a restart of the
// plugin, recover refills the sessions from what the core reports; the
// subscriptions are read from roster again when needed, and directed
// presence from before is forgotten.

// sub is how an account and one contact share presence, from the
// account's side.
type sub uint8

const (
	subTo   sub = 1 << iota // the account receives the contact's presence
	subFrom                 // the contact receives the account's presence
)

func subOf(subscription string) sub {
	switch subscription {
	case "to":
		return subTo
	case "from":
		return subFrom
	case "both":
		return subTo | subFrom
	}
	return 0
}

// account is an account with at least one session presence has heard of.
type account struct {
	// subs is who shares presence with the account, by contact bare JID;
	// nil until loaded from roster. Contacts without a subscription are
	// left out.
	subs map[string]sub
	// loading is set while subs is being read from roster; changes that
	// arrive meanwhile wait in buffered, to be applied over what was read.
	loading  bool
	buffered []itemChange
	// sessions by full JID.
	sessions map[string]*resource
	// deleted: the account is gone; its sessions end soon.
	deleted bool
}

// resource is one session.
type resource struct {
	id        string
	available bool
	// last is the presence it last broadcast while available, with 'from'
	// its full JID and no 'to'; shared, so copied before any change.
	last *etree.Element
	// directed are the addresses it sent directed available presence to,
	// which hear of its going unavailable.
	directed map[string]struct{}
	// elsewhere: another node of the cluster holds the session, and its
	// presence plugin speaks for it; this one only answers with it.
	elsewhere bool
}

// touch returns the account and session that a stanza comes from,
// creating them. A full JID bound again by a new session (the old one lost
// a conflict) starts afresh. Called with p.mu held.
func (p *Presence) touch(full, sessionID string) (*account, *resource) {
	acc := p.account(bareOf(full))
	res := acc.sessions[full]
	if res == nil || res.id != sessionID {
		res = &resource{id: sessionID}
		acc.sessions[full] = res
	}
	return acc, res
}

// account returns the account, creating it. Called with p.mu held.
func (p *Presence) account(bare string) *account {
	acc := p.users[bare]
	if acc == nil {
		acc = &account{sessions: map[string]*resource{}}
		p.users[bare] = acc
	}
	return acc
}

// availableOf lists an account's available sessions by full JID. Called
// with p.mu held.
func (p *Presence) availableOf(bare string) map[string]*resource {
	acc := p.users[bare]
	if acc == nil {
		return nil
	}
	out := map[string]*resource{}
	for full, res := range acc.sessions {
		if res.available {
			out[full] = res
		}
	}
	return out
}

// online reports whether an account has an available session. Called with
// p.mu held.
func (p *Presence) online(bare string) bool {
	if acc := p.users[bare]; acc != nil {
		for _, res := range acc.sessions {
			if res.available {
				return true
			}
		}
	}
	return false
}

// reachable reports whether presence for contact can be delivered: a
// local account with an available session, or a user of another server,
// whose server decides. Called with p.mu held.
func (p *Presence) reachable(contact string) bool {
	return p.online(contact) || p.remote(contact)
}

// remote reports whether a JID is of a domain the server does not host.
// Called with p.mu held.
func (p *Presence) remote(jid string) bool {
	bare := bareOf(jid)
	_, domain, ok := strings.Cut(bare, "@")
	if !ok {
		domain = bare
	}
	return p.host != nil && !p.host.Hosts(domain)
}

func bareOf(full string) string {
	bare, _, _ := strings.Cut(full, "/")
	return bare
}
