package pluginhost

import (
	"context"
	"testing"
	"time"
)

// TestArchiveQueryWaitsForPromisedCopy: a request from an account waits
// for the archive copy promised for it, and for nothing promised to others.
func TestArchiveQueryWaitsForPromisedCopy(t *testing.T) {
	h := &Host{}
	release := h.Expect("bob@localhost")
	h.expected.wait(context.Background(), "alice@localhost") // returns: nothing promised for alice

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	h.expected.wait(ctx, "bob@localhost")
	if ctx.Err() == nil {
		t.Fatal("bob's request went ahead of the copy promised to his archive")
	}

	second := h.Expect("bob@localhost")
	release()
	release() // a second call must not count twice
	ctx2, cancel2 := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel2()
	h.expected.wait(ctx2, "bob@localhost")
	if ctx2.Err() == nil {
		t.Fatal("a copy still promised was forgotten when another was released twice")
	}
	second()
	h.expected.wait(context.Background(), "bob@localhost") // returns: nothing left
	if len(h.expected.m) != 0 {
		t.Fatalf("expectations left behind: %v", h.expected.m)
	}
}
