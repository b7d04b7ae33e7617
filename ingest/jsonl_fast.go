package ingest

import (
	"encoding/binary"
	"math/bits"
	"sync"
	"unicode/utf8"

	"github.com/paperboy-bot/paperboy"
)

// The bulk import spent most of its parsing time in encoding/json's reflection over
// jsonlLine. Kaggle snapshot lines all have the same flat shape, so a hand-written
// decoder fills the jsonlLine fields of the Kaggle keys for them, and ParseJSONLine runs
// the same isKaggle() and kaggle() on it. "report-no" and "license" are neither jsonlLine
// nor Paper fields, so they are checked and skipped as encoding/json skips them. Title
// and abstract are decoded with their white space already collapsed (see
// collapsedOrNull), which kaggle() does anyway. The decoder declines (accepted=false)
// whatever it might not decode exactly as encoding/json does, and the encoding/json path
// runs instead:
//   - a key outside the exact, case-sensitive Kaggle set (encoding/json matches keys
//     case-insensitively), a key with escapes or non-ASCII bytes, or a key given twice
//     (the last one wins there), also inside a versions entry;
//   - a value whose JSON type is not the one expected for its key (null is accepted
//     wherever encoding/json accepts it);
//   - a string with invalid UTF-8 (replaced with U+FFFD there), a raw control
//     character, an unknown escape or a \u escape of a UTF-16 surrogate;
//   - anything after the object but JSON white space, or a line that is not an object;
//   - an object that isKaggle() does not take for a Kaggle line.

// Indexes of the string fields the decoder records, in fastDecoder.str.
const (
	fID = iota
	fTitle
	fSubmitter
	fComments
	fJournalRef
	fDOI
	fAbstract
	fUpdateDate
	nStrFields
)

// Bits of fastDecoder.seen, one per Kaggle key.
const (
	kID = 1 << iota
	kSubmitter
	kAuthors
	kTitle
	kComments
	kJournalRef
	kDOI
	kReportNo
	kCategories
	kLicense
	kAbstract
	kVersions
	kUpdateDate
	kAuthorsParsed
)

// strSpan locates a decoded string in fastDecoder.out. set is false for an absent key
// or a null value.
type strSpan struct {
	start, end int
	set        bool
}

// verSpan is one element of "versions".
type verSpan struct{ version, created strSpan }

type fastDecoder struct {
	in  []byte
	pos int
	out []byte // the decoded contents of every string value, back to back

	seen       uint32
	str        [nStrFields]strSpan
	authors    []byte // raw values, as json.RawMessage would hold them
	categories []byte
	versions   []verSpan
	hasVers    bool      // "versions" was an array (possibly empty), not null
	parsed     []strSpan // every string of authors_parsed, flattened
	parsedLens []int     // length of each authors_parsed entry; -1 for a null entry
	hasParsed  bool
}

var fastDecoders = sync.Pool{New: func() any { return new(fastDecoder) }}

// maxPooledScratch bounds the scratch buffer a pooled decoder keeps (lines are ~2 KB).
const maxPooledScratch = 64 << 10

// parseKaggleFast is ParseJSONLine for Kaggle lines (format FormatKaggle). accepted is
// false when the line is not one it decodes exactly as encoding/json would; the caller
// then takes the encoding/json path.
func parseKaggleFast(line []byte) (p paperboy.Paper, accepted bool, err error) {
	d := fastDecoders.Get().(*fastDecoder)
	defer func() {
		if cap(d.out) <= maxPooledScratch {
			d.in, d.authors, d.categories = nil, nil, nil // do not keep the caller's line
			fastDecoders.Put(d)
		}
	}()
	var l jsonlLine
	if !d.decode(line) {
		return paperboy.Paper{}, false, nil
	}
	d.fill(&l)
	if !l.isKaggle() {
		return paperboy.Paper{}, false, nil
	}
	p, err = l.kaggle()
	if len(l.dropped) > 0 {
		return paperboy.Paper{}, false, nil // the encoding/json path reports them
	}
	return p, true, err
}

// decode reads line, recording spans; false declines the line.
func (d *fastDecoder) decode(line []byte) bool {
	d.in, d.pos = line, 0
	d.out = d.out[:0]
	d.seen = 0
	d.str = [nStrFields]strSpan{}
	d.authors, d.categories = nil, nil
	d.versions = d.versions[:0]
	d.parsed = d.parsed[:0]
	d.parsedLens = d.parsedLens[:0]
	d.hasVers, d.hasParsed = false, false

	d.skipSpace()
	return d.object(func() bool {
		key, ok := d.key()
		if !ok {
			return false
		}
		d.skipSpace()
		if !d.consume(':') {
			return false
		}
		d.skipSpace()
		return d.value(key)
	}) && d.atEnd()
}

