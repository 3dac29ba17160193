package upload

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"mime"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/sdk"
	"github.com/switchboard-xmpp/switchboard/sdk/stanza"
)

// maxNameBytes bounds a file name, as most file systems do.
const maxNameBytes = 255

// requestSlot answers a slot request (XEP-0363 §4) with the URLs to PUT
// the file to and to GET it from.
func (u *Upload) requestSlot(ctx context.Context, req *sdk.Request) (*etree.Element, error) {
	if strings.ContainsAny(req.To, "@/") {
		return nil, sdk.ErrNotMine // slots are asked of the service itself
	}
	st, err := u.state()
	if err != nil {
		return nil, err
	}
	r := req.Stanza.ChildElements()[0]
	if r.Tag != "request" {
		return nil, stanza.Errorf(stanza.BadRequest, "expected <request/>")
	}
	name, err := fileName(r.SelectAttrValue("filename", ""))
	if err != nil {
		return nil, err
	}
	size, err := strconv.ParseInt(r.SelectAttrValue("size", ""), 10, 64)
	if err != nil || size < 0 {
		return nil, stanza.Errorf(stanza.BadRequest, "size must be the file's size in bytes")
	}
	ctype := strings.TrimSpace(r.SelectAttrValue("content-type", ""))
	if ctype != "" {
		if _, _, err := mime.ParseMediaType(ctype); err != nil {
			return nil, stanza.Errorf(stanza.BadRequest, "content-type is not a MIME type")
		}
	}
	if size > st.cfg.MaxFileSize {
		return nil, fileTooLarge(st.cfg.MaxFileSize)
	}
	owner := bareOf(req.From)
	id, err := u.grant(ctx, st, slotRecord{Owner: owner, Name: name, Size: size, Type: ctype})
	if err != nil {
		return nil, err
	}
	link := st.base + "/" + id + "/" + url.PathEscape(name)
	slot := sdk.NewElement(NS, "slot")
	slot.CreateElement("put").CreateAttr("url", link)
	slot.CreateElement("get").CreateAttr("url", link)
	return slot, nil
}

// grant records a slot for the account, within its quota, and returns
// the slot's id.
func (u *Upload) grant(ctx context.Context, st state, slot slotRecord) (string, error) {
	u.grantMu.Lock()
	defer u.grantMu.Unlock()
	now := u.now()
	if st.cfg.Quota > 0 {
		used, frees, err := accountUsage(ctx, st.host.Store(slot.Owner), now, st.cfg.ExpireAfter)
		if err != nil {
			return "", err
		}
		if used+slot.Size > st.cfg.Quota {
			return "", quotaReached(st.cfg.Quota, used, frees)
		}
	}
	id, err := newID()
	if err != nil {
		return "", err
	}
	slot.Expires = now.Add(st.cfg.SlotLifetime)
	rec, err := putJSON("", prefixSlot+id, slot)
	if err != nil {
		return "", err
	}
	use, err := putJSON(slot.Owner, prefixSlot+id, usage{Size: slot.Size, At: slot.Expires})
	if err != nil {
		return "", err
	}
	if err := st.host.StoreBatch(ctx, []sdk.StoreOp{rec, use}); err != nil {
		return "", fmt.Errorf("storing slot %s: %w", id, err)
	}
	return id, nil
}

// fileTooLarge is XEP-0363 §5's error for a file over the limit.
func fileTooLarge(max int64) error {
	return &stanza.Error{
		Type:        stanza.Modify,
		Condition:   stanza.NotAcceptable,
		Text:        fmt.Sprintf("file too large: the maximum file size is %d bytes", max),
		AppSpace:    NS,
		AppLocal:    "file-too-large",
		AppChildren: []stanza.Child{{Name: "max-file-size", Text: strconv.FormatInt(max, 10)}},
	}
}

// quotaReached is XEP-0363 §5's error for a quota reached, with the time
// when some of it frees up, if any will.
func quotaReached(quota, used int64, frees time.Time) error {
	e := &stanza.Error{
		Type:      stanza.Wait,
		Condition: stanza.ResourceConstraint,
		Text:      fmt.Sprintf("quota reached: %d of %d bytes in use", used, quota),
	}
	if !frees.IsZero() {
		e.AppSpace, e.AppLocal = NS, "retry"
		e.AppAttrs = []stanza.Attr{{Name: "stamp", Value: frees.UTC().Format(time.RFC3339)}}
	}
	return e
}

// fileName checks the name a client gave and makes it safe as the last
// segment of a URL path and as a name in a download dialog: no path
// separators, no control characters.
func fileName(s string) (string, error) {
	if s == "" {
		return "", stanza.Errorf(stanza.BadRequest, "filename is required")
	}
	if len(s) > maxNameBytes {
		return "", stanza.Errorf(stanza.BadRequest, fmt.Sprintf("filename is longer than %d bytes", maxNameBytes))
	}
	clean := strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || unicode.IsControl(r) {
			return '_'
		}
		return r
	}, s)
	if clean == "." || clean == ".." {
		clean = "_"
	}
	return clean, nil
}

func newID() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("making a slot id: %w", err)
	}
	return hex.EncodeToString(b), nil
}

func bareOf(jid string) string {
	bare, _, _ := strings.Cut(jid, "/")
	return bare
}
