package admin

import (
	"bytes"
	"embed"
	"mime"
	"net/http"
	"path"
	"time"
)

// page is the web page: static files that call the API from the browser,
// so the page and the API cannot disagree about anything.
//
//go:embed page
var page embed.FS

func (h *Handler) pageRoutes() {
	serve := func(name string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			b, err := page.ReadFile("page/" + name)
			if err != nil {
				fail(w, http.StatusInternalServerError, "reading the embedded %s: %v", name, err)
				return
			}
			w.Header().Set("Content-Type", mime.TypeByExtension(path.Ext(name)))
			w.Header().Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'")
			http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(b))
		}
	}
	h.mux.HandleFunc("GET /{$}", serve("index.html"))
	h.mux.HandleFunc("GET /admin.js", serve("admin.js"))
	h.mux.HandleFunc("GET /admin.css", serve("admin.css"))
	// Browsers ask for an icon; there is none, and that is no error.
	h.mux.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })
}
