package storage

// Owner returns the owner string of an account's KV rows, its bare JID. Every
// driver uses it so that DeleteAccount finds the rows plugins stored.
func Owner(domain, username string) string {
	return username + "@" + domain
}

// PrefixEnd returns the smallest string greater than every string that starts
// with prefix, so a driver can turn a prefix scan into the index range
// key >= prefix AND key < end instead of a LIKE that cannot use the index.
// ok is false when no such bound exists (empty prefix, or only 0xff bytes).
func PrefixEnd(prefix string) (end string, ok bool) {
	b := []byte(prefix)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < 0xff {
			b[i]++
			return string(b[:i+1]), true
		}
	}
	return "", false
}

// KeyBound is one condition of a scan on the key: key Op Key, Op being one
// of the comparison operators that SQL and byte order share.
type KeyBound struct {
	Op  string // ">=", ">" or "<"
	Key string
}

// ScanBounds turns Store.Scan's prefix and after into the conditions on
// the key that make the scan a range on the primary key, the same for
// every driver; each writes them in its own SQL. There is at most one
// bound on each side: of two, a planner may take either for the range and
// check the other on every row, and SQLite takes the prefix's, so that a
// scan resumed after a key deep in a prefix read every row between the
// prefix's edge and it.
func ScanBounds(prefix, after string, reverse bool) []KeyBound {
	lower := KeyBound{">=", prefix}
	end, bounded := PrefixEnd(prefix)
	upper := KeyBound{"<", end}
	switch {
	case after == "":
	case reverse && (!bounded || after < end):
		upper, bounded = KeyBound{"<", after}, true
	case !reverse && after >= prefix:
		lower = KeyBound{">", after}
	}
	var bs []KeyBound
	if lower.Key != "" || lower.Op == ">" {
		bs = append(bs, lower)
	}
	if bounded {
		bs = append(bs, upper)
	}
	return bs
}
