package muc

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/sdk"
)

// The key scheme, all under the server-wide owner "":
//
//	secret                    the key occupant ids are made with
//	room/<room>               a room: roomRecord as JSON
//	occ/<room>/<full JID>     a session in the room: occupantRecord as JSON
//	msg/<room>/<stanza-id>    a group chat message as broadcast (no 'to');
//	                          stanza-ids sort by time, so the newest are last
//
// A room's localpart cannot hold '/', so each prefix names one room.
const (
	keySecret = "secret"
	preRoom   = "room/"
	preOcc    = "occ/"
	preMsg    = "msg/"
)

func roomKey(local string) string          { return preRoom + local }
func occPrefix(local string) string        { return preOcc + local + "/" }
func msgPrefix(local string) string        { return preMsg + local + "/" }
func occKey(local, full string) string     { return occPrefix(local) + full }
func msgKey(local, stanzaID string) string { return msgPrefix(local) + stanzaID }

// occupantRecord is one session in a room, for a restarted plugin.
type occupantRecord struct {
	Nick     string `json:"nick"`
	Role     role   `json:"role"`
	Presence string `json:"presence"`
}

func (m *MUC) store() sdk.Store {
	host, _, _ := m.state()
	return host.Store("")
}

func roomOp(r *room) (sdk.StoreOp, error) {
	b, err := json.Marshal(r.roomRecord)
	if err != nil {
		return sdk.StoreOp{}, fmt.Errorf("encoding room %s: %w", r.jid, err)
	}
	return sdk.StoreOp{Key: roomKey(r.local), Value: b}, nil
}

func occupantOp(r *room, o *occupant, full string) (sdk.StoreOp, error) {
	b, err := json.Marshal(occupantRecord{Nick: o.nick, Role: o.role, Presence: string(sdk.MarshalElement(o.presence[full]))})
	if err != nil {
		return sdk.StoreOp{}, fmt.Errorf("encoding occupant %s of %s: %w", full, r.jid, err)
	}
	return sdk.StoreOp{Key: occKey(r.local, full), Value: b}, nil
}

func (m *MUC) apply(ctx context.Context, what string, ops []sdk.StoreOp) error {
	host, _, _ := m.state()
	if err := host.StoreBatch(ctx, ops); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// saveRoom stores the room's configuration, affiliations and subject.
func (m *MUC) saveRoom(ctx context.Context, r *room) error {
	op, err := roomOp(r)
	if err != nil {
		return err
	}
	return m.apply(ctx, "storing room "+r.jid, []sdk.StoreOp{op})
}

// saveJoin stores a session that joined, and the room when it is new.
func (m *MUC) saveJoin(ctx context.Context, r *room, o *occupant, full string, created bool) error {
	op, err := occupantOp(r, o, full)
	if err != nil {
		return err
	}
	ops := []sdk.StoreOp{op}
	if created {
		rop, err := roomOp(r)
		if err != nil {
			return err
		}
		ops = append(ops, rop)
	}
	return m.apply(ctx, "storing a join to "+r.jid, ops)
}

// saveOccupant stores one session's new presence.
func (m *MUC) saveOccupant(ctx context.Context, r *room, o *occupant, full string) error {
	op, err := occupantOp(r, o, full)
	if err != nil {
		return err
	}
	return m.apply(ctx, "storing an occupant of "+r.jid, []sdk.StoreOp{op})
}

// saveSessions stores every session of o: after a nick or role change.
func (m *MUC) saveSessions(ctx context.Context, r *room, o *occupant) error {
	var ops []sdk.StoreOp
	for full := range o.presence {
		op, err := occupantOp(r, o, full)
		if err != nil {
			return err
		}
		ops = append(ops, op)
	}
	return m.apply(ctx, "storing an occupant of "+r.jid, ops)
}

func (m *MUC) deleteOccupant(ctx context.Context, r *room, full string) error {
	return m.apply(ctx, "forgetting an occupant of "+r.jid, []sdk.StoreOp{{Key: occKey(r.local, full), Delete: true}})
}

// archive stores a group chat message and adds it to the history; past
// archive_size the oldest go, in the same transaction.
func (m *MUC) archive(ctx context.Context, r *room, id string, msg *etree.Element, at time.Time) error {
	_, cfg, _ := m.state()
	ops := []sdk.StoreOp{{Key: msgKey(r.local, id), Value: sdk.MarshalElement(msg)}}
	if over := r.archived + 1 - cfg.ArchiveSize; over > 0 {
		old, err := m.store().Scan(ctx, msgPrefix(r.local), "", over, false)
		if err != nil {
			return fmt.Errorf("reading the oldest messages of %s: %w", r.jid, err)
		}
		for _, kv := range old {
			ops = append(ops, sdk.StoreOp{Key: kv.Key, Delete: true})
		}
		r.archived -= len(old)
	}
	if err := m.apply(ctx, "archiving a message of "+r.jid, ops); err != nil {
		return err
	}
	r.archived++
	r.remember(msg, at, cfg.HistorySize)
	return nil
}

// deleteRoomData removes everything stored for a room, in batches.
func (m *MUC) deleteRoomData(ctx context.Context, local string) error {
	for _, prefix := range []string{occPrefix(local), msgPrefix(local)} {
		for {
			kvs, err := m.store().Scan(ctx, prefix, "", 500, false)
			if err != nil {
				return fmt.Errorf("reading room %s to delete it: %w", local, err)
			}
			if len(kvs) == 0 {
				break
			}
			ops := make([]sdk.StoreOp, len(kvs))
			for i, kv := range kvs {
				ops[i] = sdk.StoreOp{Key: kv.Key, Delete: true}
			}
			if err := m.apply(ctx, "deleting room "+local, ops); err != nil {
				return err
			}
		}
	}
	return m.apply(ctx, "deleting room "+local, []sdk.StoreOp{{Key: roomKey(local), Delete: true}})
}

// dropRoom takes a room out of the service, in memory; r is locked.
func (m *MUC) dropRoom(r *room) {
	r.gone = true
	m.mu.Lock()
	if m.rooms[r.local] == r {
		delete(m.rooms, r.local)
	}
	m.mu.Unlock()
}

// dropIfEmpty ends a temporary room when its last occupant leaves (§10.2:
// a room is destroyed when the last occupant exits unless persistent);
// r is locked.
func (m *MUC) dropIfEmpty(ctx context.Context, r *room) {
	if len(r.occupants) > 0 || r.Config.Persistent && !r.Locked {
		return
	}
	m.dropRoom(r)
	if err := m.deleteRoomData(ctx, r.local); err != nil {
		m.logger().Warn("deleting a temporary room", "room", r.jid, "error", err)
	}
}
