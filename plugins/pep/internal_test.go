package pep

import (
	"testing"

	"github.com/switchboard-xmpp/switchboard/sdk"
)

// Settled reports whether the plugin knows the interests of the session
// full and has no background work left (a capability query and the
// deliveries that follow it): a test waits for it after SessionAvailable.
func (p *PEP) Settled(full string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	acc := p.accounts[bareOf(full)]
	if acc == nil {
		return false
	}
	s := acc.sessions[full]
	return s != nil && s.notify != nil && p.inflight.Load() == 0
}

// The complex example of XEP-0115 §5.3, as a client answers it: the
// identities' xml:lang and the extended form count.
func TestVerifiesXEP0115Example(t *testing.T) {
	iq, err := sdk.UnmarshalElement([]byte(`<iq type='result' from='benvolio@capulet.lit/230193' id='disco1'>
  <query xmlns='http://jabber.org/protocol/disco#info' node='http://psi-im.org#q07IKJEyjvHSyhy//CH0CxmKi8w='>
    <identity xml:lang='en' category='client' name='Psi 0.11' type='pc'/>
    <identity xml:lang='el' category='client' name='Ψ 0.11' type='pc'/>
    <feature var='http://jabber.org/protocol/caps'/>
    <feature var='http://jabber.org/protocol/disco#info'/>
    <feature var='http://jabber.org/protocol/disco#items'/>
    <feature var='http://jabber.org/protocol/muc'/>
    <x xmlns='jabber:x:data' type='result'>
      <field var='FORM_TYPE' type='hidden'><value>urn:xmpp:dataforms:softwareinfo</value></field>
      <field var='ip_version' type='text-multi'><value>ipv4</value><value>ipv6</value></field>
      <field var='os'><value>Mac</value></field>
      <field var='os_version'><value>10.5.1</value></field>
      <field var='software'><value>Psi</value></field>
      <field var='software_version'><value>0.11</value></field>
    </x>
  </query>
</iq>`))
	if err != nil {
		t.Fatal(err)
	}
	d := parseInfo(iq)
	if !d.verifies("q07IKJEyjvHSyhy//CH0CxmKi8w=") {
		t.Error("the XEP's example does not verify")
	}
	d.features = append(d.features, "http://jabber.org/protocol/muc")
	if d.verifies("q07IKJEyjvHSyhy//CH0CxmKi8w=") {
		t.Error("an answer listing a feature twice verifies")
	}
}

// Idle reports whether no background work is running.
func (p *PEP) Idle() bool { return p.inflight.Load() == 0 }
