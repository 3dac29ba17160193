package presence

import "time"

// The key scheme, in the store of each account (its bare JID):
//
//	last-seen  when the account last went offline and the status it left
//	           with, as JSON: {"at":"2026-01-02T15:04:05Z","status":"…"}
const lastSeenKey = "last-seen"

// lastSeen is the stored record; known marks a cache entry that was read
// from the store, found or not, so that an account never seen online is
// not read again.
type lastSeen struct {
	At     time.Time `json:"at"`
	Status string    `json:"status,omitempty"`
	known  bool
}
