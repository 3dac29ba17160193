package eventqueue

import (
	"testing"

	"github.com/switchboard-xmpp/switchboard/sdk/proto/pluginv1"
)

// TestEventsInOrderInBatches: events come out in the order pushed, at
// most a batch at a time, and the wake signal says there are some.
func TestEventsInOrderInBatches(t *testing.T) {
	q := New()
	n := 2*eventBatch + 3
	for i := range n {
		q.Push(&pluginv1.EventRequest{SessionId: string(rune('a' + i%26))})
	}
	select {
	case <-q.Wake():
	default:
		t.Fatal("no wake signal after a push")
	}
	var got []*pluginv1.EventRequest
	for {
		batch, dropped := q.Take()
		if dropped != 0 {
			t.Fatalf("%d dropped below the bound", dropped)
		}
		if len(batch) == 0 {
			break
		}
		if len(batch) > eventBatch {
			t.Fatalf("a batch of %d", len(batch))
		}
		got = append(got, batch...)
	}
	if len(got) != n {
		t.Fatalf("took %d events, want %d", len(got), n)
	}
	for i, ev := range got {
		if ev.GetSessionId() != string(rune('a'+i%26)) {
			t.Fatalf("event %d out of order", i)
		}
	}
}

// TestEventsPastTheBoundAreCounted: a plugin stuck long enough loses
// events, and the next Take says how many.
func TestEventsPastTheBoundAreCounted(t *testing.T) {
	q := New()
	q.max = 100
	ev := &pluginv1.EventRequest{}
	for range q.max + 5 {
		q.Push(ev)
	}
	if _, dropped := q.Take(); dropped != 5 {
		t.Fatalf("dropped %d, want 5", dropped)
	}
	if _, dropped := q.Take(); dropped != 0 {
		t.Fatalf("the drops were reported twice: %d", dropped)
	}
}
