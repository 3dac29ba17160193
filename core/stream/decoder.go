package stream

import (
	"errors"
	"fmt"
	"io"
)

// The read buffer adapts: an idle stream keeps idleBufferSize bytes (it
// blocks in Read, which needs a buffer, all its life); a read that fills
// the buffer means more is waiting, and the buffer grows to busyBufferSize
// for the next one; an element longer than the buffer grows it further, up
// to the stanza limit. After calmReads reads that did not fill it, it goes
// back to idleBufferSize.
const (
	idleBufferSize = 512
	busyBufferSize = 4096
	calmReads      = 8
)

type mode uint8

const (
	modeHeader mode = iota // expecting the XML declaration and stream header
	modeStanza             // between or inside top-level elements
	modeClosed             // the closing tag has been read
)

// Decoder reads one XMPP stream: its header, then top-level elements. It is
// not safe for concurrent use; one goroutine reads each connection.
type Decoder struct {
	rd     io.Reader
	limits Limits

	buf   []byte
	r, w  int // buf[r:w] is read but not consumed
	p     int // scan position
	start int // offset in buf of the element or header being scanned
	end   int // scan bound for this pass: min(w, start+limit)

	calm     int  // consecutive reads that did not fill the buffer
	wantMore bool // the last read filled the buffer

	mode mode
	err  error // protocol error; the stream is dead after one
	rerr error // read error held back until the bytes read with it are scanned

	scanState

	header Header
	hdr    headerScope
	elem   Element
	tags   []openTag  // start tags of the open elements of the current stanza
	attrs  []attrSpan // attributes of the start tag being scanned
	ns     []binding  // namespace declarations in scope inside the stanza
	atoms  map[string]string
	tmp    []byte // scratch for unescaping namespace URIs
}

// NewDecoder returns a Decoder reading from r that expects a stream header
// first.
func NewDecoder(r io.Reader, lim Limits) *Decoder {
	d := &Decoder{
		rd:     r,
		limits: lim.withDefaults(),
		buf:    make([]byte, idleBufferSize),
	}
	d.beginHeader()
	return d
}

// Reset switches to a new reader (after STARTTLS) and discards any buffered
// bytes; the next call must be ReadHeader.
func (d *Decoder) Reset(r io.Reader) {
	d.rd = r
	d.r, d.w, d.p = 0, 0, 0
	d.rerr = nil
	d.beginHeader()
}

// Restart keeps buffered bytes (a client may pipeline) but expects a new
// stream header next (after SASL success).
func (d *Decoder) Restart() {
	d.beginHeader()
}

// SetLimits replaces the limits, e.g. bigger stanzas after authentication.
// Zero fields take their defaults.
func (d *Decoder) SetLimits(lim Limits) {
	d.limits = lim.withDefaults()
}

// Buffered returns the number of bytes read from the reader but not yet
// consumed by a returned header or element.
func (d *Decoder) Buffered() int {
	return d.w - d.r
}

// BufferedIsSpace reports whether the bytes read but not yet consumed, if
// any, are all XML whitespace: what may come between elements, and carries
// nothing.
func (d *Decoder) BufferedIsSpace() bool {
	for _, c := range d.buf[d.r:d.w] {
		if !isSpace(c) {
			return false
		}
	}
	return true
}

// ReadHeader skips leading whitespace and an optional XML declaration (only
// UTF-8 is accepted), then reads the <stream:stream ...> start tag. Called
// while a stream is open it starts a new one, as Restart would.
func (d *Decoder) ReadHeader() (Header, error) {
	if d.err != nil {
		return Header{}, d.err
	}
	if d.mode != modeHeader {
		d.beginHeader()
	}
	if err := d.run(); err != nil {
		return Header{}, err
	}
	return d.header, nil
}

