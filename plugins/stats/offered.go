package stats

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/switchboard-xmpp/switchboard/sdk"
)

// stat is one statistic the server offers.
type stat struct {
	name, units string
	value       func(ctx context.Context) (string, error)
}

// available lists the statistics that can be computed honestly: the
// uptime when the core said when it started, and the users.
func available(host sdk.Host, started time.Time) []stat {
	var out []stat
	if !started.IsZero() {
		out = append(out, stat{"time/uptime", "seconds", func(context.Context) (string, error) {
			return strconv.FormatFloat(time.Since(started).Seconds(), 'f', 3, 64), nil
		}})
	}
	out = append(out,
		stat{"users/online", "users", func(ctx context.Context) (string, error) {
			return onlineUsers(ctx, host)
		}},
		stat{"users/total", "users", func(ctx context.Context) (string, error) {
			users, err := host.Accounts().List(ctx)
			if err != nil {
				return "", fmt.Errorf("listing the accounts: %w", err)
			}
			return strconv.Itoa(len(users)), nil
		}})
	return out
}

// onlineUsers counts the accounts with at least one session. (ejabberd
// counts sessions; an account online from two devices is one user.)
func onlineUsers(ctx context.Context, host sdk.Host) (string, error) {
	sessions, err := host.AllSessions(ctx)
	if err != nil {
		return "", fmt.Errorf("listing the online sessions: %w", err)
	}
	users := make([]string, 0, len(sessions))
	for _, s := range sessions {
		bare, _, _ := strings.Cut(s.JID, "/")
		users = append(users, bare)
	}
	slices.Sort(users)
	return strconv.Itoa(len(slices.Compact(users))), nil
}

func find(offered []stat, name string) *stat {
	for i := range offered {
		if offered[i].name == name {
			return &offered[i]
		}
	}
	return nil
}
