package pluginhost

import (
	"context"
	"net"
	"testing"

	"github.com/hashicorp/go-hclog"
	spb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/test/bufconn"
	"google.golang.org/protobuf/proto"

	"github.com/switchboard-xmpp/switchboard/sdk/proto/pluginv1"
)

// TestCallStream: calls carried on Host.CallStream are answered by id as
// the unary methods answer them: a response, a refusal with its code, an
// unknown method as unimplemented; the stream's headers come first.
func TestCallStream(t *testing.T) {
	h := New(Config{Domain: "localhost"}, Deps{}, hclog.NewNullLogger())
	defer h.Stop()
	in := &instance{h: h, spec: Spec{Name: "x", Path: "/opt/x"}, log: hclog.NewNullLogger(), exited: make(chan struct{})}
	in.manifest = &pluginv1.Manifest{Name: "x"}
	lis := bufconn.Listen(1 << 20)
	srv := grpc.NewServer()
	pluginv1.RegisterHostServer(srv, &hostServer{h: h, in: in})
	go func() { _ = srv.Serve(lis) }()
	defer srv.Stop()
	conn, err := grpc.NewClient("passthrough:///mem", grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	stream, err := pluginv1.NewHostClient(conn).CallStream(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := stream.Header(); err != nil {
		t.Fatalf("the stream's headers: %v", err)
	}
	marshal := func(m proto.Message) []byte {
		b, err := proto.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	calls := []*pluginv1.HostCall{
		{Id: 7, Method: "Publish", Request: marshal(&pluginv1.PublishRequest{Topic: "t"})},
		{Id: 8, Method: "SetFilters", Request: marshal(&pluginv1.SetFiltersRequest{Owner: "alice@localhost"}), TimeoutMs: 5000},
		{Id: 9, Method: "Nope"},
		{Id: 10, Method: "AllSessions"}, // streaming: not carried
	}
	for _, c := range calls {
		if err := stream.Send(c); err != nil {
			t.Fatal(err)
		}
	}
	got := map[uint64]codes.Code{}
	for range calls {
		r, err := stream.Recv()
		if err != nil {
			t.Fatal(err)
		}
		code := codes.OK
		if len(r.GetStatus()) > 0 {
			var st spb.Status
			if err := proto.Unmarshal(r.GetStatus(), &st); err != nil {
				t.Fatal(err)
			}
			code = codes.Code(st.GetCode())
		} else if err := proto.Unmarshal(r.GetResponse(), &pluginv1.PublishResponse{}); err != nil {
			t.Errorf("reply %d: %v", r.GetId(), err)
		}
		got[r.GetId()] = code
	}
	want := map[uint64]codes.Code{7: codes.OK, 8: codes.PermissionDenied, 9: codes.Unimplemented, 10: codes.Unimplemented}
	for id, code := range want {
		if got[id] != code {
			t.Errorf("call %d: %v, want %v", id, got[id], code)
		}
	}
}
