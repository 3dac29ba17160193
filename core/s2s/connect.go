package s2s

import (
	"cmp"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/switchboard-xmpp/switchboard/core/stream"
)

// peer is a stream this server opened to another server, secured as far
// as both allow, not yet authenticated.
type peer struct {
	local  string // the hosted domain this server speaks as
	domain string
	nc     net.Conn
	dec    *stream.Decoder
	id     string   // the stream id the peer gave
	feat   features // the features it offers now
	secure bool
	// certErr says why the peer's certificate does not prove its
	// domain; nil when it does.
	certErr error
	// bidi: this server asked for the stream to be bidirectional
	// (XEP-0288), so the peer's stanzas come back on it.
	bidi bool

	wmu sync.Mutex // writes once the stream is established
}

// write sends b within timeout; once the stream is established both its
// writer and its reader (for stream errors) write.
func (p *peer) write(b []byte, timeout time.Duration) error {
	p.wmu.Lock()
	defer p.wmu.Unlock()
	p.nc.SetWriteDeadline(time.Now().Add(timeout))
	_, err := p.nc.Write(b)
	return err
}

// errNoAddress is a domain that publishes no server-to-server service.
var errNoAddress = errors.New("no address")

// alpnServer is the ALPN protocol of direct TLS server-to-server
// connections (XEP-0368 §4).
const alpnServer = "xmpp-server"

// directTLSPrefix marks an s2s.hosts address that speaks TLS from the
// start (XEP-0368) instead of STARTTLS.
const directTLSPrefix = "tls://"

// target is one address where a domain's server may be reached.
type target struct {
	addr      string
	directTLS bool // TLS before the stream (XEP-0368), not STARTTLS
}

// targets lists where domain's server may be reached (RFC 6120 §3.2,
// XEP-0368 §3): the operator's override, else the SRV records of
// _xmpps-server._tcp (direct TLS) and _xmpp-server._tcp merged by
// priority, direct TLS first among equals, each lookup's weight order
// kept; else the domain itself on 5269, which the dialer resolves to A
// and AAAA records.
func (s *Server) targets(ctx context.Context, domain string) ([]target, error) {
	if a, ok := s.cfg.Hosts[domain]; ok {
		if rest, ok := strings.CutPrefix(a, directTLSPrefix); ok {
			return []target{{addr: rest, directTLS: true}}, nil
		}
		return []target{{addr: a}}, nil
	}
	r := s.cfg.Resolver
	if r == nil {
		r = net.DefaultResolver
	}
	lookup := func(service string) ([]*net.SRV, bool) {
		_, srvs, err := r.LookupSRV(ctx, service, "tcp", domain)
		if err != nil {
			return nil, false
		}
		// RFC 6120 §3.2.1 step 3: "." alone says no service here.
		if len(srvs) == 1 && srvs[0].Target == "." {
			return nil, true
		}
		return srvs, false
	}
	direct, noDirect := lookup("xmpps-server")
	starttls, noStarttls := lookup("xmpp-server")
	out := mergeSRV(direct, starttls)
	switch {
	case len(out) > 0:
		return out, nil
	case noDirect || noStarttls:
		return nil, fmt.Errorf("%w: the SRV records of %s say it offers no server-to-server service", errNoAddress, domain)
	}
	return []target{{addr: net.JoinHostPort(domain, "5269")}}, nil
}

// mergeSRV merges the records of _xmpps-server (direct) and
// _xmpp-server (starttls), each in the resolver's order (priority, then
// weight), into one list by priority, direct TLS first among equals
// (XEP-0368 §3).
func mergeSRV(direct, starttls []*net.SRV) []target {
	type found struct {
		target
		priority uint16
	}
	all := make([]found, 0, len(direct)+len(starttls))
	for _, l := range []struct {
		srvs      []*net.SRV
		directTLS bool
	}{{direct, true}, {starttls, false}} {
		for _, srv := range l.srvs {
			all = append(all, found{target{
				addr:      net.JoinHostPort(strings.TrimSuffix(srv.Target, "."), strconv.Itoa(int(srv.Port))),
				directTLS: l.directTLS,
			}, srv.Priority})
		}
	}
	slices.SortStableFunc(all, func(a, b found) int { return cmp.Compare(a.priority, b.priority) })
	out := make([]target, len(all))
	for i, f := range all {
		out[i] = f.target
	}
	return out
}

// connect opens a stream to domain's server and secures it: with TLS
// from the start at a direct TLS address, else with STARTTLS when the
// peer offers it (required unless configured not to). The context
// bounds the whole set-up; each address is tried in turn.
func (s *Server) connect(ctx context.Context, local, domain string) (*peer, error) {
	targets, err := s.targets(ctx, domain)
	if err != nil {
		return nil, err
	}
	var errs []error
	for _, t := range targets {
		p, err := s.connectTo(ctx, local, domain, t)
		if err == nil {
			return p, nil
		}
		errs = append(errs, err)
		if ctx.Err() != nil {
			break
		}
	}
	return nil, fmt.Errorf("connecting to %s: %w", domain, errors.Join(errs...))
}

