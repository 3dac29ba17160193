package handlestream

import (
	"context"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/test/bufconn"

	"github.com/switchboard-xmpp/switchboard/sdk/proto/pluginv1"
	"github.com/switchboard-xmpp/switchboard/sdk/stanza"
)

// pairs is a plugin in memory that answers its calls two at a time, the
// second first, and reports the cancellations it is sent.
type pairs struct {
	pluginv1.UnimplementedPluginServer
	cancelled chan uint64
}

func (p *pairs) HandleStream(st pluginv1.Plugin_HandleStreamServer) error {
	var held []*pluginv1.HandleRequest
	for {
		req, err := st.Recv()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if req.GetCancel() {
			p.cancelled <- req.GetId()
			continue
		}
		if held = append(held, req); len(held) < 2 {
			continue
		}
		for i := len(held) - 1; i >= 0; i-- {
			res := &pluginv1.HandleResult{Id: held[i].GetId(), Response: &pluginv1.HandleResponse{Replies: [][]byte{held[i].GetEnvelope().GetStanza()}}}
			if string(held[i].GetEnvelope().GetStanza()) == "refuse" {
				res = &pluginv1.HandleResult{Id: held[i].GetId(), Error: &pluginv1.StanzaError{Type: "cancel", Condition: "not-allowed"}}
			}
			if err := st.Send(res); err != nil {
				return err
			}
		}
		held = held[:0]
	}
}

func open(t *testing.T, p pluginv1.PluginServer) *Stream {
	t.Helper()
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
	hs, err := Open(pluginv1.NewPluginClient(conn))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { hs.End(errors.New("test over")) })
	return hs
}

type result struct {
	reply string
	err   error
}

func call(ctx context.Context, hs *Stream, s string) <-chan result {
	ch := make(chan result, 1)
	go func() {
		resp, err := hs.Call(ctx, &pluginv1.Envelope{Stanza: []byte(s)})
		r := result{err: err}
		if err == nil {
			r.reply = string(resp.GetReplies()[0])
		}
		ch <- r
	}()
	return ch
}

func wait(t *testing.T, ch <-chan result) result {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(10 * time.Second):
		t.Fatal("no answer")
		return result{}
	}
}

// TestResultsFindTheirCalls: results answered out of order reach the
// calls they answer, a stanza error comes back typed, and a call given up
// on is cancelled at the plugin.
func TestResultsFindTheirCalls(t *testing.T) {
	p := &pairs{cancelled: make(chan uint64, 4)}
	hs := open(t, p)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	a, b := call(ctx, hs, "a"), call(ctx, hs, "b")
	if ra, rb := wait(t, a), wait(t, b); ra.reply != "a" || rb.reply != "b" {
		t.Fatalf("answers %+v, %+v; want each its own", ra, rb)
	}
	ok, refused := call(ctx, hs, "ok"), call(ctx, hs, "refuse")
	var se *stanza.Error
	if r := wait(t, refused); !errors.As(r.err, &se) || se.Condition != stanza.NotAllowed {
		t.Errorf("refused call: %v, want not-allowed", r.err)
	}
	if r := wait(t, ok); r.reply != "ok" {
		t.Errorf("the other call: %+v", r)
	}
	// A lone call waits for a partner that never comes; its caller gives
	// up, and the plugin is told.
	short, cancelShort := context.WithCancel(ctx)
	lone := call(short, hs, "lone")
	cancelShort()
	if r := wait(t, lone); r.err == nil {
		t.Error("a call given up on succeeded")
	}
	select {
	case <-p.cancelled:
	case <-time.After(10 * time.Second):
		t.Error("the plugin was not told the call was given up on")
	}
}

// TestEndFailsWaitingCalls: when the stream ends, the calls waiting on it
// fail with the reason, and later calls fail at once.
func TestEndFailsWaitingCalls(t *testing.T) {
	hs := open(t, &pairs{cancelled: make(chan uint64, 4)})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	waiting := call(ctx, hs, "lone")
	// The call is registered before End only once it is sent; wait for it.
	deadline := time.Now().Add(10 * time.Second)
	for {
		hs.mu.Lock()
		n := len(hs.waiting)
		hs.mu.Unlock()
		if n == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the call never went out")
		}
		time.Sleep(time.Millisecond)
	}
	gone := errors.New("the process died")
	hs.End(gone)
	if r := wait(t, waiting); !errors.Is(r.err, gone) {
		t.Errorf("waiting call: %v, want %v", r.err, gone)
	}
	if r := wait(t, call(ctx, hs, "later")); !errors.Is(r.err, gone) {
		t.Errorf("later call: %v, want %v", r.err, gone)
	}
}
