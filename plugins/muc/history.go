package muc

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"time"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/sdk"
)

// remember adds a message to the history a joining session gets.
func (r *room) remember(msg *etree.Element, at time.Time, size int) {
	r.history = append(r.history, historyEntry{msg: msg, at: at})
	if over := len(r.history) - size; over > 0 {
		r.history = append(r.history[:0:0], r.history[over:]...)
	}
}

// historyFor is the history for a session joining with the <x/> join
// request: the room's history length, narrowed by <history/> (§7.2.14):
// maxstanzas, maxchars (of the messages as sent), seconds and since.
func (r *room) historyFor(x *etree.Element, to string) []*etree.Element {
	entries := r.history
	if n := r.Config.HistoryLength; len(entries) > n {
		entries = entries[len(entries)-n:]
	}
	maxChars := -1
	if h := historyRequest(x); h != nil {
		if v, err := strconv.Atoi(h.SelectAttrValue("maxstanzas", "")); err == nil && v >= 0 && v < len(entries) {
			entries = entries[len(entries)-v:]
		}
		if v, err := strconv.Atoi(h.SelectAttrValue("seconds", "")); err == nil && v >= 0 {
			entries = since(entries, time.Now().Add(-time.Duration(v)*time.Second))
		}
		if t, err := time.Parse(time.RFC3339, h.SelectAttrValue("since", "")); err == nil {
			entries = since(entries, t)
		}
		if v, err := strconv.Atoi(h.SelectAttrValue("maxchars", "")); err == nil && v >= 0 {
			maxChars = v
		}
	}
	var out []*etree.Element
	chars := 0
	for i := len(entries) - 1; i >= 0; i-- {
		msg := entries[i].msg.Copy()
		msg.CreateAttr("to", to)
		delay := msg.CreateElement("delay")
		delay.CreateAttr("xmlns", nsDelay)
		delay.CreateAttr("from", r.jid)
		delay.CreateAttr("stamp", entries[i].at.UTC().Format("2006-01-02T15:04:05.000Z"))
		if maxChars >= 0 {
			chars += len(sdk.MarshalElement(msg))
			if chars > maxChars {
				break
			}
		}
		out = append(out, msg)
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}

func historyRequest(x *etree.Element) *etree.Element {
	if x == nil {
		return nil
	}
	return x.SelectElement("history")
}

// since keeps the entries at or after t.
func since(entries []historyEntry, t time.Time) []historyEntry {
	for i, e := range entries {
		if !e.at.Before(t) {
			return entries[i:]
		}
	}
	return nil
}

// occupantID is the sender's XEP-0421 id in this room: the same for every
// session of an account and across nick changes and restarts, different
// in every room, and not revealing the account.
func (r *room) occupantID(bare string) string {
	mac := hmac.New(sha256.New, r.secret)
	mac.Write([]byte(r.jid + "\x00" + bare))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil)[:18])
}

func occupantIDElement(id string) *etree.Element {
	el := sdk.NewElement(nsOccupantID, "occupant-id")
	el.CreateAttr("id", id)
	return el
}
