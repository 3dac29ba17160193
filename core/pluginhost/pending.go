package pluginhost

import (
	"sync"

	"github.com/switchboard-xmpp/switchboard/core/stream"
)

// pendingIQs are IQs that plugins sent through SendIQ, waiting for their
// answer. An answer is matched by id and by who sends it: it must come
// from the address the request went to, so that another client cannot
// answer in its place.
type pendingIQs struct {
	mu      sync.Mutex
	waiting map[pendingKey]chan []byte
}

type pendingKey struct{ peer, id string }

func (p *pendingIQs) add(peer, id string) chan []byte {
	ch := make(chan []byte, 1)
	p.mu.Lock()
	p.waiting[pendingKey{peer, id}] = ch
	p.mu.Unlock()
	return ch
}

func (p *pendingIQs) remove(peer, id string) {
	p.mu.Lock()
	delete(p.waiting, pendingKey{peer, id})
	p.mu.Unlock()
}

// answer hands a result or error to its waiting request; from is the
// answering full JID.
func (p *pendingIQs) answer(from string, el *stream.Element) bool {
	id := el.Attr("id")
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.waiting) == 0 {
		return false
	}
	k := pendingKey{from, id}
	ch, ok := p.waiting[k]
	if !ok {
		return false
	}
	delete(p.waiting, k)
	ch <- el.AppendWithFrom(nil, from)
	return true
}
