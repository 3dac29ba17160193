// Package stream reads and writes the XML stream of RFC 6120 on the server's
// hot path.
//
// The reader is hand-written rather than built on encoding/xml because most
// of what crosses the server is a message from one user to another that the
// router only forwards: it needs the stanza's bytes and a few attributes,
// never a tree. The Decoder is a resumable byte state machine that finds one
// complete top-level element at a time, checks it as the bytes arrive (UTF-8,
// XML 1.0 characters, names, quoting, nesting, namespace prefixes) and
// enforces the restricted XML of RFC 6120 §11.1 without ever expanding an
// entity. Its memory is bounded by Limits: an element larger than the limit
// is refused as soon as its running size passes it, and each byte is looked
// at once however the input is split into reads. In steady state Next does
// not allocate; it returns the raw bytes of the element, which the caller
// stamps with AppendWithFrom and writes to another stream unchanged.
//
// Handlers that need a tree (everything that is not routed verbatim) call
// Element.DOM, which hands the same bytes to etree.
//
// Choices the RFC leaves open: "]]>" in character data is rejected as
// not-well-formed (XML 1.0 forbids it); a stream header whose prefix is not
// declared, or not bound to the streams namespace, is invalid-namespace,
// while an undeclared prefix anywhere else is not-well-formed; the end of the
// input without a closing </stream:stream> is io.ErrUnexpectedEOF.
package stream
