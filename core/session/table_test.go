package session

import (
	"errors"
	"testing"

	"github.com/switchboard-xmpp/switchboard/core/jidprep"
	"github.com/switchboard-xmpp/switchboard/core/stream"
)

type nopSink struct{}

func (nopSink) Deliver([]byte) bool       { return true }
func (nopSink) DeliverShared([]byte) bool { return true }
func (nopSink) Close(*stream.Error)       {}

func sess(local, resource string) *Session {
	return New(local+"/"+resource, jidprep.JID{Local: local, Domain: "localhost", Resource: resource}, nopSink{})
}

func TestTableAddRemove(t *testing.T) {
	tb := NewTable()
	a1, a2, b1 := sess("alice", "one"), sess("alice", "two"), sess("bob", "one")
	for _, s := range []*Session{a1, a2, b1} {
		if old, err := tb.Add(s, 0); err != nil || old != nil {
			t.Fatalf("Add(%s) = %v, %v", s.Full, old, err)
		}
	}
	if got := len(tb.Resources("alice@localhost")); got != 2 {
		t.Fatalf("alice has %d resources, want 2", got)
	}
	if tb.Lookup("alice@localhost", "two") != a2 || tb.Lookup("alice@localhost", "three") != nil {
		t.Fatal("Lookup by resource is wrong")
	}
	if tb.Len() != 3 || len(tb.All()) != 3 {
		t.Fatalf("Len %d, All %d; want 3", tb.Len(), len(tb.All()))
	}
	if !tb.Remove(a1) || tb.Remove(a1) {
		t.Fatal("Remove must succeed once")
	}
	if got := tb.Resources("alice@localhost"); len(got) != 1 || got[0] != a2 {
		t.Fatalf("after removal alice has %v", got)
	}
}

func TestTableConflictReplaces(t *testing.T) {
	tb := NewTable()
	old, dup := sess("alice", "r"), sess("alice", "r")
	tb.Add(old, 0)
	replaced, err := tb.Add(dup, 0)
	if err != nil || replaced != old {
		t.Fatalf("Add duplicate = %v, %v; want the old session back", replaced, err)
	}
	// The replaced session's late removal must not unbind the new one.
	if tb.Remove(old) {
		t.Fatal("removing the replaced session reported success")
	}
	if tb.Lookup("alice@localhost", "r") != dup {
		t.Fatal("the new session is no longer bound")
	}
}

func TestTableLimit(t *testing.T) {
	tb := NewTable()
	tb.Add(sess("alice", "1"), 2)
	tb.Add(sess("alice", "2"), 2)
	if _, err := tb.Add(sess("alice", "3"), 2); !errors.Is(err, ErrTooManyResources) {
		t.Fatalf("third session: %v, want ErrTooManyResources", err)
	}
	// Replacing an existing resource does not count against the limit.
	if _, err := tb.Add(sess("alice", "2"), 2); err != nil {
		t.Fatalf("replacing at the limit: %v", err)
	}
}

func TestPresence(t *testing.T) {
	s := sess("alice", "r")
	if ok, p := s.Presence(); ok || p != 0 {
		t.Fatalf("new session presence = %v %d", ok, p)
	}
	for _, prio := range []int8{-128, -1, 0, 5, 127} {
		s.SetPresence(true, prio)
		if ok, p := s.Presence(); !ok || p != prio {
			t.Errorf("SetPresence(true, %d) read back %v %d", prio, ok, p)
		}
	}
	s.SetPresence(false, 3)
	if ok, _ := s.Presence(); ok {
		t.Error("unavailable read back as available")
	}
}
