package websocket

import (
	"testing"
	"time"
)

// TestDeadlineMovesAndExpires: a deadline pushed forward before it passes
// does not cancel reads; one that passes does; a new one after that
// gives reads a fresh context.
func TestDeadlineMovesAndExpires(t *testing.T) {
	var d deadline
	d.set(time.Now().Add(time.Hour))
	ctx := d.context()
	d.set(time.Now().Add(2 * time.Hour))
	d.set(time.Time{})
	if ctx.Err() != nil || d.context() != ctx {
		t.Fatal("moving the deadline cancelled reads")
	}
	d.set(time.Now().Add(time.Millisecond))
	select {
	case <-ctx.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("the deadline passed and reads were not cancelled")
	}
	d.set(time.Now().Add(time.Hour))
	if d.context().Err() != nil {
		t.Fatal("a new deadline after the old one passed still fails reads")
	}
}
