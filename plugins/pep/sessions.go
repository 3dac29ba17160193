package pep

import (
	"context"
	"strconv"
	"strings"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/sdk"
)

// account is what the plugin keeps in memory for an account with a
// session that sent initial presence.
type account struct {
	sessions map[string]*session // by full JID
	// roster is who receives the account's presence and whose presence it
	// receives, read once through roster.items and kept current from
	// roster.changed; nil until read.
	roster   map[string]contact
	loading  bool           // roster.items is being asked
	buffered []rosterChange // changes published while it was
}

// session is an available resource.
type session struct {
	id       string
	priority int
	// notify are the nodes whose "+notify" the client advertises; nil
	// while its capabilities are being learned.
	notify map[string]bool
	// claim is the capabilities the session last showed ("" for none),
	// to tell a presence update that changes them from one that does not.
	claim string
	// had are the nodes whose last items the session already received
	// under capabilities it has since replaced: not sent again.
	had map[string]bool
}

// fresh returns the nodes of notify the session has not had last items
// for.
func (s *session) fresh(notify map[string]bool) map[string]bool {
	if len(s.had) == 0 {
		return notify
	}
	out := map[string]bool{}
	for n := range notify {
		if !s.had[n] {
			out[n] = true
		}
	}
	return out
}

// sessionRef names a session; the id tells it from a later session that
// bound the same resource.
type sessionRef struct{ full, id string }

// interested reports whether the session takes notifications for node
// (XEP-0163 §4.3: available, non-negative priority, "+notify").
func (s *session) interested(node string) bool {
	return s.priority >= 0 && s.notify[node]
}

// sessionAvailable records a session's priority and capabilities at its
// initial presence and, once its interests are known, sends it the last
// item of every node it wants and may see (XEP-0163 §4.3.2, 6.2).
func (p *PEP) sessionAvailable(ctx context.Context, ev sdk.Event) error {
	claim := claimOf(ev.Stanza)
	s := &session{id: ev.SessionID, priority: priorityOf(ev.Stanza), claim: claim.key()}
	return p.track(ctx, sessionRef{full: ev.JID, id: ev.SessionID}, s, claim)
}

// sessionPresence follows an available session's later presence: a new
// priority, new capabilities (learned again, and the last items of the
// nodes it newly wants sent, as Prosody and ejabberd do), or unavailable,
// after which it gets no notifications until its next initial presence.
func (p *PEP) sessionPresence(ctx context.Context, ev sdk.Event) error {
	if ev.Stanza != nil && ev.Stanza.SelectAttrValue("type", "") == "unavailable" {
		p.forget(ev.JID, ev.SessionID)
		return nil
	}
	ref := sessionRef{full: ev.JID, id: ev.SessionID}
	claim := claimOf(ev.Stanza)
	priority := priorityOf(ev.Stanza)

	p.mu.Lock()
	old := p.sessionOf(ref)
	if old != nil && old.claim == claim.key() {
		wasNegative := old.priority < 0
		old.priority = priority
		notify := old.fresh(old.notify)
		p.mu.Unlock()
		if !wasNegative || notify == nil {
			return nil
		}
		// A negative priority took no notifications (§4.3): now it does,
		// starting with the last items.
		return p.deliverLast(ctx, ref, notify, priority)
	}
	p.mu.Unlock()
	// A session the plugin never saw available (it restarted since) is
	// taken as new.
	s := &session{id: ev.SessionID, priority: priority, claim: claim.key()}
	if old != nil {
		s.had = old.had
		if old.notify != nil && old.priority >= 0 {
			s.had = old.notify
		}
	}
	return p.track(ctx, ref, s, claim)
}

// track keeps s as ref's session and learns its interests from claim,
// delivering the last items once they are known.
func (p *PEP) track(ctx context.Context, ref sessionRef, s *session, claim *capsClaim) error {
	p.mu.Lock()
	acc := p.account(bareOf(ref.full))
	acc.sessions[ref.full] = s
	var resolve func()
	switch {
	case claim == nil:
		s.notify = map[string]bool{}
	case !claim.verifiable():
		resolve = func() { p.learnUnverified(ref) }
	default:
		if notify, ok := p.caps.get(claim.Ver); ok {
			s.notify = notify
		} else if waiting, ok := p.resolving[claim.Ver]; ok {
			p.resolving[claim.Ver] = append(waiting, ref)
		} else {
			p.resolving[claim.Ver] = []sessionRef{ref}
			resolve = func() { p.learnVerified(claim) }
		}
	}
	var notify map[string]bool
	if s.notify != nil {
		notify = s.fresh(s.notify)
	}
	priority := s.priority
	p.mu.Unlock()

	if resolve != nil {
		p.spawn(resolve)
	}
	if notify == nil {
		return nil // delivered once the capabilities are known
	}
	return p.deliverLast(ctx, ref, notify, priority)
}

// spawn runs f on the plugin's background context: a client's disco#info
// answer can take long, and the core's events for this plugin wait for
// the handler to return.
func (p *PEP) spawn(f func()) {
	if p.bg.Err() != nil {
		return // stopping
	}
	p.worker.Add(1)
	p.inflight.Add(1)
	go func() {
		defer p.worker.Done()
		defer p.inflight.Add(-1)
		f()
	}()
}

// sessionClosed forgets the session, and the account with its last one.
func (p *PEP) sessionClosed(_ context.Context, ev sdk.Event) error {
	p.forget(ev.JID, ev.SessionID)
	return nil
}

// forget drops a session that closed or went unavailable, and the
// account with its last one.
func (p *PEP) forget(full, id string) {
	bare := bareOf(full)
	p.mu.Lock()
	defer p.mu.Unlock()
	acc := p.accounts[bare]
	if acc == nil {
		return
	}
	if s := acc.sessions[full]; s != nil && s.id == id {
		delete(acc.sessions, full)
	}
	if len(acc.sessions) == 0 {
		delete(p.accounts, bare)
	}
}

// accountDeleted forgets what is in memory; the core deletes the stored
// nodes with the account, and ends its sessions.
func (p *PEP) accountDeleted(_ context.Context, ev sdk.Event) error {
	p.mu.Lock()
	delete(p.accounts, ev.JID)
	p.mu.Unlock()
	return nil
}

// account returns the in-memory record of bare, creating it. Called with
// p.mu held.
func (p *PEP) account(bare string) *account {
	acc := p.accounts[bare]
	if acc == nil {
		acc = &account{sessions: map[string]*session{}}
		p.accounts[bare] = acc
	}
	return acc
}

// sessionOf returns the session ref names, nil when it has ended. Called
// with p.mu held.
func (p *PEP) sessionOf(ref sessionRef) *session {
	acc := p.accounts[bareOf(ref.full)]
	if acc == nil {
		return nil
	}
	if s := acc.sessions[ref.full]; s != nil && s.id == ref.id {
		return s
	}
	return nil
}

// priorityOf reads a presence's priority (RFC 6121 §4.7.2.3), 0 when
// absent or malformed.
func priorityOf(presence *etree.Element) int {
	if presence == nil {
		return 0
	}
	el := presence.SelectElement("priority")
	if el == nil {
		return 0
	}
	n, err := strconv.Atoi(strings.TrimSpace(el.Text()))
	if err != nil || n < -128 || n > 127 {
		return 0
	}
	return n
}

func bareOf(jid string) string {
	bare, _, _ := strings.Cut(jid, "/")
	return bare
}

func domainOf(jid string) string {
	bare := bareOf(jid)
	if _, d, ok := strings.Cut(bare, "@"); ok {
		return d
	}
	return bare
}
