package pluginv1

import "github.com/switchboard-xmpp/switchboard/sdk/stanza"

// StanzaErrorToProto converts a stanza error to its wire form, the same
// for the core and the sdk. The type is always spelled out so that a
// reader in another language needs no table of default types. By has no
// wire field: the core knows who answered.
func StanzaErrorToProto(e *stanza.Error) *StanzaError {
	p := &StanzaError{
		Type:         string(e.ErrorType()),
		Condition:    string(e.Condition),
		Text:         e.Text,
		AppNamespace: e.AppSpace,
		AppLocal:     e.AppLocal,
	}
	for _, a := range e.AppAttrs {
		p.AppAttrs = append(p.AppAttrs, &StanzaErrorAttr{Name: a.Name, Value: a.Value})
	}
	for _, c := range e.AppChildren {
		p.AppChildren = append(p.AppChildren, &StanzaErrorChild{Name: c.Name, Text: c.Text})
	}
	return p
}

// StanzaErrorFromProto converts a wire stanza error back.
func StanzaErrorFromProto(p *StanzaError) *stanza.Error {
	e := &stanza.Error{
		Type:      stanza.ErrorType(p.GetType()),
		Condition: stanza.Condition(p.GetCondition()),
		Text:      p.GetText(),
		AppSpace:  p.GetAppNamespace(),
		AppLocal:  p.GetAppLocal(),
	}
	for _, a := range p.GetAppAttrs() {
		e.AppAttrs = append(e.AppAttrs, stanza.Attr{Name: a.GetName(), Value: a.GetValue()})
	}
	for _, c := range p.GetAppChildren() {
		e.AppChildren = append(e.AppChildren, stanza.Child{Name: c.GetName(), Text: c.GetText()})
	}
	return e
}
