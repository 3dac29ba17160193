package server

import (
	"context"
	"encoding/base64"
	"flag"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/switchboard-xmpp/switchboard/core/config"
	"github.com/switchboard-xmpp/switchboard/test/rawxmpp"
)

var guessFor = flag.Duration("guess.for", 20*time.Second, "how long BenchmarkPasswordGuessing attacks")

// BenchmarkPasswordGuessing plays an attacker who sends wrong passwords as
// fast as the server lets it, over as many connections as the per-address
// limits allow, and reports how many passwords the server tested. It is a
// measurement run by hand, with the server's default limits except that
// loopback is not trusted (docs/SECURITY.md has the figures):
//
//	go test ./core/server -run '^$' -bench PasswordGuessing -benchtime 1x -guess.for 60s
//
// An impatient attacker closes a connection when no answer came within
// 100 ms and takes the silence for "wrong"; a patient one waits for the
// answer, as it must when silence proves nothing.
func BenchmarkPasswordGuessing(b *testing.B) {
	for _, bc := range []struct {
		name    string
		addrs   int
		spray   bool // each guess at another account
		patient bool
	}{
		{"one account/1 address/impatient", 1, false, false},
		{"one account/1 address/patient", 1, false, true},
		{"one account/11 addresses/impatient", 11, false, false},
		{"one account/11 addresses/patient", 11, false, true},
		{"many accounts/1 address/impatient", 1, true, false},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				tested := attack(b, bc.addrs, bc.spray, bc.patient)
				b.ReportMetric(float64(tested), "tested")
				b.ReportMetric(float64(tested)/guessFor.Seconds(), "tested/s")
			}
		})
	}
}

// attack runs one attack for -guess.for and returns the number of
// passwords the server tested.
func attack(b *testing.B, addrs int, spray, patient bool) int {
	cfg := config.Default()
	cfg.DataDir = b.TempDir()
	cfg.Listen.C2S = "127.0.0.1:0"
	cfg.Listen.C2STLS = ""
	cfg.Listen.WebSocket = ""
	cfg.Limits.TrustedNetworks = nil
	s := startServerB(b, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), *guessFor)
	defer cancel()
	const workersPerAddr = 20 // the default burst of new connections
	var seq atomic.Int64
	var wg sync.WaitGroup
	for a := 0; a < addrs; a++ {
		src := fmt.Sprintf("127.0.0.%d", a+2)
		for w := 0; w < workersPerAddr; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for ctx.Err() == nil {
					n := seq.Add(1)
					user := "alice"
					if spray {
						user = fmt.Sprintf("user%d", n)
					}
					if !guessOnce(ctx, s.starttls, src, user, fmt.Sprintf("guess-%d", n), patient) {
						select {
						case <-ctx.Done():
						case <-time.After(100 * time.Millisecond):
						}
					}
				}
			}()
		}
	}
	wg.Wait()
	if !spray {
		return s.authLimits.AccountFailures("alice@localhost")
	}
	tested := 0
	for n := int64(1); n <= seq.Load(); n++ {
		tested += s.authLimits.AccountFailures(fmt.Sprintf("user%d", n))
	}
	return tested
}

// guessOnce sends one password on a new connection; false when the
// connection was refused.
func guessOnce(ctx context.Context, addr, src, user, password string, patient bool) bool {
	c, err := rawxmpp.DialFrom(src, addr)
	if err != nil {
		return false
	}
	defer c.Conn.Close()
	defer context.AfterFunc(ctx, func() { c.Conn.Close() })()
	if err := c.OpenStream(domain); err != nil {
		return false
	}
	if err := c.StartTLS(domain); err != nil {
		return false
	}
	if _, err := c.Expect(rawxmpp.Is("features")); err != nil {
		return false
	}
	msg := base64.StdEncoding.EncodeToString([]byte("\x00" + user + "\x00" + password))
	c.Sendf("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>%s</auth>", msg)
	c.Timeout = 100 * time.Millisecond
	if patient {
		c.Timeout = time.Minute
	}
	c.Next()
	return true
}

func startServerB(b *testing.B, cfg *config.Config) *testServer {
	b.Helper()
	ctx := context.Background()
	s, err := New(ctx, cfg, Options{}, hclog.NewNullLogger())
	if err != nil {
		b.Fatal(err)
	}
	if err := s.Start(ctx); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Shutdown(context.Background()) })
	if err := s.Accounts().Create(ctx, domain, "alice", "secret"); err != nil {
		b.Fatal(err)
	}
	return &testServer{Server: s, starttls: s.Addrs()[0].String()}
}
