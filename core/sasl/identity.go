package sasl

import (
	"strings"

	"golang.org/x/text/secure/precis"
)

// prepareUsername applies the PRECIS UsernameCaseMapped profile (RFC 8265
// §3.3), which RFC 7622 uses for JID localparts, so that "Alice" logs in as
// the account "alice".
func prepareUsername(name string) (string, error) {
	return precis.UsernameCaseMapped.String(name)
}

// authzidMatches reports whether an authorization identity is acceptable:
// empty, or the bare JID of the authenticated user. We do not let one user
// act as another, so any other value fails with invalid-authzid.
func authzidMatches(authzid, username, domain string) bool {
	if authzid == "" {
		return true
	}
	local, host, ok := strings.Cut(authzid, "@")
	if !ok || username == "" {
		return false
	}
	prepared, err := prepareUsername(local)
	return err == nil && prepared == username && strings.EqualFold(host, domain)
}
