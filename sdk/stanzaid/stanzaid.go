// Package stanzaid makes and reads the stanza-ids (XEP-0359) the core gives
// archived messages. An id carries the moment it was made, so that an
// archive can find a message from its id alone, without an index by id
// beside every message: the core makes ids with a Generator, and an
// archiving plugin reads the time back with Time.
//
// An id is 13 characters of the time in Unix nanoseconds in lowercase
// base32hex (RFC 4648 §7, which sorts like the number it encodes), '-', and
// a suffix random per Generator, so that two server processes never make the
// same id even if the clock steps back between them. A Generator's times are
// strictly increasing, so its ids sort in the order they were made.
package stanzaid

import (
	"crypto/rand"
	"sync/atomic"
	"time"
)

// alphabet is base32hex in lowercase: digits before letters, so that the
// byte order of two encodings of the same width is the order of the numbers.
const alphabet = "0123456789abcdefghijklmnopqrstuv"

// timeWidth is the characters of the time: 64 bits in 5-bit digits.
const timeWidth = 13

// suffixWidth is the characters of the random suffix: 40 bits.
const suffixWidth = 8

// Generator makes ids. Safe for concurrent use.
type Generator struct {
	suffix string
	last   atomic.Int64
}

// NewGenerator returns a Generator with a fresh random suffix.
func NewGenerator() *Generator {
	b := make([]byte, suffixWidth)
	rand.Read(b) // never fails (crypto/rand's contract since Go 1.24)
	for i := range b {
		b[i] = alphabet[b[i]&31]
	}
	return &Generator{suffix: string(b)}
}

// Next returns a new id and the time it carries: now, or one nanosecond past
// the last id's when two come in the same nanosecond or the clock stepped
// back.
func (g *Generator) Next(now time.Time) (string, int64) {
	n := now.UnixNano()
	for {
		last := g.last.Load()
		next := max(n, last+1)
		if g.last.CompareAndSwap(last, next) {
			return Format(next, g.suffix), next
		}
	}
}

// Format builds the id of time nanos with a suffix.
func Format(nanos int64, suffix string) string {
	b := make([]byte, timeWidth+1, timeWidth+1+len(suffix))
	u := uint64(nanos)
	for i := timeWidth - 1; i >= 0; i-- {
		b[i] = alphabet[u&31]
		u >>= 5
	}
	b[timeWidth] = '-'
	return string(append(b, suffix...))
}

// Time is the time in Unix nanoseconds an id made by a Generator carries;
// ok is false for any other string, such as an id from before ids carried
// their time, or one a client made up.
func Time(id string) (nanos int64, ok bool) {
	if len(id) <= timeWidth+1 || id[timeWidth] != '-' {
		return 0, false
	}
	var u uint64
	for i := range timeWidth {
		d := digit(id[i])
		if d < 0 || (i == 0 && d > 15) {
			return 0, false
		}
		u = u<<5 | uint64(d)
	}
	if int64(u) < 0 {
		return 0, false
	}
	return int64(u), true
}

func digit(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'v':
		return int(c-'a') + 10
	}
	return -1
}
