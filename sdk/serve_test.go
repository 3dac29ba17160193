package sdk_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	"github.com/switchboard-xmpp/switchboard/sdk"
	"github.com/switchboard-xmpp/switchboard/sdk/proto/pluginv1"
	"github.com/switchboard-xmpp/switchboard/sdk/stanza"
)

// When this variable is set, the test binary is not a test but a plugin
// process: TestServe re-executes itself to run sdk.Serve for real.
const asPluginEnv = "SDK_TEST_RUN_AS_PLUGIN"

func TestMain(m *testing.M) {
	if path := os.Getenv(asPluginEnv); path != "" {
		sdk.Serve(&processPlugin{cleanupMarker: path})
	}
	os.Exit(m.Run())
}

// processPlugin greets through the Host and marks its Cleanup in a file.
type processPlugin struct {
	cleanupMarker string
	host          sdk.Host
}

func (p *processPlugin) Describe() sdk.Description {
	return sdk.Description{Name: "process", Routes: []sdk.Route{{Kind: sdk.IQ, Namespace: "urn:test", To: sdk.ToServer,
		Handle: func(ctx context.Context, req *sdk.Request) (*etree.Element, error) {
			if err := p.host.Send(ctx, sdk.NewMessage(p.host.Domain(), req.From, "")); err != nil {
				return nil, err
			}
			return nil, stanza.New(stanza.NotAllowed)
		}}}}
}

func (p *processPlugin) Configure(_ context.Context, c sdk.Config) error {
	p.host = c.Host
	return nil
}

func (p *processPlugin) Cleanup() error {
	return os.WriteFile(p.cleanupMarker, []byte("cleaned"), 0o600)
}

// TestServe runs a plugin process the way the core does: go-plugin with
// mutual TLS, the Host service on the broker, and Kill at the end.
func TestServe(t *testing.T) {
	marker := filepath.Join(t.TempDir(), "cleanup")
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), asPluginEnv+"="+marker)
	client := plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig: plugin.HandshakeConfig{
			ProtocolVersion: pluginv1.ProtocolVersion, MagicCookieKey: pluginv1.MagicCookieKey, MagicCookieValue: pluginv1.MagicCookieValue,
		},
		Plugins:          plugin.PluginSet{pluginv1.PluginName: corePlugin{}},
		Cmd:              cmd,
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		AutoMTLS:         true,
		Logger:           hclog.NewNullLogger(),
	})
	defer client.Kill()
	rpc, err := client.Client()
	if err != nil {
		t.Fatal(err)
	}
	raw, err := rpc.Dispense(pluginv1.PluginName)
	if err != nil {
		t.Fatal(err)
	}
	conn := raw.(*coreConn)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	if m, err := conn.client.Describe(ctx, &pluginv1.DescribeRequest{}); err != nil || m.GetName() != "process" {
		t.Fatalf("Describe = %v, %v", m, err)
	}
	host := &recordingHost{sent: make(chan []byte, 1)}
	id := conn.broker.NextId()
	go conn.broker.AcceptAndServe(id, func(opts []grpc.ServerOption) *grpc.Server {
		s := grpc.NewServer(opts...)
		pluginv1.RegisterHostServer(s, host)
		return s
	})
	if _, err := conn.client.Configure(ctx, &pluginv1.ConfigureRequest{HostBrokerId: id, Domain: "localhost"}); err != nil {
		t.Fatal(err)
	}
	hs, err := conn.client.HandleStream(ctx)
	if err != nil {
		t.Fatal(err)
	}
	env := &pluginv1.Envelope{Stanza: []byte(`<iq type='get' id='1' from='a@localhost/r'><q xmlns='urn:test'/></iq>`), From: "a@localhost/r"}
	if err := hs.Send(&pluginv1.HandleRequest{Id: 7, Envelope: env}); err != nil {
		t.Fatal(err)
	}
	res, err := hs.Recv()
	if err != nil {
		t.Fatal(err)
	}
	if res.GetId() != 7 || res.GetError().GetCondition() != string(stanza.NotAllowed) {
		t.Errorf("handle result = %v, want call 7 failed with not-allowed", res)
	}
	select {
	case b := <-host.sent:
		if want := `<message from="localhost" to="a@localhost/r"/>`; string(b) != want {
			t.Errorf("sent %s, want %s", b, want)
		}
	default:
		t.Error("the handler's Send did not reach the host before Handle returned")
	}

	client.Kill()
	if b, err := os.ReadFile(marker); err != nil || string(b) != "cleaned" {
		t.Errorf("Cleanup did not run when the core stopped the plugin: %v", err)
	}
}

type corePlugin struct{ plugin.NetRPCUnsupportedPlugin }

type coreConn struct {
	client pluginv1.PluginClient
	broker *plugin.GRPCBroker
}

func (corePlugin) GRPCServer(*plugin.GRPCBroker, *grpc.Server) error {
	return errors.New("the core serves no plugin")
}

func (corePlugin) GRPCClient(_ context.Context, b *plugin.GRPCBroker, c *grpc.ClientConn) (any, error) {
	return &coreConn{client: pluginv1.NewPluginClient(c), broker: b}, nil
}

type recordingHost struct {
	pluginv1.UnimplementedHostServer
	sent chan []byte
}

func (h *recordingHost) Send(_ context.Context, r *pluginv1.SendRequest) (*pluginv1.SendResponse, error) {
	h.sent <- r.GetStanza()
	return &pluginv1.SendResponse{}, nil
}
