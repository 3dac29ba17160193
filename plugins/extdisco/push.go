package extdisco

import (
	"context"
	"slices"
	"strconv"
	"time"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/sdk"
)

// pushBatch is how many pushes go to the core in one call.
const pushBatch = 128

// change is a service added, modified or deleted by a reload, with the
// action a push names it by (XEP-0215 §3.2; "delete" as the schema and
// the example spell it, where the attribute table says "remove").
type change struct {
	action string
	svc    Service
}

// changes lists what a client that asked under old must learn under cur:
// new services, services whose name or restriction changed or whose
// credentials the new secret invalidates, and services gone. A new
// lifetime or username label changes nothing for credentials already
// given: they stay valid until they expire.
func changes(old, cur Config) []change {
	var out []change
	for _, s := range cur.Services {
		i := slices.IndexFunc(old.Services, func(o Service) bool { return o.key() == s.key() })
		switch {
		case i < 0:
			out = append(out, change{"add", s})
		case old.Services[i].Name != s.Name || old.Services[i].restricted() != s.restricted(),
			s.restricted() && old.Secret != cur.Secret:
			out = append(out, change{"modify", s})
		}
	}
	for _, o := range old.Services {
		if !slices.ContainsFunc(cur.Services, func(s Service) bool { return s.key() == o.key() }) {
			out = append(out, change{"delete", o})
		}
	}
	return out
}

// push tells each session that asked what changed among the services of
// the type it asked for. A push that fails is logged, not returned: the
// new configuration applies all the same, and the client gets fresh
// credentials when it asks next.
func (e *ExtDisco) push(ctx context.Context, targets map[string]interest, chs []change) {
	host, log, domain, cfg := e.state()
	if len(chs) == 0 || host == nil {
		return
	}
	now := time.Now()
	var batch []*etree.Element
	flush := func() {
		if len(batch) == 0 {
			return
		}
		if err := host.SendBatch(ctx, batch); err != nil {
			log.Warn("pushing the changed external services failed; clients learn of them when they ask again", "sessions", len(batch), "error", err)
		}
		batch = batch[:0]
	}
	for full, in := range targets {
		bare, ok := localUser(full, domain)
		if !ok {
			continue
		}
		label := cfg.UsernameLabel
		if label == "" {
			label = bare
		}
		q := sdk.NewElement(NS, "services")
		if in.typ != "" {
			q.CreateAttr("type", in.typ)
		}
		for _, ch := range chs {
			if in.typ != "" && ch.svc.Type != in.typ {
				continue
			}
			var el *etree.Element
			if ch.action == "delete" {
				el = etree.NewElement("service")
				el.CreateAttr("host", ch.svc.Host)
				el.CreateAttr("port", strconv.Itoa(ch.svc.Port))
				el.CreateAttr("transport", ch.svc.Transport)
				el.CreateAttr("type", ch.svc.Type)
			} else {
				el = serviceElement(cfg, ch.svc, label, now)
			}
			el.CreateAttr("action", ch.action)
			q.AddChild(el)
		}
		if len(q.ChildElements()) == 0 {
			continue
		}
		iq := sdk.NewIQ("set", domain, full, e.pushID())
		iq.AddChild(q)
		if batch = append(batch, iq); len(batch) == pushBatch {
			flush()
		}
	}
	flush()
}