// object reads `{}` or `{ member, ... }`, calling member for each member (a key, a colon
// and a value); false if member does or the braces and commas are not where JSON puts them.
func (d *fastDecoder) object(member func() bool) bool {
	if !d.consume('{') {
		return false
	}
	d.skipSpace()
	if d.consume('}') {
		return true
	}
	for {
		if !member() {
			return false
		}
		d.skipSpace()
		if d.consume(',') {
			d.skipSpace()
			continue
		}
		return d.consume('}')
	}
}

func (d *fastDecoder) atEnd() bool {
	d.skipSpace()
	return d.pos == len(d.in)
}

func (d *fastDecoder) skipSpace() {
	for d.pos < len(d.in) {
		switch d.in[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

func (d *fastDecoder) consume(c byte) bool {
	if d.pos < len(d.in) && d.in[d.pos] == c {
		d.pos++
		return true
	}
	return false
}

func (d *fastDecoder) null() bool {
	if len(d.in)-d.pos >= 4 && string(d.in[d.pos:d.pos+4]) == "null" {
		d.pos += 4
		return true
	}
	return false
}

// key reads an object key made of plain ASCII (no escapes) and returns its bit, or
// ok=false for a key outside the Kaggle set or one seen before.
func (d *fastDecoder) key() (bit uint32, ok bool) {
	if !d.consume('"') {
		return 0, false
	}
	start := d.pos
	for d.pos < len(d.in) {
		c := d.in[d.pos]
		if c == '"' {
			break
		}
		if c == '\\' || c < 0x20 || c >= utf8.RuneSelf {
			return 0, false
		}
		d.pos++
	}
	if d.pos == len(d.in) {
		return 0, false
	}
	k := d.in[start:d.pos]
	d.pos++
	switch string(k) {
	case "id":
		bit = kID
	case "submitter":
		bit = kSubmitter
	case "authors":
		bit = kAuthors
	case "title":
		bit = kTitle
	case "comments":
		bit = kComments
	case "journal-ref":
		bit = kJournalRef
	case "doi":
		bit = kDOI
	case "report-no":
		bit = kReportNo
	case "categories":
		bit = kCategories
	case "license":
		bit = kLicense
	case "abstract":
		bit = kAbstract
	case "versions":
		bit = kVersions
	case "update_date":
		bit = kUpdateDate
	case "authors_parsed":
		bit = kAuthorsParsed
	default:
		return 0, false
	}
	if d.seen&bit != 0 {
		return 0, false
	}
	d.seen |= bit
	return bit, true
}

// value reads the value of key.
func (d *fastDecoder) value(key uint32) bool {
	switch key {
	case kID:
		return d.stringOrNull(&d.str[fID])
	case kSubmitter:
		return d.stringOrNull(&d.str[fSubmitter])
	case kTitle:
		return d.collapsedOrNull(&d.str[fTitle])
	case kComments:
		return d.stringOrNull(&d.str[fComments])
	case kJournalRef:
		return d.stringOrNull(&d.str[fJournalRef])
	case kDOI:
		return d.stringOrNull(&d.str[fDOI])
	case kAbstract:
		return d.collapsedOrNull(&d.str[fAbstract])
	case kUpdateDate:
		return d.stringOrNull(&d.str[fUpdateDate])
	case kAuthors:
		return d.raw(&d.authors)
	case kCategories:
		return d.raw(&d.categories)
	case kReportNo, kLicense:
		// Not fields of jsonlLine: encoding/json skips any valid value; a string or
		// null is all Kaggle has there.
		var ignored strSpan
		return d.stringOrNull(&ignored)
	case kVersions:
		return d.versionList()
	case kAuthorsParsed:
		return d.parsedList()
	}
	return false
}

func (d *fastDecoder) stringOrNull(s *strSpan) bool {
	if d.null() {
		*s = strSpan{}
		return true
	}
	return d.str1(s, false)
}

// collapsedOrNull is stringOrNull for a field kaggle() passes through
// paperboy.CollapseSpace (Paper.Normalize): the string is decoded already collapsed as
// far as ASCII white space goes, which CollapseSpace then leaves as is, or finishes
// for other Unicode white space. Either way the paper gets CollapseSpace of the value
// encoding/json decodes, since CollapseSpace(s) is strings.Join(strings.Fields(s), " ")
// and collapsing ASCII white space runs first changes no field. This spares a second
// pass (and a copy) over the abstract, the bulk of a Kaggle line.
func (d *fastDecoder) collapsedOrNull(s *strSpan) bool {
	if d.null() {
		*s = strSpan{}
		return true
	}
	return d.str1(s, true)
}

// raw records a string or null value as the raw bytes json.RawMessage would hold.
func (d *fastDecoder) raw(dst *[]byte) bool {
	start := d.pos
	if !d.null() {
		mark := len(d.out)
		var s strSpan
		if !d.str1(&s, false) {
			return false
		}
		d.out = d.out[:mark] // only validated; kaggle() decodes it from the raw bytes
	}
	*dst = d.in[start:d.pos:d.pos]
	return true
}

// str1 reads a JSON string, appending its decoded contents to d.out. With collapse, it
// also drops leading and trailing ASCII white space and turns each inner run of it into
// one space (see collapsed).
func (d *fastDecoder) str1(s *strSpan, collapse bool) bool {
	if !d.consume('"') {
		return false
	}
	s.start = len(d.out)
	in := d.in
	i := d.pos
	pending := false // collapse: white space seen since the last text
	for {
		// Copy the run of plain bytes up to the next quote, backslash or special byte;
		// when collapsing, a single space between two plain bytes is plain too.
		j := i
		if !collapse || j == len(in) || in[j] != ' ' || !pending && len(d.out) > s.start {
			j = scanText(in, j, collapse)
		} // else a leading space, or one after white space: handled below
		if j > i {
			if pending {
				d.out = append(d.out, ' ')
				pending = false
			}
			d.out = append(d.out, in[i:j]...)
		}
		i = j
		if i == len(in) {
			return false
		}
		var b byte // an ASCII byte to add
		switch c := in[i]; {
		case c == '"':
			d.pos = i + 1
			s.end, s.set = len(d.out), true
			return true
		case c == ' ': // collapsing
			pending = len(d.out) > s.start
			i++
			continue
		case c < 0x20:
			return false
		case c >= utf8.RuneSelf:
			r, size := utf8.DecodeRune(in[i:])
			if r == utf8.RuneError && size == 1 {
				return false
			}
			if pending {
				d.out = append(d.out, ' ')
				pending = false
			}
			d.out = append(d.out, in[i:i+size]...)
			i += size
			continue
		case i+1 >= len(in):
			return false
		default: // backslash
			switch in[i+1] {
			case '"', '\\', '/':
				b = in[i+1]
			case 'b':
				b = '\b'
			case 'f':
				b = '\f'
			case 'n':
				b = '\n'
			case 'r':
				b = '\r'
			case 't':
				b = '\t'
			case 'u':
				r, ok := hex4(in[i+2:])
				if !ok || r >= 0xD800 && r <= 0xDFFF {
					return false
				}
				if r >= utf8.RuneSelf {
					if pending {
						d.out = append(d.out, ' ')
						pending = false
					}
					d.out = utf8.AppendRune(d.out, r)
					i += 6
					continue
				}
				b = byte(r)
				i += 4 // and 2 below
			default:
				return false
			}
			i += 2
		}
		if collapse && asciiSpace(b) {
			pending = len(d.out) > s.start
			continue
		}
		if pending {
			d.out = append(d.out, ' ')
			pending = false
		}
		d.out = append(d.out, b)
	}
}

// scanText returns the end of the run of bytes from j that str1 copies as they are:
// plainByte ones, but with collapse only a space followed by a textByte. It looks at
// eight bytes at a time while it can.
func scanText(in []byte, j int, collapse bool) int {
	const (
		ones = 0x0101010101010101
		lo7  = 0x7f7f7f7f7f7f7f7f
		hi   = 0x8080808080808080
	)
	// eq has the high bit set in each byte of x equal to c, and only there.
	eq := func(x uint64, c byte) uint64 {
		t := x ^ ones*uint64(c)
		return ^((t & lo7) + lo7 | t) & hi
	}
	for j+8 <= len(in) {
		x := binary.LittleEndian.Uint64(in[j:])
		// Non-ASCII bytes, bytes below 0x20, quotes and backslashes.
		stop := x&hi | ^((x&lo7)+ones*(0x80-0x20)|x)&hi | eq(x, '"') | eq(x, '\\')
		if collapse {
			// A space followed by a space or a stop byte; a space in the last byte
			// is left to the byte loop, which sees the byte after it.
			sp := eq(x, ' ')
			stop |= sp & ((stop|sp)>>8 | 0x80<<56)
		}
		if stop != 0 {
			j += bits.TrailingZeros64(stop) / 8
			break
		}
		j += 8
	}
	if collapse {
		for j < len(in) && (textByte[in[j]] || in[j] == ' ' && j+1 < len(in) && textByte[in[j+1]]) {
			j++
		}
		return j
	}
	for j < len(in) && plainByte[in[j]] {
		j++
	}
	return j
}

// plainByte tells the bytes str1 copies as they are: printable ASCII but the quote and
// the backslash. textByte is plainByte without the space.
var plainByte, textByte = func() (plain, text [256]bool) {
	for c := ' '; c < utf8.RuneSelf; c++ {
		plain[c] = c != '"' && c != '\\'
		text[c] = plain[c] && c != ' '
	}
	return plain, text
}()

// asciiSpace reports the white space bytes paperboy.CollapseSpace collapses.
func asciiSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// versionList reads "versions": null or an array of {"version": s, "created": s}
// objects (a null element stays a zero version, as in encoding/json).
func (d *fastDecoder) versionList() bool {
	if d.null() {
		return true
	}
	if !d.consume('[') {
		return false
	}
	d.hasVers = true
	d.skipSpace()
	if d.consume(']') {
		return true
	}
	for {
		var v verSpan
		if !d.null() && !d.version(&v) {
			return false
		}
		d.versions = append(d.versions, v)
		d.skipSpace()
		if d.consume(',') {
			d.skipSpace()
			continue
		}
		return d.consume(']')
	}
}

func (d *fastDecoder) version(v *verSpan) bool {
	var seenVersion, seenCreated bool
	return d.object(func() bool {
		if !d.consume('"') {
			return false
		}
		var dst *strSpan
		switch {
		case d.hasPrefix(`version"`) && !seenVersion:
			d.pos += len(`version"`)
			dst, seenVersion = &v.version, true
		case d.hasPrefix(`created"`) && !seenCreated:
			d.pos += len(`created"`)
			dst, seenCreated = &v.created, true
		default:
			return false
		}
		d.skipSpace()
		if !d.consume(':') {
			return false
		}
		d.skipSpace()
		return d.stringOrNull(dst)
	})
}

func (d *fastDecoder) hasPrefix(s string) bool {
	return len(d.in)-d.pos >= len(s) && string(d.in[d.pos:d.pos+len(s)]) == s
}

// parsedList reads "authors_parsed": null or an array of null or arrays of strings or nulls.
func (d *fastDecoder) parsedList() bool {
	if d.null() {
		return true
	}
	if !d.consume('[') {
		return false
	}
	d.hasParsed = true
	d.skipSpace()
	if d.consume(']') {
		return true
	}
	for {
		n := -1
		if !d.null() {
			if !d.consume('[') {
				return false
			}
			n = 0
			d.skipSpace()
			if !d.consume(']') {
				for {
					var s strSpan
					if !d.null() && !d.str1(&s, false) {
						return false
					}
					d.parsed = append(d.parsed, s)
					n++
					d.skipSpace()
					if d.consume(',') {
						d.skipSpace()
						continue
					}
					if !d.consume(']') {
						return false
					}
					break
				}
			}
		}
		d.parsedLens = append(d.parsedLens, n)
		d.skipSpace()
		if d.consume(',') {
			d.skipSpace()
			continue
		}
		return d.consume(']')
	}
}

// fill sets l's fields from the decoded spans, as json.Unmarshal would have.
func (d *fastDecoder) fill(l *jsonlLine) {
	all := string(d.out) // one allocation for every string of the line
	get := func(s strSpan) string {
		if !s.set {
			return ""
		}
		return all[s.start:s.end]
	}
	// The *string fields point into one array.
	ptrs := new([5]string)
	for i, f := range [5]struct {
		field int
		dst   **string
	}{{fID, &l.ID}, {fTitle, &l.Title}, {fSubmitter, &l.Submitter}, {fComments, &l.Comments}, {fJournalRef, &l.JournalRefK}} {
		if s := d.str[f.field]; s.set {
			ptrs[i] = get(s)
			*f.dst = &ptrs[i]
		}
	}
	l.Paper.DOI = get(d.str[fDOI])
	l.Paper.Abstract = get(d.str[fAbstract])
	l.UpdateDate = get(d.str[fUpdateDate])
	l.Authors = d.authors
	l.Categories = d.categories
	if d.hasVers {
		l.Versions = make([]kaggleVersion, len(d.versions))
		for i, v := range d.versions {
			l.Versions[i] = kaggleVersion{Version: get(v.version), Created: get(v.created)}
		}
	}
	if d.hasParsed {
		flat := make([]string, len(d.parsed))
		for i, s := range d.parsed {
			flat[i] = get(s)
		}
		l.AuthorsParsed = make([][]string, len(d.parsedLens))
		for i, n := range d.parsedLens {
			if n < 0 {
				continue // null entry: a nil list
			}
			l.AuthorsParsed[i], flat = flat[:n:n], flat[n:]
		}
	}
}
