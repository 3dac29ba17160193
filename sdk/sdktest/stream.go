package sdktest

import (
	"context"
	"errors"
	"fmt"

	"github.com/switchboard-xmpp/switchboard/sdk/internal/wire"
	"github.com/switchboard-xmpp/switchboard/sdk/proto/pluginv1"
	"github.com/switchboard-xmpp/switchboard/sdk/stanza"
)

// call gives the plugin one stanza on a handle stream of its own, as the
// core gives every stanza. A stanza error the plugin answers comes back as
// a *stanza.Error; any other error means the call itself failed.
func (h *Harness) call(ctx context.Context, env *pluginv1.Envelope) (*pluginv1.HandleResponse, error) {
	st, err := h.plugin.HandleStream(ctx)
	if err != nil {
		return nil, fmt.Errorf("opening the handle stream: %w", err)
	}
	req := &pluginv1.HandleRequest{Id: 1, Envelope: env}
	if d, ok := ctx.Deadline(); ok {
		req.DeadlineUnixNano = d.UnixNano()
	}
	if err := st.Send(req); err != nil {
		return nil, fmt.Errorf("sending on the handle stream: %w", err)
	}
	res, err := st.Recv()
	if err != nil {
		return nil, fmt.Errorf("receiving from the handle stream: %w", err)
	}
	if err := st.CloseSend(); err != nil {
		return nil, fmt.Errorf("closing the handle stream: %w", err)
	}
	if se := res.GetError(); se != nil {
		return nil, wire.FromProto(se)
	}
	return res.GetResponse(), nil
}

// stanzaErrorOf is the stanza error a failed call carries, nil when it
// carries none.
func stanzaErrorOf(err error) *stanza.Error {
	var se *stanza.Error
	if errors.As(err, &se) {
		return se
	}
	return nil
}
