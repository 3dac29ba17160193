package main

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/switchboard-xmpp/switchboard/loadgen"
)

// TestRelayCarriesTheMessagesScenario drives the relay with the tool's
// relay mode, over TLS and plain TCP, and expects every message through.
func TestRelayCarriesTheMessagesScenario(t *testing.T) {
	for _, useTLS := range []bool{true, false} {
		ln, err := listen("127.0.0.1:0", useTLS)
		if err != nil {
			t.Fatal(err)
		}
		go newRelay().serve(ln)
		t.Cleanup(func() { ln.Close() })

		cfg := loadgen.Default()
		cfg.Addr, cfg.Relay, cfg.DirectTLS = ln.Addr().String(), true, useTLS
		cfg.Users, cfg.Pairs, cfg.Count, cfg.Window, cfg.Grace = 6, 3, 100, 5, 3*time.Second
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		res, err := loadgen.NewRunner(cfg).Run(ctx, "messages")
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		t.Log(res.Summary())
		if !res.Pass || res.Messages.Delivered != 600 || res.Messages.Lost != 0 {
			t.Errorf("tls=%v: pass=%v delivery=%+v errors=%q", useTLS, res.Pass, res.Messages, res.ErrorReasons)
		}
	}
}

// TestRelayDropsAConnectionWithoutPairingLine checks that a stray client
// is closed rather than paired with anything.
func TestRelayDropsAConnectionWithoutPairingLine(t *testing.T) {
	ln, err := listen("127.0.0.1:0", false)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go newRelay().serve(ln)
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write([]byte("HELLO\n")); err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if n, err := c.Read(make([]byte, 1)); err == nil {
		t.Fatalf("read %d bytes from an unpaired connection, want it closed", n)
	}
}
