// Package wire holds the conversions between the wire contract
// (sdk/proto/pluginv1) and the Go types that sdk, sdktest and the plugin
// server share: stanza bytes and *etree.Element, gRPC statuses and
// *stanza.Error. Nothing here knows the sdk package's own types; those
// convert in sdk, which this package cannot import without a cycle.
package wire

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/beevik/etree"
)

// ParseStanza reads one stanza. The jabber:client default namespace is
// implied on the wire, so an element without xmlns is a client stanza.
func ParseStanza(b []byte) (*etree.Element, error) {
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(b); err != nil {
		return nil, fmt.Errorf("parsing stanza: %w", err)
	}
	root := doc.Root()
	if root == nil {
		return nil, errors.New("parsing stanza: no element")
	}
	// Detach it so that a handler moving it into a reply does not drag
	// the document along.
	doc.RemoveChild(root)
	return root, nil
}

// MarshalStanza serializes el without touching it (etree's Document.SetRoot
// would detach el from its parent).
func MarshalStanza(el *etree.Element) ([]byte, error) {
	if el == nil {
		return nil, errors.New("serializing stanza: nil element")
	}
	var buf bytes.Buffer
	el.WriteTo(&buf, &etree.WriteSettings{})
	return buf.Bytes(), nil
}
