package paperboy

import (
	"io"
	"sync"
	"unicode/utf8"
)

// Text from outside (a feed, an API, an import file, a chat) may carry control characters
// that drive a terminal: "\x1b]0;OWNED\a" retitles the window, "\x1b[2J" clears the screen,
// "\x1b[8m" hides what follows. They are stripped when papers are normalized
// (Paper.Normalize, so no platform stores or posts them) and neutralized again where text
// reaches a terminal (TerminalWriter), which also covers rows stored before stripping
// existed, chat input echoed back, and any field normalization does not see.

// IsControl reports whether r must not reach a terminal or a post as it is: the C0
// controls but newline and tab (carriage return included: it lets a line overwrite
// itself), DEL, the C1 controls U+0080–U+009F (U+009B is a one-character CSI for
// terminals that honour C1), and the bidirectional embedding, override and isolate
// controls U+202A–U+202E and U+2066–U+2069, which make a terminal or chat client show
// text in an order other than the stored one ("Trojan Source"). The plain direction marks
// U+200E/U+200F stay: they reorder nothing around them and right-to-left titles use them.
func IsControl(r rune) bool {
	switch {
	case r == '\n' || r == '\t':
		return false
	case r < 0x20, r >= 0x7f && r <= 0x9f:
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true
	}
	return false
}

// hasControl reports whether s has an IsControl character or invalid UTF-8. It looks at
// ASCII bytes without decoding, since nearly all text is ASCII.
func hasControl(s string) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 && c != '\n' && c != '\t' || c == 0x7f {
				return true
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || IsControl(r) {
			return true
		}
		i += size
	}
	return false
}

// StripControl returns s without its IsControl characters (newline and tab stay) and with
// each byte of invalid UTF-8 replaced by U+FFFD. Clean text comes back as it is.
func StripControl(s string) string {
	if !hasControl(s) {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = utf8.AppendRune(b, utf8.RuneError)
		case !IsControl(r):
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return string(b)
}

// TerminalWriter passes text to a terminal with every IsControl character and every byte of
// invalid UTF-8 replaced by U+FFFD (�): whatever a title, an abstract or a chat line holds,
// it cannot send the terminal an escape sequence, and the reader sees that something was
// there. Newlines and tabs pass. A UTF-8 sequence split between two writes is joined (up to
// three bytes are held back until the next write), so buffering above or below it is safe;
// bytes held back when the writer is abandoned are lost, which only a stream that ends in
// the middle of a character can notice. It is safe for concurrent use.
type TerminalWriter struct {
	mu   sync.Mutex
	w    io.Writer
	held [utf8.UTFMax]byte // the start of a sequence the last write ended in
	n    int
	buf  []byte
}

// NewTerminalWriter returns a TerminalWriter writing to w. When w is a TerminalWriter
// already it is returned as it is.
func NewTerminalWriter(w io.Writer) *TerminalWriter {
	if tw, ok := w.(*TerminalWriter); ok {
		return tw
	}
	return &TerminalWriter{w: w}
}

// Write writes p neutralized; it returns len(p) when the writer below took everything.
func (t *TerminalWriter) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	src := p
	if t.n > 0 {
		src = append(t.held[:t.n:t.n], p...)
		t.n = 0
	}
	// Hold back an incomplete sequence at the end, if it can still become a character.
	if k := incompleteTail(src); k > 0 {
		t.n = copy(t.held[:], src[len(src)-k:])
		src = src[:len(src)-k]
	}
	if !hasControlBytes(src) {
		if _, err := t.w.Write(src); err != nil {
			return 0, err
		}
		return len(p), nil
	}
	b := t.buf[:0]
	for i := 0; i < len(src); {
		r, size := utf8.DecodeRune(src[i:])
		if r == utf8.RuneError && size == 1 || IsControl(r) {
			b = utf8.AppendRune(b, utf8.RuneError)
		} else {
			b = append(b, src[i:i+size]...)
		}
		i += size
	}
	if cap(b) <= 64<<10 {
		t.buf = b
	}
	if _, err := t.w.Write(b); err != nil {
		return 0, err
	}
	return len(p), nil
}

// hasControlBytes is hasControl for bytes.
func hasControlBytes(b []byte) bool {
	for i := 0; i < len(b); {
		c := b[i]
		if c < utf8.RuneSelf {
			if c < 0x20 && c != '\n' && c != '\t' || c == 0x7f {
				return true
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 || IsControl(r) {
			return true
		}
		i += size
	}
	return false
}

// incompleteTail returns the length of the sequence b ends in when it is the valid start
// of a UTF-8 character still missing bytes (0 otherwise).
func incompleteTail(b []byte) int {
	for k := 1; k < utf8.UTFMax && k <= len(b); k++ {
		c := b[len(b)-k]
		if c < utf8.RuneSelf {
			return 0
		}
		if utf8.RuneStart(c) {
			if utf8.FullRune(b[len(b)-k:]) {
				return 0
			}
			return k
		}
	}
	return 0
}

// JSONControlWriter passes JSON text to w with the IsControl characters that
// encoding/json leaves raw (DEL, C1, bidi controls; it escapes the C0 ones itself) written
// as \uXXXX escapes instead. JSON has them only inside strings, where the escape decodes to
// the same character: the output stays lossless and cannot drive a terminal. Each Write
// must be whole JSON text (as json.Encoder.Encode writes it), not a piece of a character.
type JSONControlWriter struct {
	w   io.Writer
	buf []byte
}

// NewJSONControlWriter returns a JSONControlWriter writing to w.
func NewJSONControlWriter(w io.Writer) *JSONControlWriter { return &JSONControlWriter{w: w} }

// Write writes p with its control characters escaped; it returns len(p) on success.
func (j *JSONControlWriter) Write(p []byte) (int, error) {
	if !hasControlBytes(p) {
		if _, err := j.w.Write(p); err != nil {
			return 0, err
		}
		return len(p), nil
	}
	const hex = "0123456789abcdef"
	b := j.buf[:0]
	for i := 0; i < len(p); {
		r, size := utf8.DecodeRune(p[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, `\ufffd`...)
		case IsControl(r) && r >= 0x20: // C0 in JSON text is syntax white space (\n, \r, \t)
			b = append(b, '\\', 'u', hex[r>>12&0xf], hex[r>>8&0xf], hex[r>>4&0xf], hex[r&0xf])
		default:
			b = append(b, p[i:i+size]...)
		}
		i += size
	}
	if cap(b) <= 64<<10 {
		j.buf = b
	}
	if _, err := j.w.Write(b); err != nil {
		return 0, err
	}
	return len(p), nil
}

// StripControlFields removes IsControl characters from p's text fields in place and
// leaves its ID and keys as they are. Normalize does this at ingest; the store applies it
// to every paper it reads, so a row stored before ingest stripped them (or written by
// another tool) reaches no platform and no terminal with them.
func (p *Paper) StripControlFields() {
	for _, f := range []*string{&p.Title, &p.Abstract, &p.Comment, &p.JournalRef, &p.DOI,
		&p.AbsURL, &p.PDFURL, &p.HFURL, &p.RepoURL} {
		*f = StripControl(*f)
	}
	for _, list := range [][]string{p.Authors, p.Categories, p.Sources} {
		for i, s := range list {
			list[i] = StripControl(s)
		}
	}
	p.Extra = stripControlMap(p.Extra)
}
