// Package hostcalls carries a plugin's unary calls of the Host service on
// one long-lived Host.CallStream instead of an HTTP/2 stream per call. It
// is a grpc.ClientConnInterface, so the generated Host client runs on it
// unchanged; streaming methods, and every call while the core does not
// offer CallStream, go through the connection as before.
package hostcalls

import (
	"context"
	"strings"
	"sync"
	"time"

	spb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/switchboard-xmpp/switchboard/sdk/proto/pluginv1"
)

// Conn is the Host connection with its call stream.
type Conn struct {
	cc *grpc.ClientConn

	mu      sync.Mutex
	stream  pluginv1.Host_CallStreamClient // nil until opened, or after it broke
	cancel  context.CancelFunc             // ends stream
	pending map[uint64]chan *pluginv1.HostReply
	next    uint64
	unary   bool // the core has no CallStream: every call is unary
	closed  bool
	sendMu  sync.Mutex // one Send at a time on stream
}

// New returns cc with its unary Host calls carried on a call stream,
// opened at the first call.
func New(cc *grpc.ClientConn) *Conn {
	return &Conn{cc: cc, pending: map[uint64]chan *pluginv1.HostReply{}}
}

// Close ends the stream and the connection; calls under way fail.
func (c *Conn) Close() error {
	c.mu.Lock()
	c.closed = true
	cancel := c.cancel
	c.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	return c.cc.Close()
}

// NewStream opens a streaming call on the connection itself.
func (c *Conn) NewStream(ctx context.Context, desc *grpc.StreamDesc, method string, opts ...grpc.CallOption) (grpc.ClientStream, error) {
	return c.cc.NewStream(ctx, desc, method, opts...)
}

// hostPrefix begins the full name of every Host method (the generated
// code names them as constants, pluginv1.Host_StoreGet_FullMethodName).
const hostPrefix = "/switchboard.plugin.v1.Host/"

// maxCarried is the largest request carried on the stream.
const maxCarried = 16 << 10

// Invoke runs a unary Host call on the call stream (another service's, or
// any call while the core offers no stream, on the connection).
func (c *Conn) Invoke(ctx context.Context, method string, args, reply any, opts ...grpc.CallOption) error {
	name, ok := strings.CutPrefix(method, hostPrefix)
	req, isMsg := args.(proto.Message)
	out, outMsg := reply.(proto.Message)
	// The call options the generated client passes (grpc.StaticMethod)
	// concern the HTTP/2 call the stream replaces. A large request (the
	// archive's store batches) goes unary: on the stream it would be
	// copied into and out of its envelope, which costs more than the
	// stream saves, and hold up the small calls behind it.
	if !ok || !isMsg || !outMsg || proto.Size(req) > maxCarried {
		return c.cc.Invoke(ctx, method, args, reply, opts...)
	}
	b, err := proto.Marshal(req)
	if err != nil {
		return status.Errorf(codes.Internal, "encoding the request of %s: %v", name, err)
	}
	stream, id, ch, err := c.register()
	if err != nil {
		return err
	}
	if stream == nil {
		return c.cc.Invoke(ctx, method, args, reply, opts...)
	}
	call := &pluginv1.HostCall{Id: id, Method: name, Request: b}
	if d, ok := ctx.Deadline(); ok {
		call.TimeoutMs = max(time.Until(d).Milliseconds(), 1)
	}
	c.sendMu.Lock()
	err = stream.Send(call)
	c.sendMu.Unlock()
	if err != nil {
		c.forget(id)
		return status.Errorf(codes.Unavailable, "sending %s on the host call stream: %v", name, err)
	}
	select {
	case r := <-ch:
		if r == nil {
			return status.Errorf(codes.Unavailable, "the host call stream broke during %s", name)
		}
		if len(r.GetStatus()) > 0 {
			var st spb.Status
			if err := proto.Unmarshal(r.GetStatus(), &st); err != nil {
				return status.Errorf(codes.Internal, "decoding the status of %s: %v", name, err)
			}
			return status.ErrorProto(&st)
		}
		if err := proto.Unmarshal(r.GetResponse(), out); err != nil {
			return status.Errorf(codes.Internal, "decoding the response of %s: %v", name, err)
		}
		return nil
	case <-ctx.Done():
		c.forget(id)
		return status.FromContextError(ctx.Err()).Err()
	}
}

// register takes an id and a reply channel for a call, opening the stream
// if need be; a nil stream means the call goes unary.
func (c *Conn) register() (pluginv1.Host_CallStreamClient, uint64, chan *pluginv1.HostReply, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, 0, nil, status.Error(codes.Canceled, "the host connection is closed")
	}
	if c.unary {
		return nil, 0, nil, nil
	}
	if c.stream == nil {
		if err := c.open(); err != nil {
			return nil, 0, nil, err
		}
		if c.unary {
			return nil, 0, nil, nil
		}
	}
	c.next++
	ch := make(chan *pluginv1.HostReply, 1)
	c.pending[c.next] = ch
	return c.stream, c.next, ch, nil
}

// open starts the stream and its reader. Called with c.mu held.
func (c *Conn) open() error {
	ctx, cancel := context.WithCancel(context.Background())
	stream, err := pluginv1.NewHostClient(c.cc).CallStream(ctx)
	if err != nil {
		cancel()
		return status.Errorf(codes.Unavailable, "opening the host call stream: %v", err)
	}
	// The stream opens without a round trip, and a core without
	// CallStream would say so only on the first read, after the first
	// call was sent. The core sends the stream's headers at once, so
	// waiting for them tells which it is before any call.
	md, err := stream.Header()
	if err == nil && len(md.Get(pluginv1.CallStreamHeader)) == 0 {
		// Ended without headers: the status says why.
		_, err = stream.Recv()
		if err == nil {
			err = status.Error(codes.Internal, "the host call stream began without its header")
		}
	}
	if err != nil {
		cancel()
		if status.Code(err) == codes.Unimplemented {
			c.unary = true
			return nil
		}
		return status.Errorf(codes.Unavailable, "opening the host call stream: %v", err)
	}
	c.stream, c.cancel = stream, cancel
	go c.read(stream)
	return nil
}

// read hands each reply to its call; when the stream ends, the calls
// waiting fail and the next call opens a new stream.
func (c *Conn) read(stream pluginv1.Host_CallStreamClient) {
	for {
		r, err := stream.Recv()
		if err != nil {
			c.mu.Lock()
			if c.stream == stream {
				c.stream = nil
				c.cancel() // its context's resources
				c.cancel = nil
			}
			if status.Code(err) == codes.Unimplemented {
				c.unary = true
			}
			pending := c.pending
			c.pending = map[uint64]chan *pluginv1.HostReply{}
			c.mu.Unlock()
			for _, ch := range pending {
				ch <- nil
			}
			return
		}
		c.mu.Lock()
		ch := c.pending[r.GetId()]
		delete(c.pending, r.GetId())
		c.mu.Unlock()
		if ch != nil {
			ch <- r
		}
	}
}

func (c *Conn) forget(id uint64) {
	c.mu.Lock()
	delete(c.pending, id)
	c.mu.Unlock()
}
