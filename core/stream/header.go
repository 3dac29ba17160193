package stream

import "bytes"

// Header is the client's opening <stream:stream> tag.
type Header struct {
	To, From, ID, Version, Lang string // attribute values, unescaped (Lang = xml:lang)
	DefaultNS                   string // the default namespace declared (xmlns='...'), "" if none
	Name                        Name   // resolved name of the element, {NSStream, "stream"}
}

// closeDecl checks the XML declaration: only UTF-8 is accepted.
func (d *Decoder) closeDecl() error {
	raw := d.buf[d.start:]
	version := false
	for i := range d.attrs {
		a := &d.attrs[i]
		switch string(raw[a.nameOff : a.nameOff+a.nameLen]) {
		case "version":
			version = true
		case "standalone":
		case "encoding":
			if !bytes.EqualFold(d.attrValue(raw, a), []byte("UTF-8")) {
				return &Error{Condition: CondUnsupportedEncoding, Text: "only UTF-8 is supported"}
			}
		default:
			return errNotWellFormed("unknown attribute in the XML declaration")
		}
	}
	if !version {
		return errNotWellFormed("XML declaration without a version")
	}
	d.inDecl = false
	d.declSeen = true
	d.st = stTop
	return nil
}

// closeHeader finishes the stream header at its '>' and makes its
// declarations the outer scope of every stanza that follows.
func (d *Decoder) closeHeader(self bool) (step, error) {
	if self {
		return stepNext, errNotWellFormed("self-closing stream header")
	}
	raw := d.buf[d.start:]
	scope, err := d.headerScope(raw)
	if err != nil {
		return stepNext, err
	}
	tag := &d.tags[0]
	qname := raw[tag.off : tag.off+tag.n]
	space, local, bound := scope.def, qname, true
	if tag.colon >= 0 {
		local = qname[tag.colon+1:]
		space, bound = scope.lookup(qname[:tag.colon])
	}
	if !bound || space != NSStream || string(local) != "stream" {
		return stepNext, &Error{Condition: CondInvalidNamespace, Text: "the stream element must be {" + NSStream + "}stream"}
	}
	h := Header{DefaultNS: scope.def, Name: Name{Space: NSStream, Local: "stream"}}
	prefixed := 0
	for i := range d.attrs {
		a := &d.attrs[i]
		if _, ok := declPrefix(raw, a); ok {
			continue
		}
		name := raw[a.nameOff : a.nameOff+a.nameLen]
		value := string(d.attrValue(raw, a))
		if a.colon >= 0 {
			uri, ok := scope.lookup(name[:a.colon])
			if !ok {
				return stepNext, errNotWellFormed("undeclared namespace prefix")
			}
			if uri == NSXML && string(name[a.colon+1:]) == "lang" {
				h.Lang = value
			}
			prefixed++
			continue
		}
		switch string(name) {
		case "to":
			h.To = value
		case "from":
			h.From = value
		case "id":
			h.ID = value
		case "version":
			h.Version = value
		}
	}
	if prefixed > 1 {
		err := checkExpandedNames(raw, d.attrs, func(prefix []byte) string {
			uri, _ := scope.lookup(prefix)
			return uri
		})
		if err != nil {
			return stepNext, err
		}
	}
	scope.qname = string(qname)
	d.hdr = scope
	d.header = h
	d.mode = modeStanza
	d.st = stTop
	d.r = d.p
	return stepDone, nil
}

func (d *Decoder) headerScope(raw []byte) (headerScope, error) {
	var scope headerScope
	for i := range d.attrs {
		a := &d.attrs[i]
		prefix, ok := declPrefix(raw, a)
		if !ok {
			continue
		}
		uri := d.attrValue(raw, a)
		if err := checkDecl(prefix, uri); err != nil {
			return scope, err
		}
		switch {
		case len(prefix) == 0:
			scope.def = string(uri)
		case string(prefix) != "xml":
			scope.decls = append(scope.decls, nsDecl{prefix: string(prefix), uri: string(uri)})
		}
	}
	return scope, nil
}
