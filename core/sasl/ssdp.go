package sasl

import (
	"crypto/hmac"
	"encoding/base64"
	"errors"
	"slices"
	"strings"

	"github.com/xdg-go/scram"
)

// downgradeHash is XEP-0474's d= attribute: the hash, with the SCRAM
// variant's function, of the mechanisms offered and the channel-binding
// types (XEP-0440), each list sorted and joined with 0x1E, the two joined
// with 0x1F. A client that saw other lists in the features (someone
// struck the -PLUS names or the bindings out) finds a different hash in a
// message its proof signs.
func downgradeHash(h scram.HashGeneratorFcn, mechanisms, bindings []string) string {
	b := strings.Join(slices.Sorted(slices.Values(mechanisms)), "\x1e")
	if len(bindings) > 0 {
		b += "\x1f" + strings.Join(slices.Sorted(slices.Values(bindings)), "\x1e")
	}
	sum := h()
	sum.Write([]byte(b))
	return base64.StdEncoding.EncodeToString(sum.Sum(nil))
}

// scramProof checks the client-final-message against a server-first-message
// that carries the d= attribute. xdg-go's conversation signs the message
// it wrote, without d=, so its final step cannot be used; this is that
// step (RFC 5802 §3) over the message that went out.
type scramProof struct {
	hash      scram.HashGeneratorFcn
	gs2Header string // the client's, up to the client-first-message-bare
	c1b       string // client-first-message-bare
	s1        string // the server-first-message as sent
	nonce     string
	cbData    []byte // the channel binding data, with 'p'
	creds     scram.StoredCredentials
}

// newSCRAMProof keeps what the final step needs; c1 was accepted by
// xdg-go's first step, so it has its gs2 header.
func newSCRAMProof(h scram.HashGeneratorFcn, c1, s1 string, cbData []byte, creds scram.StoredCredentials) *scramProof {
	i := strings.IndexByte(c1, ',')
	j := i + 1 + strings.IndexByte(c1[i+1:], ',')
	nonce, _, _ := strings.Cut(strings.TrimPrefix(s1, "r="), ",")
	p := &scramProof{hash: h, gs2Header: c1[:j+1], c1b: c1[j+1:], s1: s1, nonce: nonce, creds: creds}
	if strings.HasPrefix(c1, "p=") {
		p.cbData = cbData
	}
	return p
}

// verify returns the server-final-message, or as xdg-go does the error
// to send (scram.Err…) or "" for a malformed message, with the cause.
func (p *scramProof) verify(c2 string) (string, error) {
	fields := strings.Split(c2, ",")
	if len(fields) < 3 || !strings.HasPrefix(fields[0], "c=") || !strings.HasPrefix(fields[1], "r=") || !strings.HasPrefix(fields[len(fields)-1], "p=") {
		return "", errors.New("malformed client-final-message")
	}
	cbind, err1 := base64.StdEncoding.DecodeString(fields[0][2:])
	proof, err2 := base64.StdEncoding.DecodeString(fields[len(fields)-1][2:])
	if err := errors.Join(err1, err2); err != nil {
		return "", err
	}
	if !hmac.Equal(cbind, append([]byte(p.gs2Header), p.cbData...)) {
		return scram.ErrChannelBindingsDontMatch, errors.New("channel binding mismatch")
	}
	if fields[1][2:] != p.nonce {
		return scram.ErrOtherError, errors.New("nonce received did not match nonce sent")
	}
	authMsg := p.c1b + "," + p.s1 + "," + c2[:strings.LastIndexByte(c2, ',')]
	mac := hmac.New(p.hash, p.creds.StoredKey)
	mac.Write([]byte(authMsg))
	clientSig := mac.Sum(nil)
	if len(proof) != len(clientSig) {
		return scram.ErrOtherError, errors.New("proof of the wrong length")
	}
	for i := range proof {
		proof[i] ^= clientSig[i]
	}
	stored := p.hash()
	stored.Write(proof)
	if !hmac.Equal(stored.Sum(nil), p.creds.StoredKey) {
		return scram.ErrInvalidProof, errors.New("challenge proof invalid")
	}
	mac = hmac.New(p.hash, p.creds.ServerKey)
	mac.Write([]byte(authMsg))
	return "v=" + base64.StdEncoding.EncodeToString(mac.Sum(nil)), nil
}
