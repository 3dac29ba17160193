package offline

import "github.com/beevik/etree"

// Namespaces that decide whether a message is worth keeping.
const (
	nsHints      = "urn:xmpp:hints"                        // XEP-0334
	nsChatStates = "http://jabber.org/protocol/chatstates" // XEP-0085
	nsClient     = "jabber:client"
)

// worthStoring is the rule for what is stored:
//
//  1. a <no-store/> hint (XEP-0334 §4.3) is obeyed: not stored;
//  2. a <store/> hint is obeyed: stored;
//  3. otherwise a message is stored if it carries anything besides chat
//     states, hints and <thread/>: a body, a subject, a receipt, a
//     marker, an invitation, an encrypted payload… XEP-0160 §3 says a
//     message of chat states only is not stored; the same goes for one
//     with nothing in it at all.
//
// A message not stored is dropped without an error: its sender would only
// be told that an offline user cannot see them typing.
func worthStoring(msg *etree.Element) bool {
	hinted, meaningful := false, false
	for _, c := range msg.ChildElements() {
		ns := c.NamespaceURI()
		switch {
		case ns == nsHints && c.Tag == "no-store":
			return false
		case ns == nsHints && c.Tag == "store":
			hinted = true
		case ns == nsHints, ns == nsChatStates:
		case (ns == "" || ns == nsClient) && c.Tag == "thread":
		default:
			meaningful = true
		}
	}
	return hinted || meaningful
}
