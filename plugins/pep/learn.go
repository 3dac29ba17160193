package pep

import "slices"

// How the plugin learns a session's interests from its capabilities.

// learnVerified asks one of the sessions showing claim for its disco#info
// (node "<node>#<ver>", XEP-0115 §6.2) and, when the answer hashes to the
// verification string, caches it and gives it to every session waiting
// for it. A session whose answer does not verify keeps what it said of
// itself, and the next waiting session is asked.
func (p *PEP) learnVerified(claim *capsClaim) {
	for {
		ref, ok := p.nextWaiting(claim.Ver)
		if !ok {
			return
		}
		info, err := p.queryInfo(p.bg, ref.full, claim.Node+"#"+claim.Ver)
		verified := err == nil && info.verifies(claim.Ver)
		notify := info.notifyNodes() // empty after an error: no interests

		p.mu.Lock()
		var ready []sessionRef
		if verified {
			p.caps.put(claim.Ver, notify)
			ready = p.resolving[claim.Ver]
			delete(p.resolving, claim.Ver)
		} else {
			ready = []sessionRef{ref}
			p.resolving[claim.Ver] = slices.DeleteFunc(p.resolving[claim.Ver], func(r sessionRef) bool { return r == ref })
		}
		ready = p.assign(ready, notify)
		p.mu.Unlock()

		p.logFailure("asking a client for its capabilities", ref, err)
		p.deliverAll(ready, notify)
		if verified {
			return
		}
	}
}

// learnUnverified asks a session whose capabilities cannot be verified
// (legacy caps, another hash) for its disco#info, without a node, and
// keeps the answer for that session alone.
func (p *PEP) learnUnverified(ref sessionRef) {
	info, err := p.queryInfo(p.bg, ref.full, "")
	notify := info.notifyNodes()
	p.mu.Lock()
	ready := p.assign([]sessionRef{ref}, notify)
	p.mu.Unlock()
	p.logFailure("asking a client for its capabilities", ref, err)
	p.deliverAll(ready, notify)
}

// nextWaiting returns the first session still online that waits for ver,
// forgetting those that left; false when none is left.
func (p *PEP) nextWaiting(ver string) (sessionRef, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	waiting := p.resolving[ver]
	for len(waiting) > 0 && p.sessionOf(waiting[0]) == nil {
		waiting = waiting[1:]
	}
	if len(waiting) == 0 {
		delete(p.resolving, ver)
		return sessionRef{}, false
	}
	p.resolving[ver] = waiting
	return waiting[0], true
}

// assign gives notify to each session of refs still online, returning
// those. Called with p.mu held.
func (p *PEP) assign(refs []sessionRef, notify map[string]bool) []sessionRef {
	var out []sessionRef
	for _, r := range refs {
		if s := p.sessionOf(r); s != nil {
			s.notify = notify
			out = append(out, r)
		}
	}
	return out
}

// deliverAll sends the last items to sessions whose interests just
// became known.
func (p *PEP) deliverAll(refs []sessionRef, notify map[string]bool) {
	for _, r := range refs {
		p.mu.Lock()
		s := p.sessionOf(r)
		var fresh map[string]bool
		priority := 0
		if s != nil {
			fresh, priority = s.fresh(notify), s.priority
		}
		p.mu.Unlock()
		if s == nil {
			continue
		}
		err := p.deliverLast(p.bg, r, fresh, priority)
		p.logFailure("sending the last published items", r, err)
	}
}

func (p *PEP) logFailure(what string, ref sessionRef, err error) {
	if err == nil {
		return
	}
	_, _, log := p.env()
	log.Debug(what+" failed", "jid", ref.full, "session_id", ref.id, "error", err)
}
