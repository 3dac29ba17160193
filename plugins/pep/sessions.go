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
	ref := sessionRef{full: ev.JID, id: ev.SessionID}
	s := &session{id: ev.SessionID, priority: priorityOf(ev.Stanza)}
	claim := claimOf(ev.Stanza)

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
	notify, priority := s.notify, s.priority
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
	bare := bareOf(ev.JID)
	p.mu.Lock()
	defer p.mu.Unlock()
	acc := p.accounts[bare]
	if acc == nil {
		return nil
	}
	if s := acc.sessions[ev.JID]; s != nil && s.id == ev.SessionID {
		delete(acc.sessions, ev.JID)
	}
	if len(acc.sessions) == 0 {
		delete(p.accounts, bare)
	}
	return nil
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
