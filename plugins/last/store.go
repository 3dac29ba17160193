package last

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/switchboard-xmpp/switchboard/sdk"
)

// The key scheme, per account (owner = the account's bare JID):
//
//	logout  the time its last session ended, Unix seconds in decimal
const keyLogout = "logout"

func saveLogout(ctx context.Context, st sdk.Store, at time.Time) error {
	return st.Put(ctx, keyLogout, []byte(strconv.FormatInt(at.Unix(), 10)))
}

// loadLogout returns the last logout, and false when none is recorded.
func loadLogout(ctx context.Context, st sdk.Store) (time.Time, bool, error) {
	b, err := st.Get(ctx, keyLogout)
	if errors.Is(err, sdk.ErrNotFound) {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, fmt.Errorf("reading the last logout: %w", err)
	}
	sec, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("decoding the last logout %q: %w", b, err)
	}
	return time.Unix(sec, 0), true, nil
}
