package pep

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/beevik/etree"
)

// Access models (XEP-0060 §4.5) that the plugin implements; "authorize"
// is not one of them.
const (
	accessOpen      = "open"
	accessPresence  = "presence"
	accessRoster    = "roster"
	accessWhitelist = "whitelist"
)

// Values of pubsub#send_last_published_item.
const (
	sendNever          = "never"
	sendOnSub          = "on_sub"
	sendOnSubPresence  = "on_sub_and_presence"
	notificationNormal = "normal"
	notificationHead   = "headline"
)

// nodeConfig is a node's configuration, stored with the node.
type nodeConfig struct {
	Access string   `json:"access"`
	Groups []string `json:"groups,omitempty"` // roster groups allowed, for the roster model
	// Persist false keeps the last item only, for delivery at login and
	// for retrieval.
	Persist bool `json:"persist"`
	// MaxItems is pubsub#max_items as configured, 0 for "max". No node
	// holds more than Config.MaxItemsPerNode, whatever it says.
	MaxItems      int    `json:"max_items"`
	SendLast      string `json:"send_last"`
	Notify        bool   `json:"notify"`   // pubsub#deliver_notifications
	Payloads      bool   `json:"payloads"` // pubsub#deliver_payloads
	NotifyRetract bool   `json:"notify_retract"`
	NotifyDelete  bool   `json:"notify_delete"`
	Notification  string `json:"notification"` // headline or normal
	Title         string `json:"title,omitempty"`
	Description   string `json:"description,omitempty"`
	PayloadType   string `json:"payload_type,omitempty"`
}

// defaultNodeConfig is XEP-0163's: access to those who see the owner's
// presence, the last item sent on subscription and at login, one item.
func defaultNodeConfig() nodeConfig {
	return nodeConfig{
		Access: accessPresence, Persist: true, MaxItems: 1, SendLast: sendOnSubPresence,
		Notify: true, Payloads: true, NotifyRetract: true, NotifyDelete: true, Notification: notificationHead,
	}
}

// keeps is how many items the node holds at most.
func (c nodeConfig) keeps(limit int) int {
	switch {
	case !c.Persist:
		return 1
	case c.MaxItems == 0 || c.MaxItems > limit:
		return limit
	}
	return c.MaxItems
}

// configField is one field of the node_config form: how it is shown, read
// from a nodeConfig and written into one. Reading back what was written
// normalises a value ("true" and "1" alike), which is what preconditions
// compare.
type configField struct {
	Var, Type, Label string
	Options          []string
	get              func(c nodeConfig) []string
	set              func(c *nodeConfig, v []string) error
}

var configFields = []configField{
	text("pubsub#title", "A friendly name for the node", func(c *nodeConfig) *string { return &c.Title }),
	text("pubsub#description", "A description of the node", func(c *nodeConfig) *string { return &c.Description }),
	text("pubsub#type", "The type of node data, usually the namespace of the payload", func(c *nodeConfig) *string { return &c.PayloadType }),
	{Var: "pubsub#max_items", Type: "text-single", Label: "Max # of items to persist (a number, or max)",
		get: func(c nodeConfig) []string {
			if c.MaxItems == 0 {
				return []string{"max"}
			}
			return []string{strconv.Itoa(c.MaxItems)}
		},
		set: func(c *nodeConfig, v []string) error {
			s := single(v)
			if s == "max" {
				c.MaxItems = 0
				return nil
			}
			n, err := strconv.Atoi(s)
			if err != nil || n < 1 {
				return fmt.Errorf("pubsub#max_items must be a positive number or max, not %q", s)
			}
			c.MaxItems = n
			return nil
		}},
	boolean("pubsub#persist_items", "Persist items to storage", func(c *nodeConfig) *bool { return &c.Persist }),
	choice("pubsub#access_model", "Who may subscribe and retrieve items",
		[]string{accessOpen, accessPresence, accessRoster, accessWhitelist}, func(c *nodeConfig) *string { return &c.Access }),
	{Var: "pubsub#roster_groups_allowed", Type: "list-multi", Label: "Roster groups allowed to subscribe",
		get: func(c nodeConfig) []string { return slices.Sorted(slices.Values(c.Groups)) },
		set: func(c *nodeConfig, v []string) error { c.Groups = slices.Clone(v); return nil }},
	choice("pubsub#publish_model", "Who may publish (the owner only)", []string{"publishers"},
		func(*nodeConfig) *string { s := "publishers"; return &s }),
	choice("pubsub#send_last_published_item", "When to send the last published item",
		[]string{sendNever, sendOnSub, sendOnSubPresence}, func(c *nodeConfig) *string { return &c.SendLast }),
	boolean("pubsub#deliver_notifications", "Whether to deliver event notifications", func(c *nodeConfig) *bool { return &c.Notify }),
	boolean("pubsub#deliver_payloads", "Whether to deliver payloads with event notifications", func(c *nodeConfig) *bool { return &c.Payloads }),
	choice("pubsub#notification_type", "Specify the delivery style for notifications",
		[]string{notificationNormal, notificationHead}, func(c *nodeConfig) *string { return &c.Notification }),
	boolean("pubsub#notify_delete", "Whether to notify subscribers when the node is deleted", func(c *nodeConfig) *bool { return &c.NotifyDelete }),
	boolean("pubsub#notify_retract", "Whether to notify subscribers when items are removed from the node", func(c *nodeConfig) *bool { return &c.NotifyRetract }),
}

