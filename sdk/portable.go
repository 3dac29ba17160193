package sdk

import (
	"context"

	"github.com/beevik/etree"
)

// Portable is implemented by a plugin whose data moves with an account
// from one server to another, in the format of XEP-0227 (Portable
// Import/Export): each piece of an account's data is a child of the
// account's <user/> element, in the namespace of the protocol that
// carries it (a roster is <query xmlns='jabber:iq:roster'/>, a vCard
// <vCard xmlns='vcard-temp'/>). The plugin knows its data's form; the
// server's export and import commands know the file.
//
// The commands call these methods in their own process, with the store
// the plugin uses when it runs (its namespace, one account's owner), while
// no server is writing the same accounts; so they touch nothing but st.
type Portable interface {
	// PortableElements names the children of <user/> the plugin reads
	// and writes, as "{namespace}local" (see PortableName).
	PortableElements() []string
	// ExportAccount returns the account's data as children of <user/>,
	// none when it keeps nothing for the account. Each element declares
	// the namespaces it uses, so it reads the same wherever it is put.
	ExportAccount(ctx context.Context, st Store, owner string) ([]*etree.Element, error)
	// ImportAccount stores the account's data from els, the children of
	// <user/> that PortableElements names, in the order of the file. It
	// replaces what the account kept of the same kind, so importing the
	// same file twice leaves the same data. It returns how many items it
	// stored (contacts, messages, elements), for the command's report.
	ImportAccount(ctx context.Context, st Store, owner string, els []*etree.Element) (int, error)
}

// PortableName is the name an element is listed under in
// Portable.PortableElements: "{namespace}local".
func PortableName(el *etree.Element) string {
	return "{" + el.NamespaceURI() + "}" + el.Tag
}
