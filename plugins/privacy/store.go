package privacy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/switchboard-xmpp/switchboard/sdk"
)

// The key scheme. Per account (owner = the account's bare JID):
//
//	list/<name>     a privacy list: JSON {"items":[{type,value,deny,order,kinds}]}
//	default         the name of the default list; absent when there is none
//	session/<id>    what one session chose: JSON {"active","blocklist"};
//	                deleted when the session closes, ignored once it is gone
//
// Server-wide (owner ""):
//
//	owner/<bare>    empty; the account has a default list, whose rules
//	                must be installed when the plugin starts
const (
	prefixList    = "list/"
	keyDefault    = "default"
	prefixSession = "session/"
	prefixOwner   = "owner/"
)

// sessionState is what one session chose.
type sessionState struct {
	Active    string `json:"active,omitempty"`    // its active list (XEP-0016 §2.4)
	Blocklist bool   `json:"blocklist,omitempty"` // it asked for the block list: it gets block pushes
}

func loadList(ctx context.Context, st sdk.Store, name string) (List, bool, error) {
	l := List{Name: name}
	b, err := st.Get(ctx, prefixList+name)
	if errors.Is(err, sdk.ErrNotFound) {
		return l, false, nil
	}
	if err != nil {
		return l, false, fmt.Errorf("reading privacy list %q: %w", name, err)
	}
	if err := json.Unmarshal(b, &l); err != nil {
		return l, false, fmt.Errorf("decoding privacy list %q: %w", name, err)
	}
	return l, true, nil
}

func saveList(ctx context.Context, st sdk.Store, l List) error {
	b, err := json.Marshal(l)
	if err != nil {
		return fmt.Errorf("encoding privacy list %q: %w", l.Name, err)
	}
	if err := st.Put(ctx, prefixList+l.Name, b); err != nil {
		return fmt.Errorf("saving privacy list %q: %w", l.Name, err)
	}
	return nil
}

func deleteList(ctx context.Context, st sdk.Store, name string) error {
	if err := st.Delete(ctx, prefixList+name); err != nil {
		return fmt.Errorf("deleting privacy list %q: %w", name, err)
	}
	return nil
}

// listNames returns the names of the owner's lists, sorted.
func listNames(ctx context.Context, st sdk.Store) ([]string, error) {
	kvs, err := st.Scan(ctx, prefixList, "", 0, false)
	if err != nil {
		return nil, fmt.Errorf("listing privacy lists: %w", err)
	}
	names := make([]string, len(kvs))
	for i, kv := range kvs {
		names[i] = strings.TrimPrefix(kv.Key, prefixList)
	}
	return names, nil
}

func loadDefault(ctx context.Context, st sdk.Store) (string, error) {
	b, err := st.Get(ctx, keyDefault)
	if errors.Is(err, sdk.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("reading the default privacy list: %w", err)
	}
	return string(b), nil
}

// saveDefault sets (or, for "", clears) the owner's default list and keeps
// the server-wide index of owners with one.
func saveDefault(ctx context.Context, host sdk.Host, owner, name string) error {
	st, index := host.Store(owner), host.Store("")
	var err error
	if name == "" {
		err = errors.Join(st.Delete(ctx, keyDefault), index.Delete(ctx, prefixOwner+owner))
	} else {
		err = errors.Join(st.Put(ctx, keyDefault, []byte(name)), index.Put(ctx, prefixOwner+owner, nil))
	}
	if err != nil {
		return fmt.Errorf("saving the default privacy list of %s: %w", owner, err)
	}
	return nil
}

// loadSessions returns the stored choices of the owner's sessions.
func loadSessions(ctx context.Context, st sdk.Store) (map[string]sessionState, error) {
	kvs, err := st.Scan(ctx, prefixSession, "", 0, false)
	if err != nil {
		return nil, fmt.Errorf("reading session choices: %w", err)
	}
	out := make(map[string]sessionState, len(kvs))
	for _, kv := range kvs {
		var s sessionState
		if err := json.Unmarshal(kv.Value, &s); err != nil {
			return nil, fmt.Errorf("decoding %s: %w", kv.Key, err)
		}
		out[strings.TrimPrefix(kv.Key, prefixSession)] = s
	}
	return out, nil
}

// saveSession stores a session's choices, deleting the record when there
// is nothing left to remember.
func saveSession(ctx context.Context, st sdk.Store, id string, s sessionState) error {
	if s == (sessionState{}) {
		return deleteSession(ctx, st, id)
	}
	b, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("encoding session choices: %w", err)
	}
	if err := st.Put(ctx, prefixSession+id, b); err != nil {
		return fmt.Errorf("saving session choices: %w", err)
	}
	return nil
}

func deleteSession(ctx context.Context, st sdk.Store, id string) error {
	if err := st.Delete(ctx, prefixSession+id); err != nil {
		return fmt.Errorf("deleting session choices: %w", err)
	}
	return nil
}

// deleteAll removes every key of the owner, and its index entry.
func deleteAll(ctx context.Context, host sdk.Host, owner string) error {
	st := host.Store(owner)
	kvs, err := st.Scan(ctx, "", "", 0, false)
	if err != nil {
		return fmt.Errorf("listing the privacy data of %s: %w", owner, err)
	}
	errs := []error{host.Store("").Delete(ctx, prefixOwner+owner)}
	for _, kv := range kvs {
		errs = append(errs, st.Delete(ctx, kv.Key))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("deleting the privacy data of %s: %w", owner, err)
	}
	return nil
}
