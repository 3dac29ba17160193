package vcard

import (
	"context"
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"strings"

	"github.com/beevik/etree"

	"github.com/switchboard-xmpp/switchboard/sdk/stanza"
)

// avatarRequest and avatarResponse are the JSON payloads of the
// avatar_hash method:
//
//	→ {"jid": "juliet@example.org"}
//	← {"hash": "01b87fcd030b72895ff8e88db57ec525450f000d"}
//
// The hash is what XEP-0153 §4.1 puts in the <photo/> of
// <x xmlns='vcard-temp:x:update'/>: the hex SHA-1 of the image, decoded
// from the vCard's PHOTO/BINVAL. It is "" when the account has no avatar
// (no vCard, no PHOTO, or a BINVAL that is not base64), which XEP-0153
// advertises as an empty <photo/>.
type avatarRequest struct {
	JID string `json:"jid"`
}

type avatarResponse struct {
	Hash string `json:"hash"`
}

// avatarHash serves the avatar_hash method, for the presence plugin.
func (v *VCard) avatarHash(ctx context.Context, _ string, payload []byte) ([]byte, error) {
	var req avatarRequest
	if err := json.Unmarshal(payload, &req); err != nil || req.JID == "" {
		return nil, stanza.Errorf(stanza.BadRequest, `avatar_hash takes {"jid": "<bare JID>"}`)
	}
	host, _ := v.settings.Current()
	card, err := store{host.Store(bareOf(req.JID))}.load(ctx)
	if err != nil {
		return nil, err
	}
	return json.Marshal(avatarResponse{Hash: photoHash(card)})
}

// photoHash returns the hex SHA-1 of the vCard's decoded PHOTO/BINVAL, or
// "" when there is none. Clients wrap base64 in lines, so whitespace is
// dropped before decoding.
func photoHash(card *etree.Element) string {
	if card == nil {
		return ""
	}
	bin := card.FindElement("PHOTO/BINVAL")
	if bin == nil {
		return ""
	}
	data, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(bin.Text()), ""))
	if err != nil || len(data) == 0 {
		return ""
	}
	sum := sha1.Sum(data)
	return hex.EncodeToString(sum[:])
}
