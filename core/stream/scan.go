package stream

type state uint8

const (
	stTop          state = iota // between elements: whitespace or '<'
	stLt                        // after '<'
	stBang                      // after "<!": only "[CDATA[" may follow
	stPITarget                  // after "<?" before the header: only "xml " may follow
	stDeclEnd                   // after '?' in the XML declaration
	stStartName                 // element name in a start tag
	stTagSpace                  // inside a start tag, between attributes
	stAttrName                  // attribute name
	stAttrEq                    // between attribute name and '='
	stAttrQuote                 // between '=' and the opening quote
	stAttrValue                 // inside a quoted attribute value
	stEmptyEnd                  // after '/' in a start tag
	stEndName                   // element name in an end tag
	stEndSpace                  // after the name in an end tag
	stText                      // character data
	stTextBrackets              // after ']' in character data, watching for "]]>"
	stCDATA                     // inside a CDATA section
	stRef                       // after '&'
	stEntityName                // inside "&name;"
	stCharRefStart              // after "&#"
	stCharRef                   // digits of a character reference
)

// scanState is everything the scanner must remember between reads. Offsets
// are relative to Decoder.start so that compacting the buffer moves nothing.
type scanState struct {
	st       state
	ret      state // state to return to after a reference
	depth    int   // open elements of the current stanza
	tok      int   // start of the current name or attribute value
	ref      int   // start of the current entity name
	tokLen   int   // length of the end tag name
	colon    int   // colon in the current name, -1 if none
	quote    byte  // quote of the current attribute value
	spaced   bool  // whitespace since the element name or last attribute
	amp      bool  // the current attribute value holds a reference
	match    int   // progress through a literal ("[CDATA[", "xml")
	brackets int   // consecutive ']' seen
	refHex   bool
	refVal   int
	refLen   int
	declSeen bool // the XML declaration has been read
	inDecl   bool // the start tag being scanned is the XML declaration
}

type step uint8

const (
	stepNext  step = iota // state changed, keep going
	stepInput             // the buffered bytes are exhausted
	stepDone              // the header or an element is complete
)

// scan runs the state machine over the buffered bytes. It reports whether
// the header or an element is complete; false means it needs more input.
func (d *Decoder) scan() (bool, error) {
	for {
		inside := d.st != stTop || d.mode == modeHeader
		d.end = d.w
		limit := d.limit()
		if inside && d.start+limit < d.end {
			d.end = d.start + limit
		}
		s, err := d.step()
		if err != nil {
			return false, err
		}
		switch s {
		case stepDone:
			return true, nil
		case stepInput:
			if inside && d.end == d.start+limit {
				if d.mode == modeHeader {
					return false, errPolicy("stream header too large")
				}
				return false, errPolicy("stanza too large")
			}
			return false, nil
		}
	}
}

func (d *Decoder) step() (step, error) {
	switch d.st {
	case stTop:
		return d.scanTop()
	case stLt:
		return d.scanLt()
	case stBang:
		return d.scanBang()
	case stPITarget:
		return d.scanPITarget()
	case stDeclEnd:
		return d.scanDeclEnd()
	case stStartName:
		return d.scanStartName()
	case stTagSpace:
		return d.scanTagSpace()
	case stAttrName:
		return d.scanAttrName()
	case stAttrEq:
		return d.scanAttrEq()
	case stAttrQuote:
		return d.scanAttrQuote()
	case stAttrValue:
		return d.scanAttrValue()
	case stEmptyEnd:
		return d.scanEmptyEnd()
	case stEndName:
		return d.scanEndName()
	case stEndSpace:
		return d.scanEndSpace()
	case stText:
		return d.scanText()
	case stTextBrackets:
		return d.scanTextBrackets()
	case stCDATA:
		return d.scanCDATA()
	case stRef:
		return d.scanRef()
	case stEntityName:
		return d.scanEntityName()
	case stCharRefStart:
		return d.scanCharRefStart()
	case stCharRef:
		return d.scanCharRef()
	}
	return stepNext, errNotWellFormed("internal scanner state")
}

func (d *Decoder) scanTop() (step, error) {
	buf := d.buf[:d.end]
	p := d.p
	for p < len(buf) && charClass[buf[p]]&cSpace != 0 {
		p++
	}
	d.p = p
	if d.mode == modeStanza {
		d.r = p // keepalive whitespace is consumed as it arrives
	}
	if p == len(buf) {
		return stepInput, nil
	}
	if buf[p] != '<' {
		if d.mode == modeStanza {
			return stepNext, &Error{Condition: CondBadFormat, Text: "character data between elements"}
		}
		return stepNext, errNotWellFormed("character data before the stream header")
	}
	if d.mode == modeStanza {
		d.start = p
		d.elem.reset()
	}
	d.p = p + 1
	d.st = stLt
	return stepNext, nil
}

func (d *Decoder) scanLt() (step, error) {
	if d.p == d.end {
		return stepInput, nil
	}
	switch d.buf[d.p] {
	case '/':
		if d.mode == modeHeader {
			return stepNext, errNotWellFormed("end tag before the stream header")
		}
		if d.depth == 1 {
			d.elem.endOff = d.p - 1 - d.start
		}
		d.p++
		d.beginName(stEndName)
	case '!':
		if d.mode == modeHeader {
			return stepNext, errRestricted("DTDs are not allowed")
		}
		d.p++
		d.match = 0
		d.st = stBang
	case '?':
		if d.mode != modeHeader || d.declSeen {
			return stepNext, errRestricted("processing instructions are not allowed")
		}
		d.p++
		d.match = 0
		d.st = stPITarget
	default:
		d.beginName(stStartName)
		return d.scanStartName()
	}
	return stepNext, nil
}

const cdataOpen = "[CDATA["

func (d *Decoder) scanBang() (step, error) {
	for ; d.p < d.end; d.p++ {
		if d.buf[d.p] != cdataOpen[d.match] {
			return stepNext, errRestricted("comments, DTDs and other markup declarations are not allowed")
		}
		d.match++
		if d.match == len(cdataOpen) {
			if d.depth == 0 {
				return stepNext, &Error{Condition: CondBadFormat, Text: "character data between elements"}
			}
			d.p++
			d.brackets = 0
			d.st = stCDATA
			return stepNext, nil
		}
	}
	return stepInput, nil
}

// scanPITarget accepts "<?xml" followed by whitespace, the XML declaration;
// any other processing instruction is refused.
func (d *Decoder) scanPITarget() (step, error) {
	for ; d.p < d.end; d.p++ {
		c := d.buf[d.p]
		if d.match < 3 {
			if c != "xml"[d.match] {
				return stepNext, errRestricted("processing instructions are not allowed")
			}
			d.match++
			continue
		}
		if !isSpace(c) {
			return stepNext, errRestricted("processing instructions are not allowed")
		}
		d.inDecl = true
		d.attrs = d.attrs[:0]
		d.st = stTagSpace
		return stepNext, nil
	}
	return stepInput, nil
}

func (d *Decoder) scanDeclEnd() (step, error) {
	if d.p == d.end {
		return stepInput, nil
	}
	if d.buf[d.p] != '>' {
		return stepNext, errNotWellFormed("malformed XML declaration")
	}
	d.p++
	return stepNext, d.closeDecl()
}
