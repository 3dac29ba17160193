// Package handlestream carries the stanzas for one plugin process on one
// gRPC stream, the Plugin service's HandleStream, with any number of
// calls in flight, each matched to its result by id.
package handlestream

import (
	"context"
	"sync"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/switchboard-xmpp/switchboard/sdk/proto/pluginv1"
)

// Stream carries the stanzas for one plugin process on one gRPC
// stream (docs/ARCHITECTURE.md, rule 1): a call per stanza would set up
// and tear down an HTTP/2 stream, with its headers and trailers, on both
// sides. Calls are matched to results by id; any number may be in flight.
type Stream struct {
	stream pluginv1.Plugin_HandleStreamClient
	cancel context.CancelFunc

	sendMu sync.Mutex // one Send at a time, as gRPC requires

	mu      sync.Mutex
	nextID  uint64
	waiting map[uint64]chan *pluginv1.HandleResult
	err     error // why the stream ended; nil while it serves
}

// Open opens the stream to a plugin process. It lives as long as the
// process's connection, or until End.
func Open(client pluginv1.PluginClient) (*Stream, error) {
	// The stream lives as long as the process's connection: it ends when
	// the process dies or is killed, not with any one call.
	ctx, cancel := context.WithCancel(context.Background())
	st, err := client.HandleStream(ctx)
	if err != nil {
		cancel()
		return nil, err
	}
	hs := &Stream{stream: st, cancel: cancel, waiting: map[uint64]chan *pluginv1.HandleResult{}}
	go hs.receive()
	return hs, nil
}

// receive hands each result to its caller until the stream ends, then
// fails the calls still waiting with the reason.
func (hs *Stream) receive() {
	for {
		res, err := hs.stream.Recv()
		if err != nil {
			hs.End(err)
			return
		}
		hs.mu.Lock()
		ch := hs.waiting[res.GetId()]
		delete(hs.waiting, res.GetId())
		hs.mu.Unlock()
		if ch != nil { // nil: the caller gave up on it
			ch <- res
		}
	}
}

// End ends the stream, failing the calls still waiting with err. The
// first reason stays: ending the stream makes its receiver end it again,
// cancelled.
func (hs *Stream) End(err error) {
	hs.mu.Lock()
	if hs.err == nil {
		hs.err = err
	}
	for id, ch := range hs.waiting {
		close(ch)
		delete(hs.waiting, id)
	}
	hs.mu.Unlock()
	hs.cancel()
}

// broken is why the stream ended, nil while it serves.
func (hs *Stream) broken() error {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	return hs.err
}

// Call gives the plugin one stanza. Its errors are a *stanza.Error from
// the plugin, or a gRPC status when the call itself failed.
func (hs *Stream) Call(ctx context.Context, env *pluginv1.Envelope) (*pluginv1.HandleResponse, error) {
	ch := make(chan *pluginv1.HandleResult, 1)
	hs.mu.Lock()
	if hs.err != nil {
		err := hs.err
		hs.mu.Unlock()
		return nil, err
	}
	hs.nextID++
	id := hs.nextID
	hs.waiting[id] = ch
	hs.mu.Unlock()
	req := &pluginv1.HandleRequest{Id: id, Envelope: env}
	if d, ok := ctx.Deadline(); ok {
		req.DeadlineUnixNano = d.UnixNano()
	}
	hs.sendMu.Lock()
	err := hs.stream.Send(req)
	hs.sendMu.Unlock()
	if err != nil {
		// Send reports only io.EOF; the stream's own error comes from
		// the receiving side, which closes ch with it.
		hs.forget(id)
		if berr := hs.broken(); berr != nil {
			return nil, berr
		}
		return nil, status.Error(codes.Unavailable, "the plugin's handle stream broke: "+err.Error())
	}
	select {
	case res, ok := <-ch:
		if !ok {
			return nil, hs.broken()
		}
		if se := res.GetError(); se != nil {
			return nil, pluginv1.StanzaErrorFromProto(se)
		}
		return res.GetResponse(), nil
	case <-ctx.Done():
		hs.forget(id)
		hs.sendMu.Lock()
		_ = hs.stream.Send(&pluginv1.HandleRequest{Id: id, Cancel: true}) // best effort: the plugin stops early
		hs.sendMu.Unlock()
		return nil, status.FromContextError(ctx.Err()).Err()
	}
}

func (hs *Stream) forget(id uint64) {
	hs.mu.Lock()
	delete(hs.waiting, id)
	hs.mu.Unlock()
}
