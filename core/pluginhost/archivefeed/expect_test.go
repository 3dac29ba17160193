package archivefeed

import (
	"context"
	"testing"
	"time"
)

// TestArchiveQueryWaitsForPromisedCopy: a request from an account waits
// for the archive copy promised for it, and for nothing promised to others.
func TestArchiveQueryWaitsForPromisedCopy(t *testing.T) {
	var x Expectations
	release := x.Expect("bob@localhost")
	x.Wait(context.Background(), "alice@localhost") // returns: nothing promised for alice

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	x.Wait(ctx, "bob@localhost")
	if ctx.Err() == nil {
		t.Fatal("bob's request went ahead of the copy promised to his archive")
	}

	second := x.Expect("bob@localhost")
	release()
	release() // a second call must not count twice
	ctx2, cancel2 := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel2()
	x.Wait(ctx2, "bob@localhost")
	if ctx2.Err() == nil {
		t.Fatal("a copy still promised was forgotten when another was released twice")
	}
	second()
	x.Wait(context.Background(), "bob@localhost") // returns: nothing left
	if len(x.m) != 0 {
		t.Fatalf("expectations left behind: %v", x.m)
	}
}
