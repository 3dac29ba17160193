package admin

import (
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
)

// apiError is the body of every failure: what went wrong, in words.
type apiError struct {
	Error string `json:"error"`
}

func reply(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v) // the client may be gone; nothing to do about it
}

func fail(w http.ResponseWriter, status int, format string, a ...any) {
	reply(w, status, apiError{Error: fmt.Sprintf(format, a...)})
}

// decode reads a JSON request body into v, bounded by MaxBodyBytes. On
// failure it answers the request and returns false.
func (h *Handler) decode(w http.ResponseWriter, r *http.Request, v any) bool {
	// Only JSON: a cross-site form cannot send it without the browser
	// asking this server first, which it never allows.
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		fail(w, http.StatusUnsupportedMediaType, "the request body must be JSON, with Content-Type: application/json")
		return false
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, h.cfg.MaxBodyBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if errors.As(err, new(*http.MaxBytesError)) {
			fail(w, http.StatusRequestEntityTooLarge, "the request body is larger than admin.max_body_bytes (%d bytes)", h.cfg.MaxBodyBytes)
			return false
		}
		fail(w, http.StatusBadRequest, "reading the request body: %v", err)
		return false
	}
	if dec.More() {
		fail(w, http.StatusBadRequest, "the request body holds more than one JSON value")
		return false
	}
	return true
}
