package pluginhost

import (
	"context"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/test/bufconn"

	"github.com/switchboard-xmpp/switchboard/core/pluginhost/eventqueue"
	"github.com/switchboard-xmpp/switchboard/core/pluginhost/handlestream"
	"github.com/switchboard-xmpp/switchboard/sdk/proto/pluginv1"
)

// memPlugin is a plugin in memory, on an in-memory gRPC connection: it
// serves the Plugin service's HandleStream with answer, and records the
// envelopes it was given.
type memPlugin struct {
	pluginv1.UnimplementedPluginServer
	answer func(env *pluginv1.Envelope) *pluginv1.HandleResult
	got    chan *pluginv1.Envelope
}

func (p *memPlugin) HandleStream(st pluginv1.Plugin_HandleStreamServer) error {
	for {
		req, err := st.Recv()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if req.GetCancel() {
			continue
		}
		p.got <- req.GetEnvelope()
		res := p.answer(req.GetEnvelope())
		res.Id = req.GetId()
		if err := st.Send(res); err != nil {
			return err
		}
	}
}

// loadMem runs p as a loaded, running third-party plugin, granted
// nothing, of a new host for domain localhost, with manifest m, and
// rebuilds the host's tables.
func loadMem(t *testing.T, p *memPlugin, m *pluginv1.Manifest) (*Host, *instance) {
	t.Helper()
	p.got = make(chan *pluginv1.Envelope, 16)
	lis := bufconn.Listen(1 << 20)
	srv := grpc.NewServer()
	pluginv1.RegisterPluginServer(srv, p)
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	conn, err := grpc.NewClient("passthrough:///mem",
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	client := pluginv1.NewPluginClient(conn)
	hs, err := handlestream.Open(client)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { hs.End(errors.New("test over")) })

	h := New(Config{Domain: "localhost", CallTimeout: 10 * time.Second}, Deps{}, hclog.NewNullLogger())
	t.Cleanup(h.Stop)
	in := &instance{h: h, spec: Spec{Name: m.GetName(), Path: "/opt/" + m.GetName()}, log: hclog.NewNullLogger(), exited: make(chan struct{}), events: eventqueue.New(), turns: make(chan struct{}, 4)}
	in.remote = &remote{client: client, hs: hs}
	in.manifest = m
	in.st = stateRunning
	h.mu.Lock()
	h.plugins[in.spec.Name] = in
	h.rebuild()
	h.mu.Unlock()
	return h, in
}
