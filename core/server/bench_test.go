package server

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-xmpp/switchboard/test/rawxmpp"
)

// BenchmarkMessagePath sends messages from one client to another through
// the whole server over loopback TLS: client write, TLS, stream reader,
// router, outbox, TLS, client read. The sender keeps a window of messages
// in flight, as a chatty client would.
func BenchmarkMessagePath(b *testing.B) {
	s := startB(b)
	alice, _, err := rawLogin(s, "alice", "a")
	if err != nil {
		b.Fatal(err)
	}
	defer alice.Conn.Close()
	bob, _, err := rawLogin(s, "bob", "b")
	if err != nil {
		b.Fatal(err)
	}
	defer bob.Conn.Close()

	msg := []byte("<message to='bob@localhost/b' type='chat'><body>" + strings.Repeat("x", 128) + "</body></message>")
	const window = 64
	batch := bytes.Repeat(msg, window)
	received := make(chan int, 1024)
	go func() {
		buf := make([]byte, 64<<10)
		marker := []byte("</message>")
		var carry []byte
		for {
			bob.Conn.SetReadDeadline(time.Now().Add(10 * time.Second))
			n, err := bob.Conn.Read(buf)
			if err != nil {
				close(received)
				return
			}
			data := append(carry, buf[:n]...)
			c := bytes.Count(data, marker)
			if i := bytes.LastIndex(data, marker); i >= 0 {
				carry = append(carry[:0], data[i+len(marker):]...)
			} else {
				carry = append(carry[:0], data...)
			}
			if c > 0 {
				received <- c
			}
		}
	}()
	b.SetBytes(int64(len(msg)))
	b.ResetTimer()
	sent, got := 0, 0
	for got < b.N {
		for sent < b.N && sent-got < 4*window {
			k := min(window, b.N-sent)
			if _, err := alice.Conn.Write(batch[:k*len(msg)]); err != nil {
				b.Fatal(err)
			}
			sent += k
		}
		c, ok := <-received
		if !ok {
			b.Fatalf("receiver stopped after %d of %d messages", got, b.N)
		}
		got += c
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkIQRoundTrip times one IQ from a client and its answer, handled
// by a plugin process (echo, over go-plugin gRPC) and, for comparison, by
// the core itself (the legacy session IQ). The difference is what the
// process boundary costs per request.
func BenchmarkIQRoundTrip(b *testing.B) {
	exe, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	s := startBWith(b, Options{Builtins: []string{"echo"}, Executable: exe})
	c, _, err := rawLogin(s, "alice", "a")
	if err != nil {
		b.Fatal(err)
	}
	defer c.Conn.Close()
	for _, bc := range []struct{ name, iq string }{
		{"plugin", "<iq type='get' to='localhost' id='%d'><q xmlns='" + nsEcho + "'/></iq>"},
		{"core", "<iq type='set' id='%d'><session xmlns='urn:ietf:params:xml:ns:xmpp-session'/></iq>"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				c.Sendf(bc.iq, i)
				el, err := c.Next()
				if err != nil {
					b.Fatal(err)
				}
				if el.SelectAttrValue("type", "") != "result" {
					b.Fatalf("answer: %s", rawxmpp.Describe(el))
				}
			}
		})
	}
}
