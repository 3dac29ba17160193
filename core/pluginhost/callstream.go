package pluginhost

import (
	"context"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/switchboard-xmpp/switchboard/sdk/proto/pluginv1"
)

// hostMethod is the Host's unary method of that name, with the handler
// the gRPC server would run for it.
func hostMethod(name string) (grpc.MethodDesc, bool) {
	for _, md := range pluginv1.Host_ServiceDesc.Methods {
		if md.MethodName == name {
			return md, true
		}
	}
	return grpc.MethodDesc{}, false
}

// CallStream serves a plugin's unary Host calls carried on one stream:
// each call runs in its own goroutine through the same method a unary call
// runs, and its reply goes back when it finishes. A unary call costs an
// HTTP/2 stream of its own (headers, flow control, a server goroutine set
// up and torn down); a cold login makes a dozen of them.
func (s *hostServer) CallStream(stream pluginv1.Host_CallStreamServer) error {
	var (
		sendMu sync.Mutex
		calls  sync.WaitGroup
	)
	defer calls.Wait()
	// Headers now, before any reply: the plugin waits for them to know
	// that the core serves the stream.
	if err := stream.SendHeader(metadata.Pairs(pluginv1.CallStreamHeader, "1")); err != nil {
		return err
	}
	reply := func(r *pluginv1.HostReply) {
		sendMu.Lock()
		defer sendMu.Unlock()
		_ = stream.Send(r) // a broken stream ends Recv below too
	}
	for {
		call, err := stream.Recv()
		if err != nil {
			return nil // the plugin closed it, or went away
		}
		calls.Add(1)
		go func() {
			defer calls.Done()
			reply(s.serveCall(stream.Context(), call))
		}()
	}
}

// serveCall runs one call of CallStream.
func (s *hostServer) serveCall(ctx context.Context, call *pluginv1.HostCall) *pluginv1.HostReply {
	r := &pluginv1.HostReply{Id: call.GetId()}
	fail := func(err error) *pluginv1.HostReply {
		b, merr := proto.Marshal(status.Convert(err).Proto())
		if merr != nil {
			b, _ = proto.Marshal(status.New(codes.Internal, "encoding a call's status").Proto())
		}
		r.Status = b
		return r
	}
	md, ok := hostMethod(call.GetMethod())
	if !ok {
		return fail(status.Errorf(codes.Unimplemented, "the host has no unary method %q", call.GetMethod()))
	}
	if ms := call.GetTimeoutMs(); ms > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, time.Duration(ms)*time.Millisecond)
		defer cancel()
	}
	dec := func(v any) error {
		m, ok := v.(proto.Message)
		if !ok {
			return status.Errorf(codes.Internal, "request of %s is no message", call.GetMethod())
		}
		if err := proto.Unmarshal(call.GetRequest(), m); err != nil {
			return status.Errorf(codes.InvalidArgument, "decoding the request of %s: %v", call.GetMethod(), err)
		}
		return nil
	}
	resp, err := md.Handler(s, ctx, dec, nil)
	if err != nil {
		return fail(err)
	}
	m, ok := resp.(proto.Message)
	if !ok {
		return fail(status.Errorf(codes.Internal, "response of %s is no message", call.GetMethod()))
	}
	if r.Response, err = proto.Marshal(m); err != nil {
		return fail(status.Errorf(codes.Internal, "encoding the response of %s: %v", call.GetMethod(), err))
	}
	return r
}
