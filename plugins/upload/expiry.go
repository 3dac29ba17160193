package upload

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/switchboard-xmpp/switchboard/sdk"
)

// sweepBatch is how many expired files one store batch removes.
const sweepBatch = 100

// sweepEvery removes expired slots and files every sweep_interval until
// ctx ends.
func (u *Upload) sweepEvery(ctx context.Context) {
	for {
		st, err := u.state()
		if err != nil {
			return
		}
		t := time.NewTimer(st.cfg.SweepInterval)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		if st, err = u.state(); err != nil {
			return
		}
		if err := u.sweep(ctx, st); err != nil && ctx.Err() == nil {
			st.host.Logger().Warn("removing expired uploads", "error", err)
		}
	}
}

// sweep removes the slots that expired unused and, when files expire,
// the files uploaded more than expire_after ago.
func (u *Upload) sweep(ctx context.Context, st state) error {
	now := u.now()
	slots, err := st.host.Store("").Scan(ctx, prefixSlot, "", 0, false)
	if err != nil {
		return fmt.Errorf("reading slots: %w", err)
	}
	var ops []sdk.StoreOp
	for _, kv := range slots {
		var s slotRecord
		if err := json.Unmarshal(kv.Value, &s); err != nil {
			return fmt.Errorf("decoding %s: %w", kv.Key, err)
		}
		if s.Expires.After(now) {
			continue
		}
		ops = append(ops, deleteKey("", kv.Key), deleteKey(s.Owner, kv.Key))
	}
	if len(ops) > 0 {
		if err := st.host.StoreBatch(ctx, ops); err != nil {
			return fmt.Errorf("removing expired slots: %w", err)
		}
	}
	if st.cfg.ExpireAfter <= 0 {
		return nil
	}
	cutoff := now.Add(-st.cfg.ExpireAfter)
	for {
		kvs, err := st.host.Store("").Scan(ctx, prefixUploaded, "", sweepBatch, false)
		if err != nil {
			return fmt.Errorf("reading the expiry index: %w", err)
		}
		var gone []file
		for _, kv := range kvs {
			created, id, ok := idOfUploadedKey(kv.Key)
			if ok && created.After(cutoff) {
				break
			}
			gone = append(gone, file{id: id, owner: string(kv.Value), indexKey: kv.Key})
		}
		if len(gone) == 0 {
			return nil
		}
		if err := u.remove(ctx, st, gone); err != nil {
			return err
		}
		st.host.Logger().Debug("expired uploads removed", "files", len(gone))
		if len(gone) < len(kvs) || len(kvs) < sweepBatch {
			return nil
		}
	}
}

// file names an uploaded file for removal.
type file struct{ id, owner, indexKey string }

// remove deletes files: their contents first, so that no record is left
// pointing at nothing, then every key of theirs in one batch.
func (u *Upload) remove(ctx context.Context, st state, files []file) error {
	var ops []sdk.StoreOp
	for _, f := range files {
		if f.id != "" {
			if err := st.files.Remove(ctx, f.id); err != nil {
				return fmt.Errorf("removing file %s: %w", f.id, err)
			}
			ops = append(ops, deleteKey("", prefixFile+f.id))
			if f.owner != "" {
				ops = append(ops, deleteKey(f.owner, prefixFile+f.id))
			}
		}
		ops = append(ops, deleteKey("", f.indexKey))
	}
	if err := st.host.StoreBatch(ctx, ops); err != nil {
		return fmt.Errorf("removing the records of %d files: %w", len(files), err)
	}
	return nil
}

// accountDeleted removes the account's files and slots.
func (u *Upload) accountDeleted(ctx context.Context, ev sdk.Event) error {
	st, err := u.state()
	if err != nil {
		return err
	}
	owner := ev.JID
	kvs, err := st.host.Store(owner).Scan(ctx, "", "", 0, false)
	if err != nil {
		return fmt.Errorf("reading the uploads of %s: %w", owner, err)
	}
	var files []file
	var ops []sdk.StoreOp
	for _, kv := range kvs {
		ops = append(ops, deleteKey(owner, kv.Key))
		if id, ok := strings.CutPrefix(kv.Key, prefixSlot); ok {
			ops = append(ops, deleteKey("", prefixSlot+id))
			continue
		}
		id, ok := strings.CutPrefix(kv.Key, prefixFile)
		if !ok {
			continue
		}
		var use usage
		if err := json.Unmarshal(kv.Value, &use); err != nil {
			return fmt.Errorf("decoding %s of %s: %w", kv.Key, owner, err)
		}
		files = append(files, file{id: id, owner: owner, indexKey: uploadedKey(use.At, id)})
	}
	for start := 0; start < len(files); start += sweepBatch {
		if err := u.remove(ctx, st, files[start:min(start+sweepBatch, len(files))]); err != nil {
			return err
		}
	}
	if len(ops) == 0 {
		return nil
	}
	if err := st.host.StoreBatch(ctx, ops); err != nil {
		return fmt.Errorf("removing the upload records of %s: %w", owner, err)
	}
	return nil
}
