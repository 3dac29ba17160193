package upload

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/switchboard-xmpp/switchboard/sdk"
)

// ServeHTTP serves PUT to a granted slot and GET (and HEAD) of uploaded
// files at /<id>/<name>, under the path of the configured URL. Nothing
// else is there: no listing, no index.
func (u *Upload) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// Web clients (Converse.js) upload and download across origins. The
	// URL is the only credential, and no cookie is involved, so any origin
	// may use it.
	w.Header().Set("Access-Control-Allow-Origin", "*")
	st, err := u.state()
	if err != nil {
		http.Error(w, "upload service not configured", http.StatusServiceUnavailable)
		return
	}
	id, name, ok := parsePath(st.base, r.URL.Path)
	if !ok {
		http.NotFound(w, r)
		return
	}
	switch r.Method {
	case http.MethodOptions:
		w.Header().Set("Access-Control-Allow-Methods", "GET, HEAD, PUT, OPTIONS")
		w.Header().Set("Access-Control-Allow-Headers", "Content-Type")
		w.Header().Set("Access-Control-Max-Age", "86400")
		w.WriteHeader(http.StatusNoContent)
	case http.MethodPut:
		u.put(w, r, st, id, name)
	case http.MethodGet, http.MethodHead:
		u.get(w, r, st, id, name)
	default:
		w.Header().Set("Allow", "GET, HEAD, PUT, OPTIONS")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

// parsePath splits /<prefix>/<id>/<name>, where prefix is the path of the
// URL base (empty unless the service sits behind a proxy under a path).
func parsePath(base, p string) (id, name string, ok bool) {
	if b, err := url.Parse(base); err == nil && b.Path != "" {
		if p, ok = strings.CutPrefix(p, b.Path); !ok {
			return "", "", false
		}
	}
	id, name, ok = strings.Cut(strings.TrimPrefix(p, "/"), "/")
	if !ok || len(id) != 32 || name == "" || strings.Contains(name, "/") {
		return "", "", false
	}
	for _, c := range id {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return "", "", false
		}
	}
	return id, name, true
}

