package last

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/plugins/roster/rosterapi"
	"github.com/switchboard-xmpp/switchboard/sdk"
	"github.com/switchboard-xmpp/switchboard/sdk/stanza"
)

// uptime answers a query to the server with the seconds since the plugin
// was first configured, which is when the server started (XEP-0012 §5).
func (l *Last) uptime(context.Context, *sdk.Request) (*etree.Element, error) {
	_, started := l.state()
	return query(l.now().Sub(started)), nil
}

// account answers a query to an account's bare JID (XEP-0012 §4): 0 while
// it has an available resource, else the time since its last logout. Only
// the account itself and those who receive its presence may know;
// everyone else gets forbidden, whether the account exists or not.
func (l *Last) account(ctx context.Context, req *sdk.Request) (*etree.Element, error) {
	host, _ := l.state()
	owner := req.To
	requester, _, _ := strings.Cut(req.From, "/")
	if requester != owner {
		ok, err := rosterapi.ReceivesPresenceOf(ctx, host, owner, requester)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, stanza.New(stanza.Forbidden)
		}
	}
	sessions, err := host.Sessions(ctx, owner)
	if err != nil {
		return nil, fmt.Errorf("listing the resources of %s: %w", owner, err)
	}
	for _, s := range sessions {
		if s.Available {
			return query(0), nil
		}
	}
	at, ok, err := loadLogout(ctx, host.Store(owner))
	if err != nil {
		return nil, err
	}
	if !ok {
		// Never logged out since the plugin started recording (as
		// ejabberd answers).
		return nil, stanza.New(stanza.ServiceUnavailable)
	}
	return query(l.now().Sub(at)), nil
}

func query(d time.Duration) *etree.Element {
	q := sdk.NewElement(NS, "query")
	q.CreateAttr("seconds", strconv.FormatInt(int64(max(d, 0)/time.Second), 10))
	return q
}

// loggedOut records when a session ended: the last one to end is the
// account's last logout.
func (l *Last) loggedOut(ctx context.Context, ev sdk.Event) error {
	host, _ := l.state()
	owner, _, _ := strings.Cut(ev.JID, "/")
	if err := saveLogout(ctx, host.Store(owner), l.now()); err != nil {
		return fmt.Errorf("recording the logout of %s: %w", ev.JID, err)
	}
	return nil
}

// forget removes a deleted account's record.
func (l *Last) forget(ctx context.Context, ev sdk.Event) error {
	host, _ := l.state()
	if err := host.Store(ev.JID).Delete(ctx, keyLogout); err != nil {
		return fmt.Errorf("forgetting the last logout of %s: %w", ev.JID, err)
	}
	return nil
}
