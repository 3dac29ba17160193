package mam

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/beevik/etree"
	"mellium.im/xmpp/jid"

	"github.com/switchboard-xmpp/switchboard/sdk/stanza"
)

// query is a parsed <query/> (XEP-0313 §4): the form's filters, the RSM
// set (XEP-0059) and <flip-page/>.
type query struct {
	id string // queryid, echoed in every result

	with     string // prepared JID; "" for any peer
	withBare string // its bare part
	start    int64  // nanos, inclusive; -1 when absent
	end      int64  // nanos, inclusive; -1 when absent
	afterID  string // after-id, exclusive
	beforeID string // before-id, exclusive
	ids      []string

	max      int     // -1 when absent
	after    string  // RSM <after/>
	before   *string // RSM <before/>; "" asks for the last page
	flipPage bool
}

// parseQuery reads a query. A field the server does not know is
// feature-not-implemented (XEP-0313 §4.1.5); anything malformed is
// bad-request.
func parseQuery(el *etree.Element) (*query, error) {
	q := &query{id: el.SelectAttrValue("queryid", ""), start: -1, end: -1, max: -1}
	for _, c := range el.ChildElements() {
		var err error
		switch ns := c.NamespaceURI(); {
		case ns == nsData && c.Tag == "x":
			err = q.parseForm(c)
		case ns == nsRSM && c.Tag == "set":
			err = q.parseSet(c)
		case ns == NS && c.Tag == "flip-page":
			q.flipPage = true
		default:
			err = stanza.Errorf(stanza.FeatureNotImplemented, fmt.Sprintf("unknown element <%s xmlns='%s'/> in the query", c.Tag, ns))
		}
		if err != nil {
			return nil, err
		}
	}
	return q, nil
}

func (q *query) parseForm(x *etree.Element) error {
	if t := x.SelectAttrValue("type", "submit"); t != "submit" {
		return stanza.Errorf(stanza.BadRequest, "the form's type must be submit")
	}
	for _, f := range x.SelectElements("field") {
		values := fieldValues(f)
		if len(values) == 0 {
			continue // an empty field filters nothing
		}
		v := values[0]
		var err error
		switch name := f.SelectAttrValue("var", ""); name {
		case "FORM_TYPE":
			if v != NS {
				err = stanza.Errorf(stanza.BadRequest, "FORM_TYPE must be "+NS)
			}
		case "with":
			err = q.parseWith(v)
		case "start":
			q.start, err = parseStamp(name, v)
		case "end":
			q.end, err = parseStamp(name, v)
		case "after-id":
			q.afterID = v
		case "before-id":
			q.beforeID = v
		case "ids":
			q.ids = values
		case "include-groupchat":
			// Only chat and normal messages are archived: whichever the
			// client asks, no groupchat message is in the results.
			_, err = parseBool(v)
		default:
			err = stanza.Errorf(stanza.FeatureNotImplemented, fmt.Sprintf("unknown field %q", name))
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func fieldValues(f *etree.Element) []string {
	var out []string
	for _, v := range f.SelectElements("value") {
		if s := strings.TrimSpace(v.Text()); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func (q *query) parseWith(v string) error {
	j, err := jid.Parse(v)
	if err != nil {
		return stanza.Errorf(stanza.BadRequest, fmt.Sprintf("with: %q is not a JID", v))
	}
	q.with, q.withBare = j.String(), j.Bare().String()
	return nil
}

// parseStamp reads an XEP-0082 DateTime into Unix nanoseconds, clamped to
// what a key can hold.
func parseStamp(field, v string) (int64, error) {
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return 0, stanza.Errorf(stanza.BadRequest, fmt.Sprintf("%s: %q is not an XEP-0082 DateTime", field, v))
	}
	switch {
	case t.Before(time.Unix(0, 0)):
		return 0, nil
	case t.After(time.Unix(0, math.MaxInt64-1)):
		return math.MaxInt64 - 1, nil
	}
	return t.UnixNano(), nil
}

func parseBool(v string) (bool, error) {
	switch v {
	case "1", "true":
		return true, nil
	case "0", "false":
		return false, nil
	}
	return false, stanza.Errorf(stanza.BadRequest, fmt.Sprintf("%q is not a boolean", v))
}

// parseSet reads the RSM request (XEP-0059 §2). <index/> (jumping to a
// page by position) would need counting the archive: not implemented.
func (q *query) parseSet(set *etree.Element) error {
	for _, c := range set.ChildElements() {
		text := strings.TrimSpace(c.Text())
		switch c.Tag {
		case "max":
			n, err := strconv.Atoi(text)
			if err != nil || n < 0 {
				return stanza.Errorf(stanza.BadRequest, fmt.Sprintf("max: %q is not a count", text))
			}
			q.max = n
		case "after":
			if text == "" {
				return stanza.Errorf(stanza.BadRequest, "after needs an id")
			}
			q.after = text
		case "before":
			q.before = &text
		case "index":
			return stanza.Errorf(stanza.FeatureNotImplemented, "paging by index is not supported; page with after and before")
		default:
			return stanza.Errorf(stanza.BadRequest, fmt.Sprintf("unknown element <%s/> in the result set", c.Tag))
		}
	}
	return nil
}
