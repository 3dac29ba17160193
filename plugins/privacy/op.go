package privacy

import (
	"context"
	"fmt"

	"github.com/switchboard-xmpp/switchboard/sdk"
)

// op is one request or event's work on an account, done under the
// owner's lock.
type op struct {
	p       *Privacy
	host    sdk.Host
	cfg     Config
	a       *account
	session string           // the requesting session, "" for events
	before  []sdk.FilterRule // the rules in force before a change
	unlock  func()
}

// begin locks the owner and loads its state. For a change, it also notes
// the rules in force, so that commit can tell what the change hides.
func (p *Privacy) begin(ctx context.Context, owner, session string, change bool) (*op, error) {
	host, cfg := p.state()
	o := &op{p: p, host: host, cfg: cfg, session: session, unlock: p.lock(owner)}
	var err error
	if o.a, err = loadAccount(ctx, host, owner); err != nil {
		o.unlock()
		return nil, err
	}
	if change {
		if o.before, err = p.enforced(ctx, host, o.a); err != nil {
			o.unlock()
			return nil, err
		}
	}
	return o, nil
}

// commit installs the rules that the changed state calls for, and tells
// the privacy plugins of the other nodes of a cluster, whose cores enforce
// the rules on what their sessions send.
func (o *op) commit(ctx context.Context) error {
	if err := o.p.apply(ctx, o.host, o.a, o.before, true); err != nil {
		return err
	}
	if err := o.host.Publish(ctx, TopicChanged, o.a.owner, nil); err != nil {
		return fmt.Errorf("telling the other nodes of %s's new privacy rules: %w", o.a.owner, err)
	}
	return nil
}

func (o *op) store() sdk.Store { return o.host.Store(o.a.owner) }

// choose changes the requesting session's stored choices.
func (o *op) choose(ctx context.Context, change func(*sessionState)) error {
	if err := o.a.update(ctx, o.host, o.session, change); err != nil {
		return err
	}
	o.p.noteRecords(o.a.owner)
	return nil
}
