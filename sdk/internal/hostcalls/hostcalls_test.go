package hostcalls

import (
	"context"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"
	"google.golang.org/protobuf/proto"

	"github.com/switchboard-xmpp/switchboard/sdk/proto/pluginv1"
)

// fakeHost answers StoreGet with "v:" and the key, unary or on the call
// stream (when streams is set), and refuses Send with failed-precondition;
// it counts the calls each way.
type fakeHost struct {
	pluginv1.UnimplementedHostServer
	streams        bool
	unary, carried atomic.Int64
}

func (f *fakeHost) StoreGet(_ context.Context, k *pluginv1.StoreKey) (*pluginv1.StoreValue, error) {
	f.unary.Add(1)
	return &pluginv1.StoreValue{Value: []byte("v:" + k.GetKey()), Found: true}, nil
}

func (f *fakeHost) CallStream(st pluginv1.Host_CallStreamServer) error {
	if !f.streams {
		return status.Error(codes.Unimplemented, "no call stream")
	}
	if err := st.SendHeader(metadata.Pairs(pluginv1.CallStreamHeader, "1")); err != nil {
		return err
	}
	var mu sync.Mutex
	for {
		c, err := st.Recv()
		if err != nil {
			return nil
		}
		f.carried.Add(1)
		go func() { // answered out of order
			r := &pluginv1.HostReply{Id: c.GetId()}
			switch c.GetMethod() {
			case "StoreGet":
				var k pluginv1.StoreKey
				_ = proto.Unmarshal(c.GetRequest(), &k)
				r.Response, _ = proto.Marshal(&pluginv1.StoreValue{Value: []byte("v:" + k.GetKey()), Found: true})
			default:
				r.Status, _ = proto.Marshal(status.New(codes.FailedPrecondition, "refused").Proto())
			}
			mu.Lock()
			defer mu.Unlock()
			_ = st.Send(r)
		}()
	}
}

func dial(t *testing.T, f *fakeHost) *Conn {
	t.Helper()
	lis := bufconn.Listen(1 << 20)
	srv := grpc.NewServer()
	pluginv1.RegisterHostServer(srv, f)
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	cc, err := grpc.NewClient("passthrough:///mem", grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	c := New(cc)
	t.Cleanup(func() { c.Close() })
	return c
}

// TestCallsOnTheStream: concurrent unary calls travel on the stream and
// each gets its own answer, errors with their code; a core without the
// stream gets them as unary calls.
func TestCallsOnTheStream(t *testing.T) {
	for _, streams := range []bool{true, false} {
		f := &fakeHost{streams: streams}
		host := pluginv1.NewHostClient(dial(t, f))
		var wg sync.WaitGroup
		for i := range 50 {
			wg.Go(func() {
				key := string(rune('a' + i%26))
				v, err := host.StoreGet(t.Context(), &pluginv1.StoreKey{Key: key})
				if err != nil || string(v.GetValue()) != "v:"+key {
					t.Errorf("streams %v: StoreGet %s = %q, %v", streams, key, v.GetValue(), err)
				}
			})
		}
		wg.Wait()
		_, err := host.Send(t.Context(), &pluginv1.SendRequest{})
		if want := map[bool]codes.Code{true: codes.FailedPrecondition, false: codes.Unimplemented}[streams]; status.Code(err) != want {
			t.Errorf("streams %v: Send: %v, want %v", streams, err, want)
		}
		if streams && (f.carried.Load() != 51 || f.unary.Load() != 0) {
			t.Errorf("with the stream: %d calls carried, %d unary", f.carried.Load(), f.unary.Load())
		}
		if !streams && f.unary.Load() != 50 {
			t.Errorf("without the stream: %d unary calls, want 50", f.unary.Load())
		}
	}
}

// TestCancelledCall: a call whose context ends returns at once with its
// code, and the stream goes on serving the next.
func TestCancelledCall(t *testing.T) {
	f := &fakeHost{streams: true}
	host := pluginv1.NewHostClient(dial(t, f))
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := host.StoreGet(ctx, &pluginv1.StoreKey{Key: "x"}); status.Code(err) != codes.Canceled {
		t.Errorf("cancelled call: %v", err)
	}
	if v, err := host.StoreGet(t.Context(), &pluginv1.StoreKey{Key: "y"}); err != nil || string(v.GetValue()) != "v:y" {
		t.Errorf("the next call: %q, %v", v.GetValue(), err)
	}
}

// TestHostPrefix: the prefix names the generated methods.
func TestHostPrefix(t *testing.T) {
	if !strings.HasPrefix(pluginv1.Host_StoreGet_FullMethodName, hostPrefix) {
		t.Errorf("%s does not begin with %s", pluginv1.Host_StoreGet_FullMethodName, hostPrefix)
	}
}
