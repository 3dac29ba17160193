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
