package c2s

import (
	"github.com/switchboard-xmpp/switchboard/core/sasl"
	"github.com/switchboard-xmpp/switchboard/core/stream"
)

// feature is one stream feature, offered when the stream's state has every
// bit of needs and none of forbids, and its own check (if any) agrees.
type feature struct {
	name    string
	needs   state
	forbids state
	offer   func(c *Conn) bool
	append  func(dst []byte, c *Conn) []byte
}

const (
	nsChannelBinding = "urn:xmpp:sasl-cb:0"                 // XEP-0440
	nsCSI            = "urn:xmpp:csi:0"                     // XEP-0352
	nsAuthFeature    = "http://jabber.org/features/iq-auth" // XEP-0078
)

// FeatureNamespaces are the namespaces of the stream features the core
// offers itself. A plugin may offer none in them: a second <mechanisms/>
// or <bind/> would be a plugin speaking for the core.
func FeatureNamespaces() []string {
	return []string{stream.NSTLS, stream.NSSASL, nsSASL2, nsAuthFeature, nsChannelBinding, stream.NSBind, nsSM, nsCSI, stream.NSSession}
}

func coreFeatures() []feature {
	return []feature{
		{
			name:    "starttls",
			forbids: stateSecure | stateAuthenticated,
			offer:   func(c *Conn) bool { return c.srv.cfg.TLS != nil },
			append: func(dst []byte, c *Conn) []byte {
				if c.srv.cfg.TLSRequired {
					return append(dst, "<starttls xmlns='"+stream.NSTLS+"'><required/></starttls>"...)
				}
				return append(dst, "<starttls xmlns='"+stream.NSTLS+"'/>"...)
			},
		},
		{
			name:    "mechanisms",
			forbids: stateAuthenticated,
			offer:   func(c *Conn) bool { return c.saslAllowed() && len(c.mechanisms()) > 0 },
			append:  appendMechanisms,
		},
		{
			name:    "authentication",
			forbids: stateAuthenticated,
			offer:   func(c *Conn) bool { return c.saslAllowed() && len(c.mechanisms())+len(c.fastMechanisms()) > 0 },
			append:  appendAuthentication,
		},
		{
			// XEP-0078, for the clients that still look for it.
			name:    "auth",
			forbids: stateAuthenticated,
			offer:   func(c *Conn) bool { return c.saslAllowed() },
			append: func(dst []byte, _ *Conn) []byte {
				return append(dst, "<auth xmlns='"+nsAuthFeature+"'/>"...)
			},
		},
		{
			name:    "sasl-channel-binding",
			needs:   stateSecure,
			forbids: stateAuthenticated,
			offer:   func(c *Conn) bool { return c.saslAllowed() },
			append: func(dst []byte, c *Conn) []byte {
				dst = append(dst, "<sasl-channel-binding xmlns='"+nsChannelBinding+"'>"...)
				for _, t := range sasl.ChannelBindingTypes(c.saslState()) {
					dst = append(dst, "<channel-binding type='"...)
					dst = append(dst, t...)
					dst = append(dst, "'/>"...)
				}
				return append(dst, "</sasl-channel-binding>"...)
			},
		},
		{
			name:    "bind",
			needs:   stateAuthenticated,
			forbids: stateBound,
			append: func(dst []byte, _ *Conn) []byte {
				return append(dst, "<bind xmlns='"+stream.NSBind+"'/>"...)
			},
		},
		{
			// Not once on: Bind2 or a resumption inside SASL2 turned it
			// on before the features that follow <success/>.
			name:  "sm",
			needs: stateAuthenticated,
			offer: func(c *Conn) bool { return c.ep == nil || c.ep.sm == nil },
			append: func(dst []byte, _ *Conn) []byte {
				return append(dst, "<sm xmlns='"+nsSM+"'/>"...)
			},
		},
		{
			name:  "csi",
			needs: stateAuthenticated,
			append: func(dst []byte, _ *Conn) []byte {
				return append(dst, "<csi xmlns='"+nsCSI+"'/>"...)
			},
		},
		{
			// RFC 3921's session establishment, kept for clients such as
			// the seed's Psi+; RFC 6121 made it optional.
			name:  "session",
			needs: stateAuthenticated,
			append: func(dst []byte, _ *Conn) []byte {
				return append(dst, "<session xmlns='"+stream.NSSession+"'><optional/></session>"...)
			},
		},
	}
}

func appendMechanisms(dst []byte, c *Conn) []byte {
	dst = append(dst, "<mechanisms xmlns='"+stream.NSSASL+"'>"...)
	for _, m := range c.mechanisms() {
		dst = append(dst, "<mechanism>"...)
		dst = append(dst, m.Name()...)
		dst = append(dst, "</mechanism>"...)
	}
	return append(dst, "</mechanisms>"...)
}

// appendAuthentication offers XEP-0388 SASL2 with the same mechanisms as
// SASL, and what may be done inline: Bind2 (with carbons, stream
// management and CSI), FAST, and stream resumption.
func appendAuthentication(dst []byte, c *Conn) []byte {
	dst = append(dst, "<authentication xmlns='"+nsSASL2+"'>"...)
	for _, m := range c.mechanisms() {
		dst = append(dst, "<mechanism>"...)
		dst = append(dst, m.Name()...)
		dst = append(dst, "</mechanism>"...)
	}
	dst = append(dst, "<inline><bind xmlns='"+nsBind2+"'><inline>"...)
	if c.srv.carbonsOffered() {
		dst = append(dst, "<feature var='"+nsCarbons+"'/>"...)
	}
	dst = append(dst, "<feature var='"+nsCSI+"'/><feature var='"+nsSM+"'/></inline></bind>"...)
	if fast := c.fastMechanisms(); len(fast) > 0 {
		dst = append(dst, "<fast xmlns='"+nsFAST+"'>"...)
		for _, m := range fast {
			dst = append(dst, "<mechanism>"...)
			dst = append(dst, m.Name()...)
			dst = append(dst, "</mechanism>"...)
		}
		dst = append(dst, "</fast>"...)
	}
	if c.srv.cfg.ResumeTimeout > 0 {
		dst = append(dst, "<sm xmlns='"+nsSM+"'/>"...)
	}
	return append(dst, "</inline></authentication>"...)
}

// saslAllowed reports whether SASL may start: when TLS is required, only
// once the stream is encrypted.
func (c *Conn) saslAllowed() bool {
	return c.state&stateSecure != 0 || !c.srv.cfg.TLSRequired || c.srv.cfg.TLS == nil
}

func (c *Conn) appendFeatures(dst []byte) []byte {
	dst = append(dst, "<stream:features>"...)
	for i := range c.srv.features {
		f := &c.srv.features[i]
		if c.state&f.needs != f.needs || c.state&f.forbids != 0 {
			continue
		}
		if f.offer != nil && !f.offer(c) {
			continue
		}
		dst = f.append(dst, c)
	}
	if ext := c.srv.cfg.Extensions; ext != nil && c.saslAllowed() {
		for _, f := range ext.StreamFeatures(c.state&stateAuthenticated != 0) {
			dst = append(dst, f...)
		}
	}
	return append(dst, "</stream:features>"...)
}
