// Package contract holds the rules of the plugin contract (sdk/proto) that
// both sides apply: which route takes a stanza, what a manifest implies a
// plugin will use and what it may use, whom a plugin may call, and whom a
// stanza a plugin emits may come from. The core (core/pluginhost) and the
// fake core of sdktest call these functions, so that a plugin meets the
// same rules in its tests as in production; none of them is written
// anywhere else.
//
// The rules read stanzas through small interfaces and structs, since the
// core keeps stanzas as raw bytes and the sdk as etree elements, and JIDs
// as each side prepares them (RFC 7622).
package contract
