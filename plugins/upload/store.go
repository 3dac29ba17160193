package upload

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/switchboard-xmpp/switchboard/sdk"
)

// The key scheme. Server-wide (owner ""):
//
//	slot/<id>                     slotRecord: a granted slot waiting for its PUT
//	file/<id>                     fileRecord: an uploaded file
//	uploaded/<unix nanos>/<id>    the expiry index, oldest first
//
// Under the account that asked for the slot, what its quota counts and
// what goes when the account is deleted:
//
//	slot/<id>, file/<id>          usage
const (
	prefixSlot     = "slot/"
	prefixFile     = "file/"
	prefixUploaded = "uploaded/"
)

// slotRecord is a granted slot.
type slotRecord struct {
	Owner   string    `json:"owner"` // bare JID
	Name    string    `json:"name"`
	Size    int64     `json:"size"`
	Type    string    `json:"type,omitempty"` // as the request gave it
	Expires time.Time `json:"expires"`
}

// fileRecord is an uploaded file.
type fileRecord struct {
	Owner   string    `json:"owner"`
	Name    string    `json:"name"`
	Size    int64     `json:"size"`
	Type    string    `json:"type"`
	Created time.Time `json:"created"`
}

// usage is what an account's quota counts of one slot or file.
type usage struct {
	Size int64 `json:"size"`
	// At is when a slot expires, or when a file was uploaded.
	At time.Time `json:"at"`
}

// uploadedKey orders the expiry index by upload time.
func uploadedKey(created time.Time, id string) string {
	return fmt.Sprintf("%s%020d/%s", prefixUploaded, created.UnixNano(), id)
}

func idOfUploadedKey(key string) (created time.Time, id string, ok bool) {
	rest, ok := strings.CutPrefix(key, prefixUploaded)
	if !ok {
		return time.Time{}, "", false
	}
	stamp, id, ok := strings.Cut(rest, "/")
	if !ok {
		return time.Time{}, "", false
	}
	var nanos int64
	if _, err := fmt.Sscanf(stamp, "%d", &nanos); err != nil {
		return time.Time{}, "", false
	}
	return time.Unix(0, nanos), id, true
}

func putJSON(owner, key string, v any) (sdk.StoreOp, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return sdk.StoreOp{}, fmt.Errorf("encoding %s: %w", key, err)
	}
	return sdk.StoreOp{Owner: owner, Key: key, Value: b}, nil
}

func deleteKey(owner, key string) sdk.StoreOp {
	return sdk.StoreOp{Owner: owner, Key: key, Delete: true}
}

// getJSON reads key into v; found is false when it has no value.
func getJSON(ctx context.Context, st sdk.Store, key string, v any) (found bool, err error) {
	b, err := st.Get(ctx, key)
	if errors.Is(err, sdk.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("reading %s: %w", key, err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return false, fmt.Errorf("decoding %s: %w", key, err)
	}
	return true, nil
}

// accountUsage is what an account holds now: the bytes of its files and
// of its slots not yet expired, and the earliest time some of it frees up
// (a slot expiring, or a file when files expire); zero when nothing will.
func accountUsage(ctx context.Context, st sdk.Store, now time.Time, expireAfter time.Duration) (used int64, frees time.Time, err error) {
	earliest := func(t time.Time) {
		if frees.IsZero() || t.Before(frees) {
			frees = t
		}
	}
	for _, prefix := range []string{prefixSlot, prefixFile} {
		kvs, err := st.Scan(ctx, prefix, "", 0, false)
		if err != nil {
			return 0, time.Time{}, fmt.Errorf("reading the account's uploads: %w", err)
		}
		for _, kv := range kvs {
			var u usage
			if err := json.Unmarshal(kv.Value, &u); err != nil {
				return 0, time.Time{}, fmt.Errorf("decoding %s: %w", kv.Key, err)
			}
			switch {
			case prefix == prefixSlot && !u.At.After(now):
				continue // expired: the sweep removes it
			case prefix == prefixSlot:
				earliest(u.At)
			case expireAfter > 0:
				earliest(u.At.Add(expireAfter))
			}
			used += u.Size
		}
	}
	return used, frees, nil
}
