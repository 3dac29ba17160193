package admin

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"

	"github.com/switchboard-xmpp/switchboard/core/jidprep"
)

// authenticate says who sent r: "token" for the bearer of the token, an
// admin's bare JID for an admin with the right password. On failure it
// answers the request and returns "".
func (h *Handler) authenticate(w http.ResponseWriter, r *http.Request) string {
	token, admins := h.access()
	if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		if token != "" && sameSecret(tok, token) {
			return "token"
		}
		return h.refuse(w, r, "", "the token is not the admin token")
	}
	user, password, ok := r.BasicAuth()
	if !ok {
		return h.refuse(w, r, "", "no credentials: send the admin token (Authorization: Bearer) or an admin account's JID and password (Basic)")
	}
	if !strings.Contains(user, "@") {
		user += "@" + h.cfg.Domain
	}
	j, err := jidprep.Parse(user)
	// A non-admin's password is never tested here: the API must not tell
	// anyone whether a guess for an ordinary account was right.
	if err != nil || !j.IsBare() || !admins[j.String()] {
		return h.refuse(w, r, user, "not an admin account, or not the right password")
	}
	select {
	case h.passwordGate <- struct{}{}:
	case <-r.Context().Done():
		fail(w, http.StatusServiceUnavailable, "timed out waiting to check the password")
		return ""
	}
	right, err := h.b.CheckPassword(r.Context(), j.Domain, j.Local, password)
	<-h.passwordGate
	if err != nil {
		h.log.Error("checking an admin's password", "jid", j.String(), "error", err)
		fail(w, http.StatusInternalServerError, "checking the password: %v", err)
		return ""
	}
	if !right {
		return h.refuse(w, r, j.String(), "not an admin account, or not the right password")
	}
	return j.String()
}

func (h *Handler) refuse(w http.ResponseWriter, r *http.Request, user, why string) string {
	h.log.Warn("admin API: request refused", "remote", r.RemoteAddr, "user", user, "reason", why)
	// Bearer, not Basic: a Basic challenge makes browsers prompt and then
	// send the password on their own, to any page that asks.
	w.Header().Set("WWW-Authenticate", `Bearer realm="switchboard admin"`)
	fail(w, http.StatusUnauthorized, "%s", why)
	return ""
}

// sameSecret compares in constant time, whatever the lengths.
func sameSecret(a, b string) bool {
	ha, hb := sha256.Sum256([]byte(a)), sha256.Sum256([]byte(b))
	return subtle.ConstantTimeCompare(ha[:], hb[:]) == 1
}
