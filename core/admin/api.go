package admin

import (
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/switchboard-xmpp/switchboard/core/jidprep"
	"github.com/switchboard-xmpp/switchboard/core/storage"
)

func (h *Handler) routes() {
	for pattern, fn := range map[string]func(http.ResponseWriter, *http.Request, string){
		"GET /api/status":                   h.status,
		"GET /api/users":                    h.listUsers,
		"POST /api/users":                   h.createUser,
		"DELETE /api/users/{user}":          h.deleteUser,
		"PUT /api/users/{user}/password":    h.resetPassword,
		"GET /api/sessions":                 h.listSessions,
		"POST /api/sessions/kick":           h.kick,
		"POST /api/broadcast":               h.broadcast,
		"GET /api/plugins":                  h.listPlugins,
		"POST /api/plugins/{name}/{action}": h.setPlugin,
		"POST /api/reload":                  h.reload,
	} {
		h.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			if who := h.authenticate(w, r); who != "" {
				fn(w, r, who)
			}
		})
	}
	h.mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		if allow := h.allowed(r); len(allow) > 0 {
			w.Header().Set("Allow", strings.Join(allow, ", "))
			fail(w, http.StatusMethodNotAllowed, "%s %s: the endpoint takes %s", r.Method, r.URL.Path, strings.Join(allow, ", "))
			return
		}
		fail(w, http.StatusNotFound, "no such endpoint: %s %s", r.Method, r.URL.Path)
	})
	h.pageRoutes()
}

// allowed lists the methods an endpoint at r's path takes: the catch-all
// "/api/" answers every method the endpoint's own pattern does not, and a
// wrong method is a 405 with Allow (RFC 9110 §15.5.6), not a 404.
func (h *Handler) allowed(r *http.Request) []string {
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete} {
		probe := &http.Request{Method: m, URL: r.URL, Host: r.Host}
		if _, pattern := h.mux.Handler(probe); pattern != "/api/" && pattern != "" {
			allow = append(allow, m)
		}
	}
	return allow
}

func (h *Handler) status(w http.ResponseWriter, r *http.Request, _ string) {
	st, err := h.b.Status(r.Context())
	if err != nil {
		fail(w, http.StatusInternalServerError, "reading the status: %v", err)
		return
	}
	reply(w, http.StatusOK, st)
}

func (h *Handler) listUsers(w http.ResponseWriter, r *http.Request, _ string) {
	users, err := h.b.Users(r.Context())
	if err != nil {
		fail(w, http.StatusInternalServerError, "listing accounts: %v", err)
		return
	}
	reply(w, http.StatusOK, map[string][]string{"users": nonNil(users)})
}

type credentials struct {
	Username string `json:"username"` // a localpart, or a JID of the domain
	Password string `json:"password"`
}

func (h *Handler) createUser(w http.ResponseWriter, r *http.Request, who string) {
	var c credentials
	if !h.decode(w, r, &c) {
		return
	}
	j, ok := h.account(w, c.Username)
	if !ok || !checkPassword(w, c.Password) {
		return
	}
	err := h.b.CreateUser(r.Context(), j.Domain, j.Local, c.Password)
	switch {
	case errors.Is(err, storage.ErrExists):
		fail(w, http.StatusConflict, "%s already exists", j.Bare())
	case err != nil:
		fail(w, http.StatusInternalServerError, "creating %s: %v", j.Bare(), err)
	default:
		h.log.Info("account created", "jid", j.Bare(), "by", who)
		reply(w, http.StatusCreated, map[string]string{"jid": j.Bare()})
	}
}

func (h *Handler) deleteUser(w http.ResponseWriter, r *http.Request, who string) {
	j, ok := h.account(w, r.PathValue("user"))
	if !ok {
		return
	}
	err := h.b.DeleteUser(r.Context(), j.Domain, j.Local)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		fail(w, http.StatusNotFound, "%s does not exist", j.Bare())
	case err != nil:
		fail(w, http.StatusInternalServerError, "deleting %s: %v", j.Bare(), err)
	default:
		h.log.Info("account deleted", "jid", j.Bare(), "by", who)
		reply(w, http.StatusOK, map[string]string{"deleted": j.Bare()})
	}
}

