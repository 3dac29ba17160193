package c2s

import "testing"

// TestLastUnackedMessage: what a session that starts waiting for
// resumption reports to push is the newest message with something to
// read that the client may never have received: not a chat state, not a
// copy of its own message, not an archive result, nothing acknowledged.
func TestLastUnackedMessage(t *testing.T) {
	s := &smState{}
	for _, b := range []string{
		"<message from='romeo@localhost/r' type='chat' id='acked'><body>old</body></message>",
		"<message from='romeo@localhost/r' type='chat' id='want'><body>new</body></message>",
		"<message from='romeo@localhost/r' type='chat' id='state'><composing xmlns='http://jabber.org/protocol/chatstates'/></message>",
		"<message from='alice@localhost' type='chat' id='sent'><sent xmlns='urn:xmpp:carbons:2'><forwarded xmlns='urn:xmpp:forward:0'><message xmlns='jabber:client'><body>mine</body></message></forwarded></sent></message>",
		"<message from='alice@localhost' id='mam'><result xmlns='urn:xmpp:mam:2' id='1'><forwarded xmlns='urn:xmpp:forward:0'><message xmlns='jabber:client'><body>old</body></message></forwarded></result></message>",
		"<message from='news@localhost' type='headline' id='news'><body>news</body></message>",
		"<presence from='romeo@localhost/r'/>",
	} {
		s.enqueue([]byte(b), false, 0)
	}
	if got := attrValue(s.lastUnackedMessage(), "id"); got != "want" {
		t.Errorf("reported %q, want the message 'want'", got)
	}
	s.ack(2)
	if got := s.lastUnackedMessage(); got != nil {
		t.Errorf("with the messages acknowledged, reported %s", got)
	}
}
