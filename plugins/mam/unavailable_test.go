package mam

import (
	"context"
	"testing"
	"time"

	"github.com/switchboard-xmpp/switchboard/sdk/stanza"
)

func TestWhileUnavailable(t *testing.T) {
	down := &stanza.Error{Type: stanza.Wait, Condition: stanza.InternalServerError, Text: "storage is unavailable"}
	full := &stanza.Error{Type: stanza.Wait, Condition: stanza.ResourceConstraint, Text: "storage is full"}

	calls := 0
	err := whileUnavailable(t.Context(), func() error {
		if calls++; calls < 3 {
			return down
		}
		return nil
	})
	if err != nil || calls != 3 {
		t.Errorf("storage back on the third try: %d calls, %v; want 3 and success", calls, err)
	}

	calls = 0
	if err := whileUnavailable(t.Context(), func() error { calls++; return full }); err != full || calls != 1 {
		t.Errorf("full storage: %d calls, %v; want one call and its error", calls, err)
	}

	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	if err := whileUnavailable(ctx, func() error { return down }); err != down {
		t.Errorf("storage down past the deadline: %v; want its error", err)
	}
}
