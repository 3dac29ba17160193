package e2e

import (
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/test/rawxmpp"
)

// BenchmarkReconnect is what a mobile client's reconnection costs: the
// classic way (TLS, SCRAM-SHA-256, stream restart, then bind or
// XEP-0198 resumption) against SASL2 with a FAST token and Bind2 or
// resumption inline, against the real server and its plugins. It
// reports the round trips the client waits for (a turn from writing to
// reading on the TCP connection, the TLS handshake included) and the
// core process's CPU time per reconnection, read from /proc, so that the
// client's own work (SCRAM's PBKDF2) is not counted.
//
//	go test ./test/e2e -run '^$' -bench Reconnect -benchtime 200x
func BenchmarkReconnect(b *testing.B) {
	srv := crowdServer(b, "")
	register(b, srv, "alice")
	for _, direct := range []bool{false, true} {
		how := "starttls"
		if direct {
			how = "directtls"
		}
		b.Run(how+"/sasl+bind", func(b *testing.B) {
			measureReconnects(b, srv, direct, func(c *rawxmpp.Client) error {
				if err := c.AuthSCRAM("localhost", "alice", "pw", false); err != nil {
					return err
				}
				_, err := c.Bind("")
				return err
			})
		})
		b.Run(how+"/sasl+resume", func(b *testing.B) {
			s := newSession(b, srv)
			measureReconnects(b, srv, direct, func(c *rawxmpp.Client) error {
				if err := c.AuthSCRAM("localhost", "alice", "pw", false); err != nil {
					return err
				}
				if _, err := c.Expect(rawxmpp.Is("features")); err != nil {
					return err
				}
				c.Sendf("<resume xmlns='urn:xmpp:sm:3' previd='%s' h='0'/>", s.previd)
				el, err := c.Next()
				if err == nil && el.Tag != "resumed" {
					err = fmt.Errorf("resumption failed: %s", rawxmpp.Describe(el))
				}
				return err
			})
		})
		b.Run(how+"/fast+bind2", func(b *testing.B) {
			s := newSession(b, srv)
			measureReconnects(b, srv, direct, func(c *rawxmpp.Client) error {
				_, err := s.fast(c, "<bind xmlns='urn:xmpp:bind:0'><tag>bench</tag></bind>", "bound")
				return err
			})
		})
		b.Run(how+"/fast+resume", func(b *testing.B) {
			s := newSession(b, srv)
			measureReconnects(b, srv, direct, func(c *rawxmpp.Client) error {
				_, err := s.fast(c, "<resume xmlns='urn:xmpp:sm:3' previd='"+s.previd+"' h='0'/>", "resumed")
				return err
			})
		})
	}
}

// session is a resumable session with a FAST token, made by a SASL2
// login with Bind2.
type session struct {
	token, previd string
}

const benchAgent = "<user-agent id='bench-agent'/>"

func newSession(b *testing.B, srv *server) *session {
	b.Helper()
	c, err := rawxmpp.Dial(srv.starttls)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Conn.Close()
	c.OpenStream("localhost")
	if err := c.StartTLS("localhost"); err != nil {
		b.Fatal(err)
	}
	if _, err := c.Expect(rawxmpp.Is("features")); err != nil {
		b.Fatal(err)
	}
	ok, err := c.SCRAM2("alice", "pw", benchAgent+"<request-token xmlns='urn:xmpp:fast:0' mechanism='HT-SHA-256-NONE'/>"+
		"<bind xmlns='urn:xmpp:bind:0'><tag>bench</tag><enable xmlns='urn:xmpp:sm:3' resume='true'/></bind>")
	if err != nil {
		b.Fatal(err)
	}
	return &session{token: ok.SelectElement("token").SelectAttrValue("token", ""), previd: ok.FindElement("bound/enabled").SelectAttrValue("id", "")}
}

// fast logs in with the token and inline, and wants want in <success/>.
func (s *session) fast(c *rawxmpp.Client, inline, want string) (*etree.Element, error) {
	if _, err := c.Expect(rawxmpp.Is("features")); err != nil {
		return nil, err
	}
	el, err := c.FAST("HT-SHA-256-NONE", "alice", s.token, nil, benchAgent+inline)
	if err == nil && (el.Tag != "success" || el.SelectElement(want) == nil) {
		err = fmt.Errorf("no %s: %s", want, rawxmpp.Describe(el))
	}
	return el, err
}

// measureReconnects runs b.N connections that each open a stream over
// direct TLS (XEP-0368) or with STARTTLS, then login, and reports round
// trips and server CPU.
func measureReconnects(b *testing.B, srv *server, direct bool, login func(*rawxmpp.Client) error) {
	b.Helper()
	pid := srv.cmd.Process.Pid
	var turns int
	cpu0 := cpuTicks(b, pid)
	start := time.Now()
	for b.Loop() {
		addr := srv.starttls
		if direct {
			addr = srv.direct
		}
		raw, err := net.Dial("tcp", addr)
		if err != nil {
			b.Fatal(err)
		}
		tc := &turnCounter{Conn: raw}
		c := rawxmpp.New(tc)
		if direct {
			err = c.UpgradeTLS("localhost")
		}
		if err == nil {
			err = c.OpenStream("localhost")
		}
		if err == nil && !direct {
			err = c.StartTLS("localhost")
		}
		if err != nil {
			b.Fatal(err)
		}
		if err := login(c); err != nil {
			b.Fatal(err)
		}
		turns += tc.turns
		c.Conn.Close()
	}
	elapsed := time.Since(start)
	cpu := cpuTicks(b, pid) - cpu0
	b.ReportMetric(float64(turns)/float64(b.N), "round_trips/op")
	b.ReportMetric(float64(cpu)*1e6/clockTicks/float64(b.N), "server_cpu_µs/op")
	b.ReportMetric(float64(elapsed.Microseconds())/float64(b.N), "wall_µs/op")
}

// turnCounter counts the times the client turns from writing to reading:
// each is a round trip it waits for.
type turnCounter struct {
	net.Conn
	wrote bool
	turns int
}

func (t *turnCounter) Write(p []byte) (int, error) {
	t.wrote = true
	return t.Conn.Write(p)
}

func (t *turnCounter) Read(p []byte) (int, error) {
	if t.wrote {
		t.wrote = false
		t.turns++
	}
	return t.Conn.Read(p)
}

// clockTicks is USER_HZ, the unit of /proc/PID/stat's times on Linux.
const clockTicks = 100

// cpuTicks is the user and system time of the server process, from
// /proc/PID/stat; the plugin processes' share (events about sessions) is
// not in it.
func cpuTicks(b *testing.B, pid int) int64 {
	b.Helper()
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		b.Fatal(err)
	}
	// Fields after the command, which is in parentheses and may hold spaces.
	fields := strings.Fields(string(raw[strings.LastIndexByte(string(raw), ')')+2:]))
	var sum int64
	for _, i := range []int{11, 12} { // utime, stime: fields 14 and 15
		n, err := strconv.ParseInt(fields[i], 10, 64)
		if err != nil {
			b.Fatal(err)
		}
		sum += n
	}
	return sum
}
