package pluginserver

import (
	"context"
	"errors"
	"io"
	"sync"
	"time"

	"github.com/switchboard-xmpp/switchboard/sdk/internal/wire"
	"github.com/switchboard-xmpp/switchboard/sdk/proto/pluginv1"
)

// HandleStream serves Handle calls arriving on one stream. Each runs on
// its own goroutine, as a unary call would, so that a slow stanza holds
// up no other; results go back in the order they finish. When the stream
// ends (the core closed it, or is gone) the calls still running are
// cancelled, and the stream returns once they have finished.
func (s *Server) HandleStream(stream pluginv1.Plugin_HandleStreamServer) error {
	ctx := stream.Context()
	var (
		sendMu  sync.Mutex
		mu      sync.Mutex
		cancels = map[uint64]context.CancelFunc{}
		wg      sync.WaitGroup
	)
	defer func() {
		mu.Lock()
		for _, cancel := range cancels {
			cancel()
		}
		mu.Unlock()
		wg.Wait()
	}()
	for {
		req, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		id := req.GetId()
		if req.GetCancel() {
			mu.Lock()
			if cancel := cancels[id]; cancel != nil {
				cancel()
			}
			mu.Unlock()
			continue
		}
		callCtx, cancel := callContext(ctx, req.GetDeadlineUnixNano())
		mu.Lock()
		cancels[id] = cancel
		mu.Unlock()
		wg.Go(func() {
			res := s.handleOne(callCtx, id, req.GetEnvelope())
			mu.Lock()
			delete(cancels, id)
			mu.Unlock()
			cancel()
			// Sent even when the core has stopped waiting: it drops a
			// result for an id it does not know.
			sendMu.Lock()
			err := stream.Send(res)
			sendMu.Unlock()
			if err != nil {
				s.log.Debug("handle stream: sending a result failed; the core has gone", "error", err)
			}
		})
	}
}

// callContext is a call's context on the stream: the stream's, with the
// deadline the core gave.
func callContext(ctx context.Context, deadline int64) (context.Context, context.CancelFunc) {
	if deadline == 0 {
		return context.WithCancel(ctx)
	}
	return context.WithDeadline(ctx, time.Unix(0, deadline))
}

// handleOne runs one call of a stream as Handle runs a unary one, panics
// and errors included, without a gRPC status in between.
func (s *Server) handleOne(ctx context.Context, id uint64, env *pluginv1.Envelope) *pluginv1.HandleResult {
	resp, se := s.handle(ctx, env)
	if se != nil {
		return &pluginv1.HandleResult{Id: id, Error: wire.ToProto(se)}
	}
	return &pluginv1.HandleResult{Id: id, Response: resp}
}
