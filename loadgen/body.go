package loadgen

import (
	"bytes"

	"github.com/switchboard-xmpp/switchboard/core/stream"
)

// A message body carries, in fixed-width lowercase hex, the run's id (so
// that a message left over from an earlier run, say delivered from
// offline storage, is not mistaken for one of ours), a sequence number
// (for losses and duplicates) and the send time in nanoseconds since the
// run's epoch (for end-to-end latency), padded with 'x' to --size bytes:
//
//	rrrrrrrr ssssssss tttttttttttttttt xxxx…
const (
	runDigits   = 8
	seqDigits   = 8
	tsDigits    = 16
	seqOff      = runDigits + 1
	tsOff       = seqOff + seqDigits + 1
	minBodySize = tsOff + tsDigits
)

// template is one sender's message stanza, allocated once and patched in
// place for each message.
type template struct {
	raw  []byte
	body int // offset of the body text in raw
}

func newTemplate(to, typ string, run uint32, size int) template {
	raw := []byte("<message to='")
	raw = stream.AppendEscapedAttr(raw, to)
	raw = append(raw, "' type='"...)
	raw = append(raw, typ...)
	raw = append(raw, "'><body>"...)
	body := len(raw)
	raw = append(raw, bytes.Repeat([]byte{'x'}, size)...)
	raw = append(raw, "</body></message>"...)
	b := raw[body:]
	putHex(b[:runDigits], uint64(run))
	b[runDigits], b[seqOff+seqDigits] = ' ', ' '
	if size > minBodySize {
		b[minBodySize] = ' '
	}
	return template{raw: raw, body: body}
}

// stamp sets the sequence number and timestamp of the next message.
func (t *template) stamp(seq uint32, ts int64) {
	b := t.raw[t.body:]
	putHex(b[seqOff:seqOff+seqDigits], uint64(seq))
	putHex(b[tsOff:tsOff+tsDigits], uint64(ts))
}

const hexDigits = "0123456789abcdef"

// putHex writes v into all of dst, most significant digit first.
func putHex(dst []byte, v uint64) {
	for i := len(dst) - 1; i >= 0; i-- {
		dst[i] = hexDigits[v&0xf]
		v >>= 4
	}
}

// parseHex reads fixed-width lowercase hex; ok is false on anything else.
func parseHex(src []byte) (v uint64, ok bool) {
	for _, c := range src {
		switch {
		case '0' <= c && c <= '9':
			v = v<<4 | uint64(c-'0')
		case 'a' <= c && c <= 'f':
			v = v<<4 | uint64(c-'a'+10)
		default:
			return 0, false
		}
	}
	return v, true
}

// decodeBody finds the body in a message's raw bytes and reads the fields
// back. It looks at bytes, not a tree: it runs for every message received.
func decodeBody(raw []byte) (run, seq uint32, ts int64, ok bool) {
	i := bytes.Index(raw, []byte("<body"))
	if i < 0 {
		return 0, 0, 0, false
	}
	j := bytes.IndexByte(raw[i:], '>')
	if j < 0 || len(raw) < i+j+1+minBodySize {
		return 0, 0, 0, false
	}
	b := raw[i+j+1:]
	r, ok1 := parseHex(b[:runDigits])
	q, ok2 := parseHex(b[seqOff : seqOff+seqDigits])
	t, ok3 := parseHex(b[tsOff : tsOff+tsDigits])
	if !ok1 || !ok2 || !ok3 || b[runDigits] != ' ' || b[seqOff+seqDigits] != ' ' {
		return 0, 0, 0, false
	}
	return uint32(r), uint32(q), int64(t), true
}