// Next returns the next complete top-level element (stanza or nonza).
// Whitespace between elements (keepalives) is skipped. At the stream's
// closing tag it returns io.EOF; if the input ends inside an element or
// without the closing tag, the error wraps io.ErrUnexpectedEOF. Protocol
// violations return *Error, after which the Decoder keeps returning the same
// error. Other read errors are wrapped and are not final: after a deadline
// error, Next can be called again and resumes where it stopped.
//
// The returned Element and its Raw bytes are valid only until the next call
// to Next, ReadHeader or Reset.
func (d *Decoder) Next() (*Element, error) {
	switch {
	case d.err != nil:
		return nil, d.err
	case d.mode == modeClosed:
		return nil, io.EOF
	case d.mode == modeHeader:
		return nil, errors.New("reading stream: Next called before ReadHeader")
	}
	if err := d.run(); err != nil {
		return nil, err
	}
	return &d.elem, nil
}

// run scans and reads until the header or an element is complete.
func (d *Decoder) run() error {
	for {
		done, err := d.scan()
		if err != nil {
			var serr *Error
			if errors.As(err, &serr) {
				d.err = err
			}
			return err
		}
		if done {
			return nil
		}
		if err := d.fill(); err != nil {
			return err
		}
	}
}

func (d *Decoder) beginHeader() {
	d.mode = modeHeader
	d.err = nil
	d.start, d.p = d.r, d.r
	d.scanState = scanState{}
	d.tags = d.tags[:0]
	d.ns = d.ns[:0]
}

// limit is the most bytes the current header or element may take.
func (d *Decoder) limit() int {
	if d.mode == modeHeader {
		return d.limits.MaxHeaderBytes
	}
	return d.limits.MaxStanzaBytes
}

// fill reads more input, first making room by dropping consumed bytes and,
// if the pending element fills the whole buffer, growing it up to the limit.
func (d *Decoder) fill() error {
	if err := d.rerr; err != nil {
		d.rerr = nil
		return d.readError(err)
	}
	d.compact()
	switch {
	case d.w == len(d.buf):
		// The element being scanned does not fit.
		size := min(2*len(d.buf), max(d.limit(), busyBufferSize))
		if size <= len(d.buf) {
			// The scanner stops at the limit, so this means a bug, not input.
			return errPolicy("buffer full")
		}
		d.resize(size)
	case d.wantMore && len(d.buf) < busyBufferSize:
		d.resize(busyBufferSize)
	}
	for range 100 {
		n, err := d.rd.Read(d.buf[d.w:])
		d.w += n
		if n > 0 {
			d.wantMore = d.w == len(d.buf)
			if d.wantMore {
				d.calm = 0
			} else {
				d.calm++
			}
			d.rerr = err
			return nil
		}
		if err != nil {
			return d.readError(err)
		}
	}
	return fmt.Errorf("reading stream: %w", io.ErrNoProgress)
}

// resize moves the unconsumed bytes (compacted at the front) into a new
// buffer of size bytes.
func (d *Decoder) resize(size int) {
	buf := make([]byte, size)
	copy(buf, d.buf[:d.w])
	d.buf = buf
}

// compact moves the unconsumed bytes to the front of the buffer, and
// shrinks a grown buffer once the stream has been calm for a while, so
// that idle connections stay small.
func (d *Decoder) compact() {
	pending := d.w - d.r
	if d.calm >= calmReads && len(d.buf) > idleBufferSize && pending <= idleBufferSize/2 {
		d.calm = 0
		buf := make([]byte, idleBufferSize)
		copy(buf, d.buf[d.r:d.w])
		d.buf = buf
	} else if d.r > 0 {
		copy(d.buf, d.buf[d.r:d.w])
	}
	d.p -= d.r
	d.start -= d.r
	d.w = pending
	d.r = 0
}

func (d *Decoder) readError(err error) error {
	if !errors.Is(err, io.EOF) {
		return fmt.Errorf("reading stream: %w", err)
	}
	d.rerr = err // the reader will not produce more; keep saying so
	switch {
	case d.mode == modeHeader && d.p == d.start && d.w == d.p:
		return fmt.Errorf("reading stream header: %w", io.EOF)
	case d.mode == modeStanza && d.st == stTop:
		return fmt.Errorf("reading stream: closed without %s: %w", Close, io.ErrUnexpectedEOF)
	}
	return fmt.Errorf("reading stream: %w", io.ErrUnexpectedEOF)
}
