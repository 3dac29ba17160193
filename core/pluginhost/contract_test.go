package pluginhost

import (
	"context"
	"html"
	"testing"

	"github.com/beevik/etree"
	"github.com/hashicorp/go-hclog"

	"github.com/switchboard-xmpp/switchboard/sdk"
	"github.com/switchboard-xmpp/switchboard/sdk/proto/contract"
	"github.com/switchboard-xmpp/switchboard/sdk/proto/pluginv1"
	"github.com/switchboard-xmpp/switchboard/sdk/sdktest"
	"github.com/switchboard-xmpp/switchboard/sdk/stanza"
)

const nsSend = "urn:test:send"

// sender is a plugin that sends through the Host the stanza it is asked
// to (the XML in the text of the request's child), and answers IQs to an
// account or to its service as the sdk does, on their behalf.
type sender struct {
	host    sdk.Host
	caps    []string
	service bool
}

func (p *sender) Describe() sdk.Description {
	d := sdk.Description{
		Name: "sender", Version: "0", Capabilities: p.caps,
		Routes: []sdk.Route{
			{Kind: sdk.IQ, Namespace: nsSend, Types: []string{"set"}, To: sdk.ToServer, Handle: p.send},
			{Kind: sdk.IQ, Namespace: nsSend, Types: []string{"get"}, To: sdk.ToBare, Handle: p.answer},
		},
	}
	if p.service {
		d.Service = &sdk.Service{Subdomain: "svc", Name: "Service"}
		d.Routes = append(d.Routes, sdk.Route{Kind: sdk.IQ, Namespace: nsSend, Types: []string{"get"}, To: sdk.ToService, Handle: p.answer})
	}
	return d
}

func (p *sender) Configure(_ context.Context, c sdk.Config) error {
	p.host = c.Host
	return nil
}

func (p *sender) send(ctx context.Context, req *sdk.Request) (*etree.Element, error) {
	doc := etree.NewDocument()
	if err := doc.ReadFromString(req.Stanza.SelectElement("send").Text()); err != nil {
		return nil, stanza.Errorf(stanza.BadRequest, err.Error())
	}
	if err := p.host.Send(ctx, doc.Root()); err != nil {
		return nil, stanza.Errorf(stanza.NotAllowed, err.Error())
	}
	return nil, nil
}

func (p *sender) answer(context.Context, *sdk.Request) (*etree.Element, error) { return nil, nil }

// TestSDKTestRefusesWhatTheCoreRefuses runs every stanza of a table, as
// plugins of every standing emit it, through the core's check and through
// sdktest's fake host: each accepts exactly what the other does.
func TestSDKTestRefusesWhatTheCoreRefuses(t *testing.T) {
	plugins := []struct {
		name    string
		path    string   // "" for a built-in
		grants  []string // nil for a built-in
		service bool
	}{
		{name: "built-in"},
		{name: "third party", path: "/opt/sender", grants: []string{}},
		{name: "third party sending as users", path: "/opt/sender", grants: []string{contract.CapSendAsUsers}},
		{name: "service", path: "/opt/sender", grants: []string{contract.CapService}, service: true},
	}
	stanzas := []struct {
		xml        string
		refusedAll bool // by every plugin, whatever it may do
	}{
		{xml: "<message to='bob@localhost' from='localhost'/>"},
		{xml: "<message to='bob@localhost'/>"},
		{xml: "<message to='bob@localhost' from='localhost/admin'/>"},
		{xml: "<message to='bob@localhost' from='alice@localhost/phone'/>"},
		{xml: "<presence to='bob@localhost' from='alice@localhost' type='subscribed'/>"},
		{xml: "<iq type='result' id='q1' to='bob@localhost/b' from='alice@localhost'/>"},
		{xml: "<message to='bob@localhost' from='evil.example'/>", refusedAll: true},
		{xml: "<message to='bob@localhost' from='room@svc.localhost/nick'/>"},
		{xml: "<message to='bob@localhost' from='svc.localhost'/>"},
		// A remote user's stanza relayed to a local user: send_as_users.
		{xml: "<message to='bob@localhost' from='room@other.localhost'/>"},
		{xml: "<message to='localhost' from='room@other.localhost'/>", refusedAll: true},
		{xml: "<message to='carol@elsewhere.example' from='room@other.localhost'/>", refusedAll: true},
		{xml: "<message to='bob@localhost' from='a@b@localhost'/>", refusedAll: true},
	}
	for _, pl := range plugins {
		t.Run(pl.name, func(t *testing.T) {
			p := &sender{caps: pl.grants, service: pl.service}
			h := sdktest.New(t, p, sdktest.Options{Grants: pl.grants, Logger: hclog.NewNullLogger()})
			in := &instance{h: &Host{cfg: Config{Domain: "localhost"}}, spec: Spec{Name: "sender", Path: pl.path, Grants: pl.grants}, log: hclog.NewNullLogger()}
			in.manifest = &pluginv1.Manifest{Name: "sender", Capabilities: pl.grants}
			if pl.service {
				in.manifest.Service = &pluginv1.Service{Subdomain: "svc", Domain: "svc.localhost"}
			}
			for _, st := range stanzas {
				_, err := in.emitted([]byte(st.xml))
				coreRefused := err != nil
				r := h.Handle("<iq type='set' id='s1' to='localhost'><send xmlns='"+nsSend+"'>"+html.EscapeString(st.xml)+"</send></iq>", "admin@localhost/console")
				sdkRefused := r.Err != nil
				if coreRefused != sdkRefused {
					t.Errorf("%s: the core refuses it: %v (%v); sdktest: %v (%v)", st.xml, coreRefused, err, sdkRefused, r.Err)
				}
				if st.refusedAll && !coreRefused {
					t.Errorf("%s: accepted", st.xml)
				}
			}
			// A handler's answer on behalf of what the request was
			// addressed to.
			to := []string{"alice@localhost"}
			if pl.service {
				to = append(to, "room@svc.localhost")
			}
			for _, addr := range to {
				r := h.Handle("<iq type='get' id='g1' to='"+addr+"'><q xmlns='"+nsSend+"'/></iq>", "bob@localhost/b")
				if r.Err != nil || len(r.Replies) != 1 {
					t.Fatalf("IQ to %s: %+v", addr, r)
				}
				doc := etree.NewDocument()
				doc.SetRoot(r.Replies[0])
				b, err := doc.WriteToBytes()
				if err != nil {
					t.Fatal(err)
				}
				if _, serr := in.checkReplies([][]byte{b}, &contract.Answered{To: addr, ID: "g1"}); serr != nil {
					t.Errorf("sdktest accepts the reply %s, the core refuses it: %v", b, serr)
				}
			}
		})
	}
}
