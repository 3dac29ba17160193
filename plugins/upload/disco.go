package upload

import (
	"context"
	"strconv"
	"strings"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/sdk"
)

const (
	nsDiscoInfo = "http://jabber.org/protocol/disco#info"
	nsData      = "jabber:x:data"
)

// discoInfo answers disco#info on the service's domain with the form of
// XEP-0363 §3 that tells clients the largest file they may upload.
func (u *Upload) discoInfo(_ context.Context, req *sdk.Request) (*etree.Element, error) {
	q := req.Stanza.ChildElements()[0]
	if strings.ContainsAny(req.To, "@/") || q.SelectAttrValue("node", "") != "" {
		return nil, sdk.ErrNotMine
	}
	st, err := u.state()
	if err != nil {
		return nil, err
	}
	out := sdk.NewElement(nsDiscoInfo, "query")
	id := out.CreateElement("identity")
	id.CreateAttr("category", identity.Category)
	id.CreateAttr("type", identity.Type)
	id.CreateAttr("name", identity.Name)
	out.CreateElement("feature").CreateAttr("var", nsDiscoInfo)
	out.CreateElement("feature").CreateAttr("var", NS)
	x := out.CreateElement("x")
	x.CreateAttr("xmlns", nsData)
	x.CreateAttr("type", "result")
	field := func(name, typ, value string) {
		f := x.CreateElement("field")
		f.CreateAttr("var", name)
		if typ != "" {
			f.CreateAttr("type", typ)
		}
		f.CreateElement("value").SetText(value)
	}
	field("FORM_TYPE", "hidden", NS)
	field("max-file-size", "", strconv.FormatInt(st.cfg.MaxFileSize, 10))
	return out, nil
}
