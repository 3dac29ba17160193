// Package session keeps the table of bound client sessions: who is online,
// on which resource, and with what presence availability and priority. It is
// routing state, so it lives in the core beside the router.
package session

import (
	"sync/atomic"
	"time"

	"github.com/switchboard-xmpp/switchboard/core/jidprep"
	"github.com/switchboard-xmpp/switchboard/core/stream"
)

// Sink is the connection side of a session: where stanzas for it go.
type Sink interface {
	// Deliver queues an encoded stanza for writing and returns at once. It
	// reports false when the session is closing or its send queue is full,
	// in which case the stanza was not taken.
	Deliver(b []byte) bool
	// DeliverShared is Deliver for a stanza that other sessions of the
	// same account receive as well (a message to several resources, a
	// carbon): should this session end before its client acknowledges the
	// stanza (XEP-0198), it is delivered again only if no other session
	// of the account is left.
	DeliverShared(b []byte) bool
	// Close ends the stream, with a stream error when err is not nil.
	Close(err *stream.Error)
}

// Session is one bound resource.
type Session struct {
	ID   string      // the stream id, unique per connection
	JID  jidprep.JID // full JID
	Bare string      // JID.Bare(), kept to avoid rebuilding it per stanza
	Full string      // JID.String()
	Sink Sink
	// Node names the cluster node that holds a session bound on another
	// node, whose Sink hands stanzas to that node; "" for a session of
	// this process.
	Node string
	// Since is when the resource was bound; a resumption keeps it.
	Since time.Time

	// presence holds availability in bit 8 and the priority (int8) in the
	// low byte, so that routing reads both in one atomic load.
	presence atomic.Uint32
	// Carbons: the session asked for copies of the account's chat
	// messages (XEP-0280).
	Carbons atomic.Bool
	// Detached: the session's connection broke and it waits for its
	// client to resume it (XEP-0198). Routing delivers to it all the same,
	// into what is kept for the resumption; nobody sees it meanwhile.
	Detached atomic.Bool
	// Secure: the stream the session is on is encrypted. It can change
	// when a stream-management resumption moves the session to another
	// stream.
	Secure atomic.Bool
	// lastPresence is the last presence the client broadcast, 'from' its
	// full JID: for the session-closed event, and for plugins that
	// restart while the session is online.
	lastPresence atomic.Pointer[[]byte]
	// remote is the client's address, which a resumption can change.
	remote atomic.Pointer[string]
}

// New returns a session for a bound full JID.
func New(id string, j jidprep.JID, sink Sink) *Session {
	return &Session{ID: id, JID: j, Bare: j.Bare(), Full: j.String(), Sink: sink, Since: time.Now()}
}

// SetRemote records the address of the client's connection.
func (s *Session) SetRemote(addr string) { s.remote.Store(&addr) }

// Remote returns the address SetRemote recorded, "" if none.
func (s *Session) Remote() string {
	if p := s.remote.Load(); p != nil {
		return *p
	}
	return ""
}

const availableBit = 1 << 8

// SetPresence records the availability and priority the client last
// broadcast (RFC 6121 §4.7.2.3: priority is -128..127).
func (s *Session) SetPresence(available bool, priority int8) {
	v := uint32(uint8(priority))
	if available {
		v |= availableBit
	}
	s.presence.Store(v)
}

// SetLastPresence keeps the presence the client last broadcast; b is not
// changed afterwards.
func (s *Session) SetLastPresence(b []byte) { s.lastPresence.Store(&b) }

// LastPresence returns what SetLastPresence kept, nil if nothing; the
// bytes must not be changed.
func (s *Session) LastPresence() []byte {
	if p := s.lastPresence.Load(); p != nil {
		return *p
	}
	return nil
}

// Presence returns the availability and priority last set.
func (s *Session) Presence() (available bool, priority int8) {
	v := s.presence.Load()
	return v&availableBit != 0, int8(uint8(v))
}
