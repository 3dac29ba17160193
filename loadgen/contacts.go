package loadgen

import (
	"bytes"
	"strconv"
)

// The contact graph of the presence scenario is a ring: user i's contacts
// are the R/2 users on either side of it (wrapping around), so that every
// contact relation is mutual and every user has exactly R contacts.
type ring struct {
	users, contacts int
}

// contact returns user i's k-th contact (both 1-based users, k in [0, R)).
func (g ring) contact(i, k int) int {
	d := k/2 + 1
	if k%2 == 1 {
		d = -d
	}
	return ((i-1+d)%g.users+g.users)%g.users + 1
}

// position returns which of user i's contacts user j is, or -1.
func (g ring) position(i, j int) int {
	d := ((j-i)%g.users + g.users) % g.users
	half := g.contacts / 2
	switch {
	case d >= 1 && d <= half:
		return 2 * (d - 1)
	case d >= g.users-half && d < g.users:
		return 2*(g.users-d-1) + 1
	}
	return -1
}

// userNumber reads N from a JID "<prefix>N@domain[/resource]", or -1.
func userNumber(jid []byte, prefix string) int {
	at := bytes.IndexByte(jid, '@')
	if at < 0 || !bytes.HasPrefix(jid[:at], []byte(prefix)) {
		return -1
	}
	n, err := strconv.Atoi(string(jid[len(prefix):at]))
	if err != nil || n < 1 {
		return -1
	}
	return n
}
