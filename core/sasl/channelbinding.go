package sasl

import (
	"crypto/sha256"
	"crypto/sha512"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"hash"

	"github.com/xdg-go/scram"
)

// Channel binding types (RFC 9266, RFC 5929).
const (
	TLSExporter       = "tls-exporter"
	TLSServerEndPoint = "tls-server-end-point"
	TLSUnique         = "tls-unique"
)

// ChannelBindingTypes returns the channel binding types this connection
// supports, preferred first, for XEP-0440 advertisement:
//   - tls-exporter on TLS 1.3 (RFC 9266 defines it for TLS 1.2 only with
//     extended master secret, which we cannot see);
//   - tls-server-end-point on any TLS connection whose certificate has a
//     hash RFC 5929 can use;
//   - tls-unique on TLS 1.2, the type RFC 5802 makes every server implement
//     and the only one older clients know. TLS 1.3 does not define it (RFC
//     8446 §C.5), and crypto/tls withholds it from a resumed session
//     without extended master secret, where the triple handshake attack
//     could give two connections the same value.
//
// nil without TLS.
func ChannelBindingTypes(cs ConnState) []string {
	if cs.TLS == nil {
		return nil
	}
	var types []string
	if cs.TLS.Version >= tls.VersionTLS13 {
		types = append(types, TLSExporter)
	}
	if _, err := endPointHash(cs.ServerCert); err == nil {
		types = append(types, TLSServerEndPoint)
	}
	if cs.TLS.Version < tls.VersionTLS13 && len(cs.TLS.TLSUnique) > 0 {
		types = append(types, TLSUnique)
	}
	return types
}

// channelBinding computes the binding data of one type for this connection.
func channelBinding(cs ConnState, typ string) (scram.ChannelBinding, error) {
	if cs.TLS == nil {
		return scram.ChannelBinding{}, errors.New("connection is not encrypted")
	}
	switch typ {
	case TLSExporter:
		if cs.TLS.Version < tls.VersionTLS13 {
			return scram.ChannelBinding{}, errors.New("tls-exporter needs TLS 1.3")
		}
		return scram.NewTLSExporterBinding(cs.TLS)
	case TLSServerEndPoint:
		// Not scram.NewTLSServerEndpointBinding: it hashes the peer's
		// certificate, which on our side is the client's (or none).
		sum, err := endPointHash(cs.ServerCert)
		if err != nil {
			return scram.ChannelBinding{}, err
		}
		return scram.ChannelBinding{Type: scram.ChannelBindingTLSServerEndpoint, Data: sum}, nil
	case TLSUnique:
		if cs.TLS.Version >= tls.VersionTLS13 {
			return scram.ChannelBinding{}, errors.New("tls-unique is not defined for TLS 1.3")
		}
		if len(cs.TLS.TLSUnique) == 0 {
			return scram.ChannelBinding{}, errors.New("no tls-unique value for a session resumed without extended master secret")
		}
		return scram.NewTLSUniqueBinding(cs.TLS.TLSUnique), nil
	default:
		return scram.ChannelBinding{}, fmt.Errorf("unsupported channel binding type %q", typ)
	}
}

// preferredBinding is the binding a -PLUS variant would use on this
// connection; ok is false when none is available.
func preferredBinding(cs ConnState) (cb scram.ChannelBinding, ok bool) {
	for _, typ := range ChannelBindingTypes(cs) {
		if cb, err := channelBinding(cs, typ); err == nil {
			return cb, true
		}
	}
	return scram.ChannelBinding{}, false
}

// endPointHash is the tls-server-end-point value of RFC 5929 §4.1: the
// certificate hashed with its signature's hash function, with MD5 and SHA-1
// upgraded to SHA-256.
func endPointHash(cert *x509.Certificate) ([]byte, error) {
	if cert == nil {
		return nil, errors.New("no server certificate")
	}
	var h hash.Hash
	switch cert.SignatureAlgorithm {
	case x509.MD5WithRSA, x509.SHA1WithRSA, x509.DSAWithSHA1, x509.ECDSAWithSHA1,
		x509.SHA256WithRSA, x509.SHA256WithRSAPSS, x509.DSAWithSHA256, x509.ECDSAWithSHA256:
		h = sha256.New()
	case x509.SHA384WithRSA, x509.SHA384WithRSAPSS, x509.ECDSAWithSHA384:
		h = sha512.New384()
	case x509.SHA512WithRSA, x509.SHA512WithRSAPSS, x509.ECDSAWithSHA512:
		h = sha512.New()
	default:
		// Ed25519 signs without a separate hash, for which RFC 5929 leaves
		// the binding undefined.
		return nil, fmt.Errorf("no tls-server-end-point hash for signature algorithm %v", cert.SignatureAlgorithm)
	}
	h.Write(cert.Raw)
	return h.Sum(nil), nil
}