// put stores the body of a PUT to a slot that was granted, is unused and
// unexpired, when its length and type are those the slot was asked for.
func (u *Upload) put(w http.ResponseWriter, r *http.Request, st state, id, name string) {
	ctx := r.Context()
	log := st.host.Logger()
	var slot slotRecord
	found, err := getJSON(ctx, st.host.Store(""), prefixSlot+id, &slot)
	if err != nil {
		log.Warn("reading an upload slot", "id", id, "error", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	if !found || slot.Name != name {
		var f fileRecord
		done, err := getJSON(ctx, st.host.Store(""), prefixFile+id, &f)
		switch {
		case err != nil:
			log.Warn("reading an upload's record", "id", id, "error", err)
			http.Error(w, "internal error", http.StatusInternalServerError)
		case done && f.Name == name:
			http.Error(w, "this slot was used already", http.StatusConflict)
		default:
			http.Error(w, "no such upload slot", http.StatusForbidden)
		}
		return
	}
	if !u.now().Before(slot.Expires) {
		http.Error(w, "the upload slot has expired", http.StatusForbidden)
		return
	}
	switch {
	case r.ContentLength < 0:
		http.Error(w, "Content-Length is required", http.StatusLengthRequired)
		return
	case r.ContentLength > slot.Size:
		http.Error(w, fmt.Sprintf("Content-Length %d is more than the slot's size, %d", r.ContentLength, slot.Size), http.StatusRequestEntityTooLarge)
		return
	case r.ContentLength < slot.Size:
		http.Error(w, fmt.Sprintf("Content-Length %d is not the slot's size, %d", r.ContentLength, slot.Size), http.StatusBadRequest)
		return
	}
	ctype := slot.Type
	if got := r.Header.Get("Content-Type"); ctype != "" && !sameMediaType(got, ctype) {
		http.Error(w, fmt.Sprintf("Content-Type %q is not the slot's, %q", got, ctype), http.StatusBadRequest)
		return
	} else if ctype == "" {
		ctype = got
	}
	if _, _, err := mime.ParseMediaType(ctype); err != nil {
		ctype = "application/octet-stream"
	}
	if !u.claim(id) {
		http.Error(w, "this slot is being used", http.StatusConflict)
		return
	}
	defer u.release(id)
	// The socket's deadline is on the real clock, whatever u.now says.
	if err := http.NewResponseController(w).SetReadDeadline(time.Now().Add(st.cfg.PutTimeout)); err != nil {
		log.Debug("no read deadline for an upload", "error", err)
	}
	n, err := st.files.Write(ctx, id, io.LimitReader(r.Body, slot.Size))
	if err != nil || n != slot.Size {
		if rerr := st.files.Remove(ctx, id); rerr != nil {
			log.Warn("removing an incomplete upload", "id", id, "error", rerr)
		}
		log.Debug("an upload ended early", "id", id, "bytes", n, "error", err)
		http.Error(w, "the upload did not complete", http.StatusBadRequest)
		return
	}
	if err := u.record(r, st, id, slot, ctype); err != nil {
		if rerr := st.files.Remove(ctx, id); rerr != nil {
			err = errors.Join(err, rerr)
		}
		log.Warn("recording an upload", "id", id, "owner", slot.Owner, "error", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	log.Debug("file uploaded", "id", id, "owner", slot.Owner, "bytes", n)
	w.WriteHeader(http.StatusCreated)
}

// record turns the slot into a file, in one batch.
func (u *Upload) record(r *http.Request, st state, id string, slot slotRecord, ctype string) error {
	created := u.now()
	file, err := putJSON("", prefixFile+id, fileRecord{Owner: slot.Owner, Name: slot.Name, Size: slot.Size, Type: ctype, Created: created})
	if err != nil {
		return err
	}
	use, err := putJSON(slot.Owner, prefixFile+id, usage{Size: slot.Size, At: created})
	if err != nil {
		return err
	}
	return st.host.StoreBatch(r.Context(), []sdk.StoreOp{
		deleteKey("", prefixSlot+id),
		deleteKey(slot.Owner, prefixSlot+id),
		file, use,
		{Key: uploadedKey(created, id), Value: []byte(slot.Owner)},
	})
}

func (u *Upload) claim(id string) bool {
	u.claimMu.Lock()
	defer u.claimMu.Unlock()
	if u.claimed[id] {
		return false
	}
	u.claimed[id] = true
	return true
}

func (u *Upload) release(id string) {
	u.claimMu.Lock()
	delete(u.claimed, id)
	u.claimMu.Unlock()
}

// get serves an uploaded file, ranges included (http.ServeContent), in a
// way a browser cannot be tricked into running: the type as uploaded
// without sniffing, inline only for media that cannot script, and a
// sandbox for anything else.
func (u *Upload) get(w http.ResponseWriter, r *http.Request, st state, id, name string) {
	ctx := r.Context()
	var f fileRecord
	found, err := getJSON(ctx, st.host.Store(""), prefixFile+id, &f)
	if err != nil {
		st.host.Logger().Warn("reading an upload's record", "id", id, "error", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	if !found || f.Name != name {
		http.NotFound(w, r)
		return
	}
	c, err := st.files.Open(ctx, id)
	if errors.Is(err, os.ErrNotExist) {
		st.host.Logger().Warn("an uploaded file is missing from its store", "id", id, "owner", f.Owner)
		http.NotFound(w, r)
		return
	}
	if err != nil {
		st.host.Logger().Warn("opening an uploaded file", "id", id, "error", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	defer c.Close()
	h := w.Header()
	h.Set("Content-Type", f.Type)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Content-Disposition", disposition(f.Type, f.Name))
	h.Set("Access-Control-Expose-Headers", "Content-Length, Content-Range, Content-Disposition")
	http.ServeContent(w, r, "", c.ModTime(), c)
}

// disposition shows in the browser the types that cannot carry script
// (raster images, audio, video, plain text) and has every other one
// downloaded, an SVG or HTML file among them.
func disposition(ctype, name string) string {
	kind := "attachment"
	mt, _, err := mime.ParseMediaType(ctype)
	switch {
	case err != nil:
	case mt == "image/png", mt == "image/jpeg", mt == "image/gif", mt == "image/webp", mt == "image/avif",
		mt == "text/plain", strings.HasPrefix(mt, "audio/"), strings.HasPrefix(mt, "video/"):
		kind = "inline"
	}
	if d := mime.FormatMediaType(kind, map[string]string{"filename": name}); d != "" {
		return d
	}
	return kind
}

// sameMediaType compares two Content-Type values as MIME does: the type
// and parameter names without regard to case.
func sameMediaType(a, b string) bool {
	ta, pa, err := mime.ParseMediaType(a)
	if err != nil {
		return false
	}
	tb, pb, err := mime.ParseMediaType(b)
	return err == nil && ta == tb && maps.Equal(pa, pb)
}
