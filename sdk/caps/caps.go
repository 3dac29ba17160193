// Package caps implements the verification string of XEP-0115: Entity
// Capabilities (§5): a SHA-1 hash, base64-encoded, of an entity's disco
// identities, features and extended forms (XEP-0128), so that whoever
// sees the string can tell which disco#info answer it stands for without
// asking.
//
// It imports only the standard library, so that both the core (which
// offers the server's caps in its stream features) and plugins (disco,
// which answers the node the string names) can compute the same value.
package caps

import (
	"cmp"
	"crypto/sha1" // XEP-0115 §5 names SHA-1: an identifier here, not a security measure
	"encoding/base64"
	"slices"
	"strings"
)

// NS is the namespace of XEP-0115.
const NS = "http://jabber.org/protocol/caps"

// Hash is the value of the 'hash' attribute for Ver's algorithm (the IANA
// name of SHA-1).
const Hash = "sha-1"

// Identity is a disco identity (XEP-0030 §3.1), with its xml:lang.
type Identity struct {
	Category, Type, Lang, Name string
}

// Field is a field of an extended form: its var and its values.
type Field struct {
	Var    string
	Values []string
}

// Form is an extended disco#info form (XEP-0128). Its FORM_TYPE is one of
// its fields, as on the wire; a form without one is left out of the hash
// (XEP-0115 §5.4, 3.6).
type Form struct {
	Fields []Field
}

// FormType returns the form's FORM_TYPE value, "" when it has none.
func (f Form) FormType() string {
	for _, fl := range f.Fields {
		if fl.Var == "FORM_TYPE" && len(fl.Values) > 0 {
			return fl.Values[0]
		}
	}
	return ""
}

// Ver returns the verification string of XEP-0115 §5.1 for the given
// disco#info content. The inputs are not modified; the caller need not
// sort them.
func Ver(identities []Identity, features []string, forms []Form) string {
	sum := sha1.Sum([]byte(Input(identities, features, forms)))
	return base64.StdEncoding.EncodeToString(sum[:])
}

// Input returns the string S that Ver hashes (XEP-0115 §5.1, steps 1 to
// 8), which is what to compare when two implementations disagree.
func Input(identities []Identity, features []string, forms []Form) string {
	var b strings.Builder
	ids := slices.Clone(identities)
	slices.SortFunc(ids, func(a, b Identity) int {
		return cmp.Or(strings.Compare(a.Category, b.Category), strings.Compare(a.Type, b.Type),
			strings.Compare(a.Lang, b.Lang), strings.Compare(a.Name, b.Name))
	})
	for _, id := range ids {
		b.WriteString(id.Category + "/" + id.Type + "/" + id.Lang + "/" + id.Name + "<")
	}
	feats := slices.Clone(features)
	slices.Sort(feats)
	for _, f := range feats {
		b.WriteString(f + "<")
	}
	typed := make([]Form, 0, len(forms))
	for _, f := range forms {
		if f.FormType() != "" {
			typed = append(typed, f)
		}
	}
	slices.SortFunc(typed, func(a, b Form) int { return strings.Compare(a.FormType(), b.FormType()) })
	for _, f := range typed {
		writeForm(&b, f)
	}
	return b.String()
}

func writeForm(b *strings.Builder, f Form) {
	b.WriteString(f.FormType() + "<")
	fields := make([]Field, 0, len(f.Fields))
	for _, fl := range f.Fields {
		if fl.Var != "FORM_TYPE" {
			fields = append(fields, fl)
		}
	}
	slices.SortFunc(fields, func(a, b Field) int { return strings.Compare(a.Var, b.Var) })
	for _, fl := range fields {
		b.WriteString(fl.Var + "<")
		values := slices.Clone(fl.Values)
		slices.Sort(values)
		for _, v := range values {
			b.WriteString(v + "<")
		}
	}
}

// StreamFeature returns the element a server offers in its stream
// features to announce its own capabilities (XEP-0115 §6.3):
// <c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node='…' ver='…'/>.
func StreamFeature(node, ver string) string {
	return "<c xmlns='" + NS + "' hash='" + Hash + "' node='" + escape(node) + "' ver='" + escape(ver) + "'/>"
}

var escaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "'", "&apos;", "\"", "&quot;")

func escape(s string) string { return escaper.Replace(s) }