func (h *Handler) resetPassword(w http.ResponseWriter, r *http.Request, who string) {
	j, ok := h.account(w, r.PathValue("user"))
	if !ok {
		return
	}
	var body struct {
		Password string `json:"password"`
	}
	if !h.decode(w, r, &body) || !checkPassword(w, body.Password) {
		return
	}
	err := h.b.SetPassword(r.Context(), j.Domain, j.Local, body.Password)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		fail(w, http.StatusNotFound, "%s does not exist", j.Bare())
	case err != nil:
		fail(w, http.StatusInternalServerError, "setting the password of %s: %v", j.Bare(), err)
	default:
		h.log.Info("password reset", "jid", j.Bare(), "by", who)
		reply(w, http.StatusOK, map[string]string{"jid": j.Bare()})
	}
}

func (h *Handler) listSessions(w http.ResponseWriter, _ *http.Request, _ string) {
	ss := h.b.Sessions()
	slices.SortFunc(ss, func(a, b Session) int { return strings.Compare(a.JID, b.JID) })
	reply(w, http.StatusOK, map[string][]Session{"sessions": nonNil(ss)})
}

func (h *Handler) kick(w http.ResponseWriter, r *http.Request, who string) {
	var body struct {
		JID string `json:"jid"`
	}
	if !h.decode(w, r, &body) {
		return
	}
	j, err := jidprep.Parse(body.JID)
	if err != nil || j.Local == "" || !h.hosts(j.Domain) {
		fail(w, http.StatusBadRequest, "%q is not the JID of a session or an account of a hosted domain", body.JID)
		return
	}
	n := h.b.Kick(j.String())
	if n == 0 {
		fail(w, http.StatusNotFound, "%s has no session", j)
		return
	}
	h.log.Info("sessions ended", "jid", j.String(), "sessions", n, "by", who)
	reply(w, http.StatusOK, map[string]any{"jid": j.String(), "ended": n})
}

func (h *Handler) broadcast(w http.ResponseWriter, r *http.Request, who string) {
	var body struct {
		Message string `json:"message"`
	}
	if !h.decode(w, r, &body) {
		return
	}
	if strings.TrimSpace(body.Message) == "" {
		fail(w, http.StatusBadRequest, "the message is empty")
		return
	}
	n := h.b.Broadcast(body.Message)
	h.log.Info("announcement sent", "sessions", n, "by", who)
	reply(w, http.StatusOK, map[string]int{"delivered": n})
}

func (h *Handler) listPlugins(w http.ResponseWriter, _ *http.Request, _ string) {
	reply(w, http.StatusOK, map[string][]Plugin{"plugins": nonNil(h.b.Plugins())})
}

func (h *Handler) setPlugin(w http.ResponseWriter, r *http.Request, who string) {
	name, action := r.PathValue("name"), r.PathValue("action")
	if action != "enable" && action != "disable" {
		fail(w, http.StatusNotFound, "no such endpoint: %s %s (a plugin is enabled or disabled)", r.Method, r.URL.Path)
		return
	}
	known, err := h.b.SetPluginEnabled(r.Context(), name, action == "enable")
	switch {
	case !known:
		fail(w, http.StatusNotFound, "no plugin is called %q", name)
	case err != nil:
		fail(w, http.StatusInternalServerError, "%s %s: %v", strings.TrimSuffix(action, "e")+"ing", name, err)
	default:
		h.log.Info("plugin "+action+"d", "plugin", name, "by", who)
		h.listPlugins(w, r, who)
	}
}

func (h *Handler) reload(w http.ResponseWriter, r *http.Request, who string) {
	if err := h.b.Reload(r.Context()); err != nil {
		fail(w, http.StatusInternalServerError, "reloading: %v; the running configuration is kept", err)
		return
	}
	h.log.Info("configuration reloaded through the admin API", "by", who)
	reply(w, http.StatusOK, map[string]bool{"reloaded": true})
}

// account prepares a username (or a JID of the domain) into an account's
// JID; on failure it answers the request.
func (h *Handler) account(w http.ResponseWriter, user string) (jidprep.JID, bool) {
	if !strings.Contains(user, "@") {
		user += "@" + h.cfg.Domain
	}
	j, err := jidprep.Parse(user)
	if err != nil || j.Local == "" || !j.IsBare() || !h.hosts(j.Domain) {
		fail(w, http.StatusBadRequest, "%q is not a username or an account JID of a hosted domain", user)
		return jidprep.JID{}, false
	}
	return j, true
}

// hosts reports whether domain is one of the hosted domains.
func (h *Handler) hosts(domain string) bool {
	return domain == h.cfg.Domain || slices.Contains(h.cfg.Domains, domain)
}

func checkPassword(w http.ResponseWriter, pw string) bool {
	if pw == "" {
		fail(w, http.StatusBadRequest, "the password is empty")
		return false
	}
	return true
}

// nonNil makes an empty list [] in JSON, not null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
