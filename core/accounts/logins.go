package accounts

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"time"

	"github.com/switchboard-xmpp/switchboard/core/limiter"
	"github.com/switchboard-xmpp/switchboard/core/storage"
)

// nsLogins is the core's key/value namespace for what the login limiter
// keeps per account. Plugin names cannot contain ':', so no plugin's
// storage reaches it; the rows are owned by the account's bare JID, so
// deleting the account deletes them.
const nsLogins = "core:logins"

const (
	keyUnlocked = "unlocked" // unix microseconds, decimal
	keyNetworks = "networks" // JSON, []storedNetwork
)

type storedNetwork struct {
	Network string `json:"network"`
	Seen    int64  `json:"seen"` // unix microseconds
}

// Unlock clears the failed logins of an account as of now: a running
// server reads it at the account's next login attempt, as one started later
// would. An unknown account yields an error matching storage.ErrNotFound.
func (s *Service) Unlock(ctx context.Context, domain, username string) error {
	owner := storage.Owner(domain, username)
	if _, err := s.store.Account(ctx, domain, username); err != nil {
		return fmt.Errorf("unlocking %s: %w", owner, err)
	}
	now := strconv.FormatInt(time.Now().UnixMicro(), 10)
	if err := s.store.Put(ctx, nsLogins, owner, keyUnlocked, []byte(now)); err != nil {
		return fmt.Errorf("unlocking %s: %w", owner, err)
	}
	return nil
}

// LoginBook is the limiter's Book for the accounts of every hosted domain:
// the limiter names an account by its bare JID.
func (s *Service) LoginBook() limiter.Book {
	return loginBook{store: s.store}
}

type loginBook struct {
	store storage.Store
}

func (b loginBook) get(ctx context.Context, account, key string) ([]byte, error) {
	v, err := b.store.Get(ctx, nsLogins, account, key)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the %s of %s: %w", key, account, err)
	}
	return v, nil
}

func (b loginBook) Unlocked(ctx context.Context, account string) (time.Time, error) {
	v, err := b.get(ctx, account, keyUnlocked)
	if err != nil || v == nil {
		return time.Time{}, err
	}
	us, err := strconv.ParseInt(string(v), 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("reading when %s was unlocked: %w", account, err)
	}
	return time.UnixMicro(us), nil
}

func (b loginBook) Networks(ctx context.Context, account string) ([]limiter.KnownNetwork, error) {
	v, err := b.get(ctx, account, keyNetworks)
	if err != nil || v == nil {
		return nil, err
	}
	var stored []storedNetwork
	if err := json.Unmarshal(v, &stored); err != nil {
		return nil, fmt.Errorf("reading the networks of %s: %w", account, err)
	}
	nets := make([]limiter.KnownNetwork, 0, len(stored))
	for _, n := range stored {
		p, err := netip.ParsePrefix(n.Network)
		if err != nil {
			return nil, fmt.Errorf("reading the networks of %s: %w", account, err)
		}
		nets = append(nets, limiter.KnownNetwork{Network: p, Seen: time.UnixMicro(n.Seen)})
	}
	return nets, nil
}

func (b loginBook) SetNetworks(ctx context.Context, account string, nets []limiter.KnownNetwork) error {
	stored := make([]storedNetwork, len(nets))
	for i, n := range nets {
		stored[i] = storedNetwork{Network: n.Network.String(), Seen: n.Seen.UnixMicro()}
	}
	v, err := json.Marshal(stored)
	if err != nil {
		return err
	}
	owner := account
	if err := b.store.Put(ctx, nsLogins, owner, keyNetworks, v); err != nil {
		return fmt.Errorf("recording the networks of %s: %w", owner, err)
	}
	return nil
}
