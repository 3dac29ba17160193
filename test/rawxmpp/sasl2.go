package rawxmpp

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"

	"github.com/beevik/etree"
	"github.com/xdg-go/scram"
)

// NSSASL2 is XEP-0388's namespace.
const NSSASL2 = "urn:xmpp:sasl:2"

// SCRAM2 runs SCRAM-SHA-256 through XEP-0388 <authenticate/>, with inline
// (elements the client adds: user agent, bind, FAST …), after the
// features have been read. It returns the <success/>, whose server
// signature it has checked, or an error carrying the <failure/>.
func (c *Client) SCRAM2(user, password, inline string) (*etree.Element, error) {
	client, err := scram.SHA256.NewClient(user, password, "")
	if err != nil {
		return nil, err
	}
	conv := client.NewConversation()
	first, err := conv.Step("")
	if err != nil {
		return nil, err
	}
	if err := c.Sendf("<authenticate xmlns='%s' mechanism='SCRAM-SHA-256'><initial-response>%s</initial-response>%s</authenticate>",
		NSSASL2, base64.StdEncoding.EncodeToString([]byte(first)), inline); err != nil {
		return nil, err
	}
	ch, err := c.Next()
	if err != nil {
		return nil, err
	}
	if ch.Tag != "challenge" {
		return nil, fmt.Errorf("expected challenge, got %s", Describe(ch))
	}
	in, err := base64.StdEncoding.DecodeString(ch.Text())
	if err != nil {
		return nil, err
	}
	final, err := conv.Step(string(in))
	if err != nil {
		return nil, err
	}
	if err := c.Sendf("<response xmlns='%s'>%s</response>", NSSASL2, base64.StdEncoding.EncodeToString([]byte(final))); err != nil {
		return nil, err
	}
	el, err := c.Next()
	if err != nil {
		return nil, err
	}
	if el.Tag != "success" {
		return nil, fmt.Errorf("authentication failed: %s", Describe(el))
	}
	ad := el.SelectElement("additional-data")
	if ad == nil {
		return nil, fmt.Errorf("no additional-data in %s", Describe(el))
	}
	data, err := base64.StdEncoding.DecodeString(ad.Text())
	if err != nil {
		return nil, err
	}
	if _, err := conv.Step(string(data)); err != nil {
		return nil, fmt.Errorf("verifying the server signature: %w", err)
	}
	return el, nil
}

// FAST authenticates with a XEP-0484 token by mechanism (cb is its
// channel binding data, nil for -NONE), with inline added. It returns
// the server's answer, <success/> (whose responder proof it has checked)
// or <failure/>.
func (c *Client) FAST(mechanism, user, token string, cb []byte, inline string) (*etree.Element, error) {
	proof := HTProof(token, "Initiator", cb)
	resp := base64.StdEncoding.EncodeToString(append([]byte(user+"\x00"), proof...))
	if err := c.Sendf("<authenticate xmlns='%s' mechanism='%s'><initial-response>%s</initial-response>%s</authenticate>",
		NSSASL2, mechanism, resp, inline); err != nil {
		return nil, err
	}
	el, err := c.Next()
	if err != nil || el.Tag != "success" {
		return el, err
	}
	ad := el.SelectElement("additional-data")
	if ad == nil {
		return nil, fmt.Errorf("no additional-data in %s", Describe(el))
	}
	got, err := base64.StdEncoding.DecodeString(ad.Text())
	if err != nil {
		return nil, err
	}
	if !hmac.Equal(got, HTProof(token, "Responder", cb)) {
		return nil, fmt.Errorf("wrong responder proof in %s", Describe(el))
	}
	return el, nil
}

// HTProof is the HT mechanisms' HMAC-SHA-256 keyed with the token over
// the role and the channel binding data (draft-schmaus-kitten-sasl-ht).
func HTProof(token, role string, cb []byte) []byte {
	mac := hmac.New(sha256.New, []byte(token))
	mac.Write([]byte(role))
	mac.Write(cb)
	return mac.Sum(nil)
}
