package muc

import (
	"sync"
	"time"

	"github.com/beevik/etree"
)

// affiliation is a long-lived relation of a bare JID to a room.
type affiliation string

const (
	owner   affiliation = "owner"
	admin   affiliation = "admin"
	member  affiliation = "member"
	outcast affiliation = "outcast"
	noAff   affiliation = "none"
)

// rank orders affiliations for "at least" tests; outcast is below none.
func (a affiliation) rank() int {
	switch a {
	case owner:
		return 4
	case admin:
		return 3
	case member:
		return 2
	case outcast:
		return 0
	}
	return 1
}

func validAffiliation(s string) bool {
	switch affiliation(s) {
	case owner, admin, member, outcast, noAff:
		return true
	}
	return false
}

// role is an occupant's part in the room while present.
type role string

const (
	moderator   role = "moderator"
	participant role = "participant"
	visitor     role = "visitor"
	noRole      role = "none"
)

func (r role) rank() int {
	switch r {
	case moderator:
		return 3
	case participant:
		return 2
	case visitor:
		return 1
	}
	return 0
}

// roomConfig is what the owner's form sets (muc#roomconfig).
type roomConfig struct {
	Name          string `json:"name,omitempty"`
	Description   string `json:"description,omitempty"`
	Persistent    bool   `json:"persistent,omitempty"`
	Public        bool   `json:"public,omitempty"`
	MembersOnly   bool   `json:"members_only,omitempty"`
	Moderated     bool   `json:"moderated,omitempty"`
	Password      string `json:"password,omitempty"`
	MaxUsers      int    `json:"max_users"`
	WhoisAnyone   bool   `json:"whois_anyone,omitempty"` // non-anonymous
	HistoryLength int    `json:"history_length"`
	ChangeSubject bool   `json:"change_subject,omitempty"`
	AllowInvites  bool   `json:"allow_invites,omitempty"`
}

// roomRecord is the part of a room that is stored.
type roomRecord struct {
	Config       roomConfig             `json:"config"`
	Affiliations map[string]affiliation `json:"affiliations"` // by bare JID; none is absent
	Subject      string                 `json:"subject,omitempty"`
	SubjectNick  string                 `json:"subject_nick,omitempty"`
	Locked       bool                   `json:"locked,omitempty"` // created, not yet configured
	Creator      string                 `json:"creator"`
}

// room is one room in memory. Its mutex orders everything that happens in
// it: a message is stored and sent to every occupant before the next one
// is looked at, so that every occupant sees the same order and the
// history matches it. Rooms do not wait for each other.
type room struct {
	mu    sync.Mutex
	local string // the room's localpart
	jid   string // local@service
	roomRecord
	occupants map[string]*occupant // by nick
	sessions  map[string]*occupant // by the occupant's full JID
	history   []historyEntry       // newest last, at most the plugin's HistorySize
	archived  int                  // messages kept in storage
	gone      bool                 // destroyed: whoever waited for mu starts over
	secret    []byte               // the service's key for occupant ids
}

// occupant is one nick in a room: one account, with one or more of its
// sessions (devices) joined under that nick.
type occupant struct {
	nick string
	bare string
	role role
	// presence is the last presence of each session, as the client sent it.
	presence map[string]*etree.Element
	latest   string // the session whose presence the room shows
	tokens   float64
	refilled time.Time
}

type historyEntry struct {
	msg *etree.Element // as broadcast, without 'to'
	at  time.Time
}

func newRoom(local, jid string, secret []byte) *room {
	return &room{
		secret:     secret,
		local:      local,
		jid:        jid,
		roomRecord: roomRecord{Affiliations: map[string]affiliation{}},
		occupants:  map[string]*occupant{},
		sessions:   map[string]*occupant{},
	}
}

func (r *room) affiliationOf(bare string) affiliation {
	if a, ok := r.Affiliations[bare]; ok {
		return a
	}
	return noAff
}

// defaultRole is the role an account with affiliation a gets on entering.
func (r *room) defaultRole(a affiliation) role {
	switch {
	case a.rank() >= admin.rank():
		return moderator
	case a == member || !r.Config.Moderated:
		return participant
	}
	return visitor
}

// owners counts the room's owners, so that the last one cannot leave it
// ownerless.
func (r *room) owners() int {
	n := 0
	for _, a := range r.Affiliations {
		if a == owner {
			n++
		}
	}
	return n
}

// nickJID is the occupant JID of nick in this room.
func (r *room) nickJID(nick string) string { return r.jid + "/" + nick }
