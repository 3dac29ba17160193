// Command relay is the physical-limit line for `switchboard bench
// messages`: a TLS server that pairs connections and copies bytes between
// them without looking at the XML, so that a benchmark can tell what an
// XMPP server costs on top of accepting, decrypting and re-encrypting the
// same bytes.
//
// Pairing: each connection's first line is "PAIR <token>\n"; the second
// connection with the same token is joined to the first, and from then on
// each one's bytes go to the other. `switchboard bench messages --relay`
// opens two connections per pair and then writes exactly the bytes it
// would write to an XMPP server once logged in.
//
//	go run ./bench/relay --listen 127.0.0.1:5299 &
//	switchboard bench messages --relay --tls --addr 127.0.0.1:5299 --pairs 50
package main

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"flag"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"strings"
	"sync"
	"time"
)

func main() {
	addr := flag.String("listen", "127.0.0.1:5299", "address to listen on")
	plain := flag.Bool("plain", false, "plain TCP instead of TLS (then drive it without --tls)")
	flag.Parse()
	ln, err := listen(*addr, !*plain)
	if err != nil {
		log.Fatal(err)
	}
	log.Printf("relay listening on %s (tls %v)", ln.Addr(), !*plain)
	log.Fatal(newRelay().serve(ln))
}

// listen opens the listener, wrapped in TLS with a fresh self-signed
// ECDSA P-256 certificate: the same kind of key Switchboard generates, so
// that the handshakes cost the same.
func listen(addr string, useTLS bool) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil || !useTLS {
		return ln, err
	}
	cert, err := selfSigned()
	if err != nil {
		ln.Close()
		return nil, err
	}
	return tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}}), nil
}

func selfSigned() (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("generating a key: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "relay"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		DNSNames:     []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("creating a certificate: %w", err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}

// relay holds the first connection of each pair until its partner comes.
type relay struct {
	mu      sync.Mutex
	waiting map[string]*half
}

// half is a connection and the reader that has consumed its pairing line
// (and may hold bytes after it).
type half struct {
	conn net.Conn
	r    *bufio.Reader
}

func newRelay() *relay { return &relay{waiting: make(map[string]*half)} }

func (r *relay) serve(ln net.Listener) error {
	for {
		c, err := ln.Accept()
		if err != nil {
			return err
		}
		go r.pair(c)
	}
}

func (r *relay) pair(c net.Conn) {
	h := &half{conn: c, r: bufio.NewReaderSize(c, 64<<10)}
	c.SetReadDeadline(time.Now().Add(30 * time.Second))
	line, err := h.r.ReadString('\n')
	token, ok := strings.CutPrefix(strings.TrimSpace(line), "PAIR ")
	if err != nil || !ok || token == "" {
		c.Close()
		return
	}
	c.SetReadDeadline(time.Time{})
	r.mu.Lock()
	peer := r.waiting[token]
	if peer == nil {
		r.waiting[token] = h
	} else {
		delete(r.waiting, token)
	}
	r.mu.Unlock()
	if peer != nil {
		go pipe(peer.conn, h)
		go pipe(h.conn, peer)
	}
}

// pipe copies src's bytes to dst until either side ends, then closes both.
// The bufio.Reader hands over what it already holds, then reads up to
// 64 KiB at a time, so bursts are forwarded in few records.
func pipe(dst net.Conn, src *half) {
	// The copy ends when either side goes away, which is how every pair
	// ends; there is no one to report that to.
	io.Copy(dst, src.r)
	dst.Close()
	src.conn.Close()
}