func (s *Server) connectTo(ctx context.Context, local, domain string, t target) (*peer, error) {
	var d net.Dialer
	nc, err := d.DialContext(ctx, "tcp", t.addr)
	if err != nil {
		return nil, err
	}
	if dl, ok := ctx.Deadline(); ok {
		nc.SetDeadline(dl)
	}
	p := &peer{local: local, domain: domain, nc: nc, dec: stream.NewDecoder(nc, s.cfg.Limits)}
	if t.directTLS {
		err = s.handshake(p, []string{alpnServer})
	}
	if err == nil {
		err = s.open(p)
	}
	if err == nil && !p.secure {
		switch {
		case p.feat.startTLS:
			err = s.startTLS(p)
		case s.cfg.TLSRequired:
			err = fmt.Errorf("%s does not offer STARTTLS, which s2s.tls_required requires", domain)
		}
	}
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("%s: %w", t.addr, err)
	}
	return p, nil
}

// open sends the stream header and reads the peer's header and features.
func (s *Server) open(p *peer) error {
	if _, err := p.nc.Write(appendHeader(nil, p.local, p.domain, "")); err != nil {
		return fmt.Errorf("opening a stream to %s: %w", p.domain, err)
	}
	h, err := p.dec.ReadHeader()
	if err != nil {
		return fmt.Errorf("reading %s's stream header: %w", p.domain, err)
	}
	if h.DefaultNS != NS {
		return fmt.Errorf("%s answered with a stream in %q, not %s", p.domain, h.DefaultNS, NS)
	}
	p.id = h.ID
	el, err := p.dec.Next()
	if err != nil {
		return fmt.Errorf("reading %s's stream features: %w", p.domain, err)
	}
	if el.Name != (stream.Name{Space: stream.NSStream, Local: "features"}) {
		return fmt.Errorf("%s sent <%s/> instead of stream features", p.domain, el.Name.Local)
	}
	if p.feat, err = parseFeatures(el); err != nil {
		return fmt.Errorf("reading %s's stream features: %w", p.domain, err)
	}
	return nil
}

// startTLS runs STARTTLS as the initiating entity.
func (s *Server) startTLS(p *peer) error {
	if _, err := p.nc.Write([]byte("<starttls xmlns='" + stream.NSTLS + "'/>")); err != nil {
		return fmt.Errorf("starting TLS with %s: %w", p.domain, err)
	}
	el, err := p.dec.Next()
	if err != nil {
		return fmt.Errorf("starting TLS with %s: %w", p.domain, err)
	}
	if el.Name != (stream.Name{Space: stream.NSTLS, Local: "proceed"}) {
		return fmt.Errorf("%s refused STARTTLS", p.domain)
	}
	if err := s.handshake(p, nil); err != nil {
		return err
	}
	return s.open(p)
}

// handshake runs TLS as the client on p's connection, after STARTTLS or
// at a direct TLS address. The peer's certificate is checked here but
// not yet held against it: whether a bad one is fatal depends on whether
// dialback may make up for it.
func (s *Server) handshake(p *peer, alpn []string) error {
	tc := tls.Client(p.nc, &tls.Config{
		MinVersion:         tls.VersionTLS12,
		ServerName:         p.domain,
		NextProtos:         alpn,
		InsecureSkipVerify: true, // checked below, by verifyPeer
		GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
			return s.cfg.Certificate(p.local), nil
		},
		VerifyConnection: func(cs tls.ConnectionState) error {
			p.certErr = s.verifyPeer(cs.PeerCertificates, p.domain, x509.ExtKeyUsageServerAuth)
			return nil
		},
	})
	if err := tc.Handshake(); err != nil {
		return fmt.Errorf("TLS handshake with %s: %w", p.domain, err)
	}
	p.nc, p.secure = tc, true
	p.dec.Reset(tc)
	return nil
}

// verifyPeer checks a peer's certificate for domain (RFC 6125: a DNS-ID
// matching the domain, a wildcard only as the whole left-most label),
// against the configured or system roots.
func (s *Server) verifyPeer(chain []*x509.Certificate, domain string, usage x509.ExtKeyUsage) error {
	if len(chain) == 0 {
		return errors.New("no certificate presented")
	}
	opts := x509.VerifyOptions{
		Roots:         s.cfg.Roots,
		DNSName:       domain,
		Intermediates: x509.NewCertPool(),
		CurrentTime:   time.Now(),
		KeyUsages:     []x509.ExtKeyUsage{usage},
	}
	for _, c := range chain[1:] {
		opts.Intermediates.AddCert(c)
	}
	if _, err := chain[0].Verify(opts); err != nil {
		return err
	}
	return nil
}