func fieldByVar(v string) (configField, bool) {
	i := slices.IndexFunc(configFields, func(f configField) bool { return f.Var == v })
	if i < 0 {
		return configField{}, false
	}
	return configFields[i], true
}

// fieldError names the field that an error is about.
type fieldError struct {
	Var string
	msg string
}

func (e *fieldError) Error() string { return e.msg }

// apply writes the submitted fields into c; an unknown field or a value
// that does not fit is a *fieldError naming it.
func (c *nodeConfig) apply(fields []submitted) error {
	for _, s := range fields {
		f, ok := fieldByVar(s.Var)
		if !ok {
			return &fieldError{Var: s.Var, msg: s.Var + " is not a node option this service supports"}
		}
		if err := f.set(c, s.Values); err != nil {
			return &fieldError{Var: s.Var, msg: err.Error()}
		}
	}
	return nil
}

// mismatch names the first precondition (XEP-0060 §7.1.5) that c does not
// meet, "" when it meets them all.
func (c nodeConfig) mismatch(fields []submitted) string {
	for _, s := range fields {
		f, ok := fieldByVar(s.Var)
		if !ok {
			return s.Var + " is not a node option this service supports"
		}
		want := c
		if err := f.set(&want, s.Values); err != nil {
			return err.Error()
		}
		if !slices.Equal(f.get(want), f.get(c)) {
			return "field does not match: " + s.Var
		}
	}
	return ""
}

// form renders c as the node_config form an owner edits (typ "form").
func (c nodeConfig) form(typ string) *etree.Element {
	x := newForm(typ, formNodeConfig)
	for _, f := range configFields {
		addField(x, f, f.get(c))
	}
	return x
}

func single(v []string) string {
	if len(v) == 0 {
		return ""
	}
	return v[0]
}

func text(v, label string, at func(*nodeConfig) *string) configField {
	return configField{Var: v, Type: "text-single", Label: label,
		get: func(c nodeConfig) []string {
			if s := *at(&c); s != "" {
				return []string{s}
			}
			return nil
		},
		set: func(c *nodeConfig, vals []string) error { *at(c) = single(vals); return nil }}
}

func boolean(v, label string, at func(*nodeConfig) *bool) configField {
	return configField{Var: v, Type: "boolean", Label: label,
		get: func(c nodeConfig) []string {
			if *at(&c) {
				return []string{"1"}
			}
			return []string{"0"}
		},
		set: func(c *nodeConfig, vals []string) error {
			switch s := single(vals); s {
			case "1", "true":
				*at(c) = true
			case "0", "false":
				*at(c) = false
			default:
				return fmt.Errorf("%s must be true or false, not %q", v, s)
			}
			return nil
		}}
}

func choice(v, label string, options []string, at func(*nodeConfig) *string) configField {
	return configField{Var: v, Type: "list-single", Label: label, Options: options,
		get: func(c nodeConfig) []string { return []string{*at(&c)} },
		set: func(c *nodeConfig, vals []string) error {
			s := single(vals)
			if !slices.Contains(options, s) {
				return fmt.Errorf("%s must be one of %s, not %q", v, strings.Join(options, ", "), s)
			}
			*at(c) = s
			return nil
		}}
}
