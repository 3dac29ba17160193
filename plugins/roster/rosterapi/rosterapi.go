// Package rosterapi is what the roster plugin offers other plugins: the
// names of its methods and of its topic, the types they carry (as JSON),
// and typed calls. A plugin that reads or manages rosters imports this
// small package, never the roster plugin itself, and declares the
// methods it calls in its Description (Requires or Uses: "roster.items").
package rosterapi

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/switchboard-xmpp/switchboard/sdk"
)

// The plugin, its methods and its topic.
const (
	Plugin             = "roster"
	MethodItems        = "items"        // payload: the owner's bare JID; answer: Items
	MethodSubscription = "subscription" // payload: SubscriptionRequest; answer: SubscriptionResult
	MethodPending      = "pending"      // payload: the owner's bare JID; answer: PendingResult
	MethodManaged      = "managed"      // payload: ManagedRequest; answer: "{}"
	TopicChanged       = "changed"      // published on every change of a roster: a Change
)

// Item is a roster item as the items method and the changed topic carry
// it.
type Item struct {
	JID          string   `json:"jid"`
	Name         string   `json:"name"`
	Subscription string   `json:"subscription"` // none, to, from or both
	Ask          string   `json:"ask"`          // "subscribe" or ""
	Approved     bool     `json:"approved"`
	Groups       []string `json:"groups"`
	// Managed: a plugin put the item in the roster (see ManagedRequest);
	// the owner cannot remove it.
	Managed bool `json:"managed,omitempty"`
}

// ReceivesPresence reports whether the contact receives the owner's
// presence: a subscription from or both (RFC 6121 §3).
func (it Item) ReceivesPresence() bool { return it.Subscription == "from" || it.Subscription == "both" }

// SendsPresence reports whether the owner receives the contact's presence:
// a subscription to or both.
func (it Item) SendsPresence() bool { return it.Subscription == "to" || it.Subscription == "both" }

// Removed is what the changed topic carries when an item leaves a roster.
type Removed struct {
	JID     string `json:"jid"`
	Removed bool   `json:"removed"`
}

// Change is either payload of the changed topic, read as one: an item
// after a change, or, with Removed set, only the JID of an item removed.
type Change struct {
	Item
	Removed bool `json:"removed"`
	// Ver is the roster's version after the change (RFC 6121 §2.6).
	Ver string `json:"ver,omitempty"`
}

// Items is the items method's answer. Requests are the subscription
// requests the owner has not answered (what the pending method returns),
// read with the items: presence needs both at an account's first initial
// presence, and one call is cheaper than two on every login.
type Items struct {
	Ver      string   `json:"ver"`
	Items    []Item   `json:"items"`
	Requests []string `json:"requests"`
}

// SubscriptionRequest is the payload of the subscription method: From, a
// local account, sent Stanza, a presence of type subscribe, subscribed,
// unsubscribe or unsubscribed, to the bare JID To.
type SubscriptionRequest struct {
	From   string `json:"from"`
	To     string `json:"to"`
	Stanza string `json:"stanza"`
}

// SubscriptionResult is what the subscription method returns: the
// stanzas to deliver, in order, each addressed to a bare JID.
type SubscriptionResult struct {
	Deliver []string `json:"deliver"`
}

// PendingResult is what the pending method returns: the subscription
// requests awaiting the owner's answer, each a presence stanza from the
// requester's bare JID to the owner's, as the requester sent it.
type PendingResult struct {
	Requests []string `json:"requests"`
}

// ManagedRequest is the payload of the managed method: every item that
// the calling plugin manages in Owner's roster. Those it managed before
// and does not list leave the roster, unless the owner has them too.
type ManagedRequest struct {
	Owner string        `json:"owner"`
	Items []ManagedItem `json:"items"`
}

// ManagedItem is one item of a ManagedRequest.
type ManagedItem struct {
	JID    string   `json:"jid"`
	Name   string   `json:"name,omitempty"`
	Groups []string `json:"groups"`
}

// ReadItems calls the items method for owner's roster.
func ReadItems(ctx context.Context, host sdk.Host, owner string) (Items, error) {
	var out Items
	return out, call(ctx, host, MethodItems, []byte(owner), &out, "reading the roster of "+owner)
}

// ReceivesPresenceOf reports whether peer receives owner's presence, what
// XEP-0030 §8, XEP-0012 §4 and others ask before disclosing an account.
func ReceivesPresenceOf(ctx context.Context, host sdk.Host, owner, peer string) (bool, error) {
	items, err := ReadItems(ctx, host, owner)
	if err != nil {
		return false, err
	}
	for _, it := range items.Items {
		if it.JID == peer {
			return it.ReceivesPresence(), nil
		}
	}
	return false, nil
}

// Subscribe calls the subscription method.
func Subscribe(ctx context.Context, host sdk.Host, req SubscriptionRequest) (SubscriptionResult, error) {
	var out SubscriptionResult
	payload, err := json.Marshal(req)
	if err != nil {
		return out, err
	}
	return out, call(ctx, host, MethodSubscription, payload, &out, "applying a subscription of "+req.From)
}

// Pending calls the pending method for owner.
func Pending(ctx context.Context, host sdk.Host, owner string) (PendingResult, error) {
	var out PendingResult
	return out, call(ctx, host, MethodPending, []byte(owner), &out, "reading the subscription requests of "+owner)
}

// SetManaged calls the managed method.
func SetManaged(ctx context.Context, host sdk.Host, req ManagedRequest) error {
	payload, err := json.Marshal(req)
	if err != nil {
		return err
	}
	_, err = host.Call(ctx, Plugin, MethodManaged, payload)
	if err != nil {
		return fmt.Errorf("setting the managed items of %s: %w", req.Owner, err)
	}
	return nil
}

// MarshalJSON writes a change as the changed topic carries it: the item
// and the version, or only the JID, removed and the version.
func (c Change) MarshalJSON() ([]byte, error) {
	if c.Removed {
		return json.Marshal(struct {
			Removed
			Ver string `json:"ver"`
		}{Removed{JID: c.JID, Removed: true}, c.Ver})
	}
	return json.Marshal(struct {
		Item
		Ver string `json:"ver"`
	}{c.Item, c.Ver})
}

// DecodeChange reads the payload of a changed event.
func DecodeChange(payload []byte) (Change, error) {
	var c Change
	if err := json.Unmarshal(payload, &c); err != nil {
		return c, fmt.Errorf("decoding a roster change: %w", err)
	}
	return c, nil
}

func call(ctx context.Context, host sdk.Host, method string, payload []byte, out any, doing string) error {
	b, err := host.Call(ctx, Plugin, method, payload)
	if err != nil {
		return fmt.Errorf("%s: %w", doing, err)
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("%s: decoding the answer: %w", doing, err)
	}
	return nil
}
