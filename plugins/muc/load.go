package muc

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/sdk"
	"github.com/switchboard-xmpp/switchboard/sdk/stanzaid"
)

// load rebuilds the rooms kept in the store when the plugin starts.
//
// A restarted plugin process rebuilds its occupants instead of asking them
// to rejoin: every join is stored, so the rooms come back as they were and
// their occupants notice nothing. Sessions that ended while the plugin was
// down (the core's SessionClosed reached no one) are then taken out, and
// the others are told as if those had left. After a restart of the whole
// server no session is left, so only the persistent rooms remain, empty.
func (m *MUC) load(ctx context.Context) error {
	secret, err := m.loadSecret(ctx)
	if err != nil {
		return err
	}
	m.mu.Lock()
	m.secret = secret
	m.mu.Unlock()
	kvs, err := m.store().Scan(ctx, preRoom, "", 0, false)
	if err != nil {
		return fmt.Errorf("reading rooms: %w", err)
	}
	for _, kv := range kvs {
		r, err := m.loadRoom(ctx, strings.TrimPrefix(kv.Key, preRoom), kv.Value)
		if err != nil {
			return err
		}
		m.mu.Lock()
		m.rooms[r.local] = r
		for full := range r.sessions {
			if m.joined[full] == nil {
				m.joined[full] = map[string]struct{}{}
			}
			m.joined[full][r.local] = struct{}{}
		}
		m.mu.Unlock()
	}
	return m.prune(ctx)
}

func (m *MUC) loadSecret(ctx context.Context) ([]byte, error) {
	b, err := m.store().Get(ctx, keySecret)
	if err == nil {
		return b, nil
	}
	if !errors.Is(err, sdk.ErrNotFound) {
		return nil, fmt.Errorf("reading the occupant id key: %w", err)
	}
	b = make([]byte, 32)
	rand.Read(b)
	if err := m.store().Put(ctx, keySecret, b); err != nil {
		return nil, fmt.Errorf("storing the occupant id key: %w", err)
	}
	return b, nil
}

// loadRoom reads one room with its occupants and history.
func (m *MUC) loadRoom(ctx context.Context, local string, value []byte) (*room, error) {
	_, cfg, domain := m.state()
	r := newRoom(local, local+"@"+domain, m.secret)
	if err := json.Unmarshal(value, &r.roomRecord); err != nil {
		return nil, fmt.Errorf("decoding room %s: %w", r.jid, err)
	}
	if r.Affiliations == nil {
		r.Affiliations = map[string]affiliation{}
	}
	occs, err := m.store().Scan(ctx, occPrefix(local), "", 0, false)
	if err != nil {
		return nil, fmt.Errorf("reading the occupants of %s: %w", r.jid, err)
	}
	for _, kv := range occs {
		full := strings.TrimPrefix(kv.Key, occPrefix(local))
		var rec occupantRecord
		if err := json.Unmarshal(kv.Value, &rec); err != nil {
			return nil, fmt.Errorf("decoding occupant %s of %s: %w", full, r.jid, err)
		}
		p, err := sdk.UnmarshalElement([]byte(rec.Presence))
		if err != nil {
			p = etree.NewElement("presence")
		}
		o := r.occupants[rec.Nick]
		if o == nil {
			o = &occupant{nick: rec.Nick, bare: bareOf(full), role: rec.Role, presence: map[string]*etree.Element{}, tokens: float64(cfg.MessageBurst)}
			r.occupants[rec.Nick] = o
		}
		o.presence[full], o.latest = p, full
		r.sessions[full] = o
	}
	msgs, err := m.store().Scan(ctx, msgPrefix(local), "", 0, false)
	if err != nil {
		return nil, fmt.Errorf("reading the messages of %s: %w", r.jid, err)
	}
	r.archived = len(msgs)
	for _, kv := range msgs[max(0, len(msgs)-cfg.HistorySize):] {
		msg, err := sdk.UnmarshalElement(kv.Value)
		if err != nil {
			continue
		}
		at := time.Now()
		if nanos, ok := stanzaid.Time(strings.TrimPrefix(kv.Key, msgPrefix(local))); ok {
			at = time.Unix(0, nanos)
		}
		r.remember(msg, at, cfg.HistorySize)
	}
	return r, nil
}

// prune takes out the occupants whose sessions ended while the plugin was
// not running, and ends the temporary rooms left empty.
func (m *MUC) prune(ctx context.Context) error {
	host, _, _ := m.state()
	live := map[string]bool{}
	sessions, err := host.AllSessions(ctx)
	if err != nil {
		return fmt.Errorf("listing sessions: %w", err)
	}
	for _, s := range sessions {
		live[s.JID] = true
	}
	m.mu.Lock()
	var gone []string
	for full := range m.joined {
		if !live[full] {
			gone = append(gone, full)
		}
	}
	var rooms []*room
	for _, r := range m.rooms {
		rooms = append(rooms, r)
	}
	m.mu.Unlock()
	for _, full := range gone {
		if err := m.sessionGone(ctx, sdk.Event{Kind: sdk.SessionClosed, JID: full}); err != nil {
			return err
		}
	}
	for _, r := range rooms {
		r.mu.Lock()
		if !r.gone {
			m.dropIfEmpty(ctx, r)
		}
		r.mu.Unlock()
	}
	return nil
}
