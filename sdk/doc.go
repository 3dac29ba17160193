// Package sdk is what a Switchboard plugin is written against. A plugin is
// a value describing itself — name, routes with their handlers, events,
// disco features, methods it provides — and main is a few lines:
//
//	func main() { sdk.Serve(motd.New()) }
//
// Stanzas are *etree.Element; logging is hclog; stanza errors are
// *stanza.Error from sdk/stanza. Nothing of go-plugin or gRPC shows: the
// wire contract lives in sdk/proto, the plugin side of it in sdk/internal.
// sdk/sdktest runs a plugin in-process against a fake core.
//
// docs/plugins.md in the repository is the author's guide, from an empty
// directory to a plugin loaded by the server.
package sdk
