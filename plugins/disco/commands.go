package disco

import (
	"context"
	"slices"
	"strings"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/plugins/adhoc/adhocapi"
	"github.com/switchboard-xmpp/switchboard/sdk"
)

// NSCommands is the namespace of ad-hoc commands (XEP-0050), and the node
// of the server that lists them.
const NSCommands = "http://jabber.org/protocol/commands"

// commandsTopic is the topic adhoc publishes its commands on.
const commandsTopic = adhocapi.Plugin + "." + adhocapi.TopicCommands

// commandsPublished keeps the latest list of commands. disco owns the
// disco routes, so it answers for adhoc's nodes from what adhoc last
// published; it forgets the list when adhoc is no longer loaded (see
// current).
func (d *Disco) commandsPublished(_ context.Context, ev sdk.Event) error {
	l, err := adhocapi.DecodeListing(ev.Payload)
	if err != nil {
		return err
	}
	d.mu.Lock()
	d.commands = &l
	d.mu.Unlock()
	return nil
}

// forgetCommandsUnlessLoaded drops the list when no loaded plugin is
// adhoc: its commands went with it.
func (d *Disco) forgetCommandsUnlessLoaded(ms []sdk.Manifest) {
	if slices.ContainsFunc(ms, func(m sdk.Manifest) bool { return m.Name == adhocapi.Plugin }) {
		return
	}
	d.mu.Lock()
	d.commands = nil
	d.mu.Unlock()
}

// visibleCommands are the commands the requester may run; ok is false
// when no list is known (adhoc is not loaded).
func (d *Disco) visibleCommands(req *sdk.Request) (cmds []adhocapi.ListedCommand, ok bool) {
	requester, _, _ := strings.Cut(req.From, "/")
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.commands == nil {
		return nil, false
	}
	for _, c := range d.commands.Commands {
		if c.Everyone || slices.Contains(c.JIDs, requester) {
			cmds = append(cmds, c)
		}
	}
	return cmds, true
}

// commandItems answers disco#items for the commands node (XEP-0050 §2.2):
// the commands the requester may run, and none for anyone else. The node
// of a command it may run has no items.
func (d *Disco) commandItems(req *sdk.Request, node string) (*etree.Element, bool) {
	cmds, ok := d.visibleCommands(req)
	if !ok || (node != NSCommands && !slices.ContainsFunc(cmds, func(c adhocapi.ListedCommand) bool { return c.Node == node })) {
		return nil, false
	}
	q := sdk.NewElement(NSItems, "query")
	q.CreateAttr("node", node)
	if node != NSCommands {
		return q, true
	}
	host, _ := d.state()
	for _, c := range cmds {
		it := q.CreateElement("item")
		it.CreateAttr("jid", host.Domain())
		it.CreateAttr("node", c.Node)
		it.CreateAttr("name", c.Name)
	}
	return q, true
}

// commandInfo answers disco#info for the commands node, and for the node
// of a command the requester may run (XEP-0050 §2.3).
func (d *Disco) commandInfo(req *sdk.Request, node string) (*etree.Element, bool) {
	cmds, ok := d.visibleCommands(req)
	if !ok {
		return nil, false
	}
	if node == NSCommands {
		return commandNodeInfo(node, "command-list", "Commands", NSCommands), true
	}
	for _, c := range cmds {
		if c.Node == node {
			return commandNodeInfo(node, "command-node", c.Name, NSCommands, NSData), true
		}
	}
	return nil, false
}

func commandNodeInfo(node, typ, name string, features ...string) *etree.Element {
	q := sdk.NewElement(NSInfo, "query")
	q.CreateAttr("node", node)
	id := q.CreateElement("identity")
	id.CreateAttr("category", "automation")
	id.CreateAttr("type", typ)
	id.CreateAttr("name", name)
	for _, f := range features {
		q.CreateElement("feature").CreateAttr("var", f)
	}
	return q
}
