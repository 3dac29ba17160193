package pep

// recoverWorkers bounds the capability queries a recovery runs at once.
const recoverWorkers = 8

// recoverSessions learns the interests of the available sessions that the
// plugin has not seen sending initial presence: after a restart of the
// plugin, those online before it. Their initial presence is gone, so each
// is asked for its disco#info without a node. They got their last
// published items when they came online, so nothing is sent to them now;
// they get notifications again from here on. Configure runs it on every
// (re)configuration: once every session is known, it costs one call.
func (p *PEP) recoverSessions() {
	host, _, log := p.env()
	all, err := host.AllSessions(p.bg)
	if err != nil {
		log.Warn("listing the sessions to learn their capabilities failed", "error", err)
		return
	}
	var refs []sessionRef
	p.mu.Lock()
	for _, s := range all {
		if !s.Available {
			continue // its initial presence is still to come
		}
		acc := p.account(bareOf(s.JID))
		if _, known := acc.sessions[s.JID]; known {
			continue
		}
		acc.sessions[s.JID] = &session{id: s.SessionID, priority: s.Priority}
		refs = append(refs, sessionRef{full: s.JID, id: s.SessionID})
	}
	p.mu.Unlock()
	if len(refs) == 0 {
		return
	}
	log.Info("learning the capabilities of sessions online before the plugin started", "sessions", len(refs))
	queue := make(chan sessionRef)
	for range min(recoverWorkers, len(refs)) {
		p.spawn(func() {
			for ref := range queue {
				info, err := p.queryInfo(p.bg, ref.full, "")
				p.mu.Lock()
				p.assign([]sessionRef{ref}, info.notifyNodes())
				p.mu.Unlock()
				p.logFailure("asking a client for its capabilities", ref, err)
			}
		})
	}
	for _, ref := range refs {
		select {
		case queue <- ref:
		case <-p.bg.Done():
		}
	}
	close(queue)
}
