package s2s

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
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
}

// errNoAddress is a domain that publishes no server-to-server service.
var errNoAddress = errors.New("no address")

// addrs lists where domain's server may be reached (RFC 6120 §3.2): the
// operator's override, else the SRV records of _xmpp-server._tcp in the
// resolver's order (priority, then weight), else the domain itself on
// 5269, which the dialer resolves to A and AAAA records.
func (s *Server) addrs(ctx context.Context, domain string) ([]string, error) {
	if a, ok := s.cfg.Hosts[domain]; ok {
		return []string{a}, nil
	}
	r := s.cfg.Resolver
	if r == nil {
		r = net.DefaultResolver
	}
	_, srvs, err := r.LookupSRV(ctx, "xmpp-server", "tcp", domain)
	if err == nil && len(srvs) > 0 {
		if len(srvs) == 1 && srvs[0].Target == "." {
			// RFC 6120 §3.2.1 step 3: the domain offers no XMPP service.
			return nil, fmt.Errorf("%w: the SRV record of %s says it offers no server-to-server service", errNoAddress, domain)
		}
		out := make([]string, 0, len(srvs))
		for _, srv := range srvs {
			out = append(out, net.JoinHostPort(strings.TrimSuffix(srv.Target, "."), strconv.Itoa(int(srv.Port))))
		}
		return out, nil
	}
	return []string{net.JoinHostPort(domain, "5269")}, nil
}

// connect opens a stream to domain's server and secures it with
// STARTTLS when the peer offers it (required unless configured not to).
// The context bounds the whole set-up.
func (s *Server) connect(ctx context.Context, local, domain string) (*peer, error) {
	addrs, err := s.addrs(ctx, domain)
	if err != nil {
		return nil, err
	}
	var d net.Dialer
	var nc net.Conn
	var errs []error
	for _, a := range addrs {
		if nc, err = d.DialContext(ctx, "tcp", a); err == nil {
			break
		}
		errs = append(errs, err)
	}
	if nc == nil {
		return nil, fmt.Errorf("connecting to %s: %w", domain, errors.Join(errs...))
	}
	if dl, ok := ctx.Deadline(); ok {
		nc.SetDeadline(dl)
	}
	p := &peer{local: local, domain: domain, nc: nc, dec: stream.NewDecoder(nc, s.cfg.Limits)}
	if err := s.open(p); err != nil {
		nc.Close()
		return nil, err
	}
	switch {
	case p.feat.startTLS:
		err = s.startTLS(p)
	case s.cfg.TLSRequired:
		err = fmt.Errorf("%s does not offer STARTTLS, which s2s.tls_required requires", domain)
	}
	if err != nil {
		nc.Close()
		return nil, err
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

// startTLS runs STARTTLS as the initiating entity. The peer's
// certificate is checked here but not yet held against it: whether a bad
// one is fatal depends on whether dialback may make up for it.
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
	tc := tls.Client(p.nc, &tls.Config{
		MinVersion:         tls.VersionTLS12,
		ServerName:         p.domain,
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
	return s.open(p)
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
