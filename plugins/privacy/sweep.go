package privacy

import (
	"context"
	"strings"
	"sync"

	"github.com/hashicorp/go-hclog"
)

// sweeper installs the rules of every owner with a default list: the core
// keeps filters in memory only, so after a server restart nothing is
// enforced until they are installed again — not even for offline users,
// whose incoming messages the rules also govern.
type sweeper struct {
	cancel context.CancelFunc
	done   sync.WaitGroup
}

// sweepPage is how many owners are read from the index at a time.
const sweepPage = 200

func startSweep(p *Privacy, log hclog.Logger) *sweeper {
	ctx, cancel := context.WithCancel(context.Background())
	s := &sweeper{cancel: cancel}
	s.done.Add(1)
	go func() {
		defer s.done.Done()
		n, err := p.installAll(ctx)
		if err != nil && ctx.Err() == nil {
			log.Error("installing stored privacy rules", "error", err, "owners_done", n)
			return
		}
		log.Debug("stored privacy rules installed", "owners", n)
	}()
	return s
}

func (s *sweeper) stop() {
	s.cancel()
	s.done.Wait()
}

// installAll walks the index of owners with a default list. An owner that
// fails is logged and skipped; a failing index ends the walk.
func (p *Privacy) installAll(ctx context.Context) (int, error) {
	n, after := 0, ""
	for {
		host, _ := p.state()
		kvs, err := host.Store("").Scan(ctx, prefixOwner, after, sweepPage, false)
		if err != nil {
			return n, err
		}
		for _, kv := range kvs {
			owner := strings.TrimPrefix(kv.Key, prefixOwner)
			if _, known := p.installedFor(owner); known {
				continue // installed since the plugin started
			}
			if err := p.refresh(ctx, owner, false); err != nil {
				if ctx.Err() != nil {
					return n, ctx.Err()
				}
				host.Logger().Warn("installing privacy rules", "jid", owner, "error", err)
				continue
			}
			n++
		}
		if len(kvs) < sweepPage {
			return n, nil
		}
		after = kvs[len(kvs)-1].Key
	}
}

// refresh installs owner's rules under its lock. With announce (a change
// while the plugin runs, not a start-up), presence hidden or revealed by
// the change is handled as apply says.
func (p *Privacy) refresh(ctx context.Context, owner string, announce bool) error {
	o, err := p.begin(ctx, owner, "", announce)
	if err != nil {
		return err
	}
	defer o.unlock()
	return p.apply(ctx, o.host, o.a, o.before, announce)
}
