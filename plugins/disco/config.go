package disco

import (
	"errors"
	"fmt"
	"net/url"
	"time"

	"mellium.im/xmpp/jid"
)

// Config is disco's config section.
type Config struct {
	// CapsNode is the node of the server's entity capabilities (XEP-0115):
	// a URI naming the software. disco#info for "<caps_node>#<ver>" is
	// answered like disco#info without a node.
	CapsNode string `json:"caps_node"`
	// Refresh is the longest the aggregated identities and features are
	// kept: they are computed again when the core reports a change of
	// manifests, and on the first request after this time in case that
	// report was lost.
	Refresh time.Duration `json:"refresh"`
	// Items are the server's disco#items: services such as a MUC or an
	// upload component, by JID. None by default.
	Items []Item `json:"items"`
	// Contact are the server's contact addresses (XEP-0157), as URIs
	// (mailto:, xmpp:, https:), published in disco#info.
	Contact Contact `json:"contact"`
}

// Item is one entry of the server's disco#items.
type Item struct {
	JID  string `json:"jid"`  // required
	Name string `json:"name"` // optional, shown to users
	Node string `json:"node"` // optional
}

// Contact lists addresses by role, each a list of URIs.
type Contact struct {
	Abuse    []string `json:"abuse"`
	Admin    []string `json:"admin"`
	Feedback []string `json:"feedback"`
	Sales    []string `json:"sales"`
	Security []string `json:"security"`
	Status   []string `json:"status"`
	Support  []string `json:"support"`
}

// DefaultCapsNode is the caps node when none is configured.
const DefaultCapsNode = "https://github.com/switchboard-xmpp/switchboard"

func defaultConfig() Config {
	return Config{CapsNode: DefaultCapsNode, Refresh: time.Minute}
}

// Validate checks the JIDs of items and the URIs of contact addresses.
func (c *Config) Validate() error {
	if c.CapsNode == "" {
		return errors.New("caps_node must not be empty")
	}
	if c.Refresh <= 0 {
		return errors.New("refresh must be positive")
	}
	for i, it := range c.Items {
		if _, err := jid.Parse(it.JID); err != nil || it.JID == "" {
			return fmt.Errorf("items[%d]: jid %q is not a valid JID", i, it.JID)
		}
	}
	for _, f := range c.Contact.fields() {
		for _, addr := range f.values {
			if u, err := url.Parse(addr); err != nil || u.Scheme == "" {
				return fmt.Errorf("contact.%s: %q is not a URI (mailto:, xmpp:, https: …)", f.key, addr)
			}
		}
	}
	return nil
}

type contactField struct {
	key, field string // config key; XEP-0157 field var
	values     []string
}

// fields pairs each role with its field of the serverinfo form, in the
// order of XEP-0157 §4.
func (c Contact) fields() []contactField {
	return []contactField{
		{"abuse", "abuse-addresses", c.Abuse},
		{"admin", "admin-addresses", c.Admin},
		{"feedback", "feedback-addresses", c.Feedback},
		{"sales", "sales-addresses", c.Sales},
		{"security", "security-addresses", c.Security},
		{"status", "status-addresses", c.Status},
		{"support", "support-addresses", c.Support},
	}
}
