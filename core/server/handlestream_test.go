package server

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/switchboard-xmpp/switchboard/core/config"
	"github.com/switchboard-xmpp/switchboard/sdk/proto/pluginv1"
	"github.com/switchboard-xmpp/switchboard/test/rawxmpp"
)

const nsLegacy = "urn:test:legacy"

// legacy is a plugin as one built before HandleStream existed would be:
// it serves the Plugin service straight from pluginv1, and the stream
// method answers Unimplemented. It echoes IQs in its namespace, and fails
// those that ask it to with a stanza error.
type legacy struct {
	pluginv1.UnimplementedPluginServer
}

func (legacy) Describe(context.Context, *pluginv1.DescribeRequest) (*pluginv1.Manifest, error) {
	return &pluginv1.Manifest{
		Name:            "legacy",
		Version:         "0.1.0",
		ProtocolVersion: pluginv1.ProtocolVersion,
		Routes: []*pluginv1.Route{{
			Kind: pluginv1.Kind_KIND_IQ, Namespace: nsLegacy, Types: []string{"get"},
			Addressing: pluginv1.Addressing_ADDRESSING_SERVER,
		}},
	}, nil
}

func (legacy) Configure(context.Context, *pluginv1.ConfigureRequest) (*pluginv1.ConfigureResponse, error) {
	return &pluginv1.ConfigureResponse{}, nil
}

func (legacy) Handle(_ context.Context, env *pluginv1.Envelope) (*pluginv1.HandleResponse, error) {
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(env.GetStanza()); err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	iq := doc.Root()
	if q := iq.FindElement("q"); q != nil && q.SelectAttrValue("fail", "") != "" {
		st, _ := status.New(codes.FailedPrecondition, "refused").WithDetails(&pluginv1.StanzaError{
			Type: "cancel", Condition: "not-allowed", Text: "legacy refuses"})
		return nil, st.Err()
	}
	out := etree.NewElement("iq")
	out.CreateAttr("type", "result")
	out.CreateAttr("id", iq.SelectAttrValue("id", ""))
	out.CreateAttr("to", env.GetFrom())
	out.CreateAttr("from", "localhost")
	echo := out.CreateElement("echo")
	echo.CreateAttr("xmlns", nsLegacy)
	echo.SetText(env.GetFrom())
	reply := etree.NewDocument()
	reply.SetRoot(out)
	b, err := reply.WriteToBytes()
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	return &pluginv1.HandleResponse{Replies: [][]byte{b}}, nil
}

type legacyPlugin struct{ plugin.NetRPCUnsupportedPlugin }

func (legacyPlugin) GRPCServer(_ *plugin.GRPCBroker, s *grpc.Server) error {
	pluginv1.RegisterPluginServer(s, legacy{})
	return nil
}

func (legacyPlugin) GRPCClient(context.Context, *plugin.GRPCBroker, *grpc.ClientConn) (any, error) {
	return nil, errors.New("not a client")
}

func serveLegacy() {
	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig: plugin.HandshakeConfig{
			ProtocolVersion:  pluginv1.ProtocolVersion,
			MagicCookieKey:   pluginv1.MagicCookieKey,
			MagicCookieValue: pluginv1.MagicCookieValue,
		},
		Plugins:    plugin.PluginSet{pluginv1.PluginName: legacyPlugin{}},
		GRPCServer: plugin.DefaultGRPCServer,
		Logger:     hclog.New(&hclog.LoggerOptions{Output: os.Stderr, Level: hclog.Warn}),
	})
}

// A plugin built before the core carried Handle calls on a stream still
// gets its stanzas, one unary call each, errors included, several at once.
func TestPluginWithoutHandleStream(t *testing.T) {
	s := startWith(t, nil, withPlugins("legacy"))
	c, full := s.login(t, "alice", "r")
	for i := range 3 {
		c.Sendf("<iq type='get' to='localhost' id='l%d'><q xmlns='%s'/></iq>", i, nsLegacy)
	}
	for i := range 3 {
		el, err := c.Expect(rawxmpp.ID(fmt.Sprintf("l%d", i)))
		if err != nil {
			t.Fatal(err)
		}
		if el.SelectAttrValue("type", "") != "result" || el.FindElement("echo").Text() != full {
			t.Errorf("answer %d: %s", i, rawxmpp.Describe(el))
		}
	}
	c.Sendf("<iq type='get' to='localhost' id='f1'><q xmlns='%s' fail='1'/></iq>", nsLegacy)
	expectStanzaError(t, c, "f1", "not-allowed")
}

// A stanza the plugin takes longer than limits.plugin_timeout over is
// answered with an error, and the plugin is told to stop working on it.
func TestPluginCallTimesOut(t *testing.T) {
	// Short enough for the test, long enough that the ordinary calls after
	// it are not timed out too on a loaded machine.
	s := startWith(t, func(c *config.Config) { c.Limits.PluginTimeout = 1500 * time.Millisecond }, withPlugins("echo"))
	c, _ := s.login(t, "alice", "r")
	c.Sendf("<iq type='get' to='localhost' id='slow'><q xmlns='%s' sleep='1h'/></iq>", nsEcho)
	el := expectStanzaError(t, c, "slow", "internal-server-error")
	if el.SelectElement("error").SelectAttrValue("type", "") != "wait" {
		t.Errorf("a timed-out call: %s, want an error of type wait", rawxmpp.Describe(el))
	}
	waitFor(t, "the plugin to let go of the timed-out request", func() bool {
		return echoIQ(t, c, "n", nsEcho+":inhand", "") == "0"
	})
	if got := echoIQ(t, c, "after", nsEcho, ""); got == "" {
		t.Error("the plugin answers nothing after a timed-out call")
	}
}

// A handler that panics costs its own stanza an internal-server-error
// naming the log line, and nothing else: the plugin, its stream and the
// client's session go on.
func TestPluginHandlerPanics(t *testing.T) {
	s := startWith(t, nil, withPlugins("echo"))
	c, full := s.login(t, "alice", "r")
	c.Sendf("<iq type='get' to='localhost' id='p1'><q xmlns='%s'/></iq>", nsEcho+":panic")
	el := expectStanzaError(t, c, "p1", "internal-server-error")
	if !strings.Contains(rawxmpp.Describe(el), "internal error, id ") {
		t.Errorf("the error does not name the log line: %s", rawxmpp.Describe(el))
	}
	if got := echoIQ(t, c, "after", nsEcho, ""); got != full {
		t.Errorf("after the panic the plugin answered %q, want %q", got, full)
	}
}
