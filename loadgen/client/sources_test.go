package client

import (
	"context"
	"net"
	"net/netip"
	"slices"
	"testing"
)

func TestConnectionsTakeTheSourcesInTurn(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	o := &Options{Addr: ln.Addr().String(), Sources: NewSources([]netip.Addr{netip.MustParseAddr("127.0.0.2"), netip.MustParseAddr("127.0.0.3")})}
	var got []string
	for range 4 {
		c, err := dial(context.Background(), o)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Abort()
		sc, err := ln.Accept()
		if err != nil {
			t.Fatal(err)
		}
		defer sc.Close()
		got = append(got, sc.RemoteAddr().(*net.TCPAddr).IP.String())
	}
	if want := []string{"127.0.0.2", "127.0.0.3", "127.0.0.2", "127.0.0.3"}; !slices.Equal(got, want) {
		t.Errorf("connections came from %v, want %v", got, want)
	}
	// Without sources the system chooses, as before.
	if NewSources(nil) != nil || (&Options{}).Sources.pick() != nil {
		t.Error("no sources should leave the choice to the system")
	}
}
