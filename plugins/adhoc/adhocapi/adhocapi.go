// Package adhocapi is what the adhoc plugin offers other plugins: the
// topic it publishes the list of commands on and the type it carries (as
// JSON). disco answers for the commands node from it. A plugin that
// follows the list imports this small package, never the adhoc plugin.
package adhocapi

import (
	"encoding/json"
	"fmt"
)

// The plugin and its topic.
const (
	Plugin        = "adhoc"
	TopicCommands = "commands" // published whenever the list changes: a Listing
)

// Listing is what TopicCommands carries: every command the server can run
// now, and the bare JIDs that may see and run it.
type Listing struct {
	Commands []ListedCommand `json:"commands"`
}

// ListedCommand is one command of a Listing: every account of the domain
// may see and run it when Everyone is set, else the bare JIDs in JIDs.
type ListedCommand struct {
	Node     string   `json:"node"`
	Name     string   `json:"name"`
	JIDs     []string `json:"jids"`
	Everyone bool     `json:"everyone,omitempty"`
}

// DecodeListing reads the payload of a TopicCommands event.
func DecodeListing(payload []byte) (Listing, error) {
	var l Listing
	if err := json.Unmarshal(payload, &l); err != nil {
		return l, fmt.Errorf("decoding the list of commands: %w", err)
	}
	return l, nil
}
