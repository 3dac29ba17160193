// Package offlineapi is what the offline plugin tells other plugins: the
// name of its topic and what it carries (as JSON). A plugin that acts on
// messages stored for an account that has no session (push
// notifications) subscribes to it and imports this package, never the
// offline plugin itself.
package offlineapi

// The plugin and its topic.
const (
	Plugin      = "offline"
	TopicStored = "stored" // published for each message stored: a Stored, about its recipient's bare JID
)

// Stored is a message stored for an account that had no session to take
// it.
type Stored struct {
	From string `json:"from"` // the sender's full JID
	Body string `json:"body"` // the message's body, "" for none
	// At is when it was stored, in Unix nanoseconds: an event handled
	// late (after the account came back and got the message) says so.
	At int64 `json:"at,omitempty"`
}
