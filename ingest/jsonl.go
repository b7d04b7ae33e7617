package ingest

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/paperboy-bot/paperboy"
)

// DefaultMaxLine is the longest JSONL line the reader accepts.
const DefaultMaxLine = 4 << 20

// Line formats a JSONLReader recognises, by their keys.
const (
	FormatKaggle   = "kaggle"   // Kaggle arXiv snapshot (id, submitter, versions, authors_parsed, ...)
	FormatSeed     = "seed"     // seed corpus (title, abstract, date, upvotes, org, source)
	FormatPaperboy = "paperboy" // paperboy export: json.Marshal(paperboy.Paper)
)

// LineError is a line the reader rejected; reading goes on after it.
type LineError struct {
	Line   int
	Reason string
}

func (e *LineError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Reason) }

// Unwrap gives the user-facing EINVALID error.
func (e *LineError) Unwrap() error {
	return paperboy.Errorf(paperboy.EINVALID, "line %d: %s", e.Line, e.Reason)
}

// JSONLReader streams papers out of a JSONL file, plain or gzip (detected by its magic
// bytes), in constant memory. Every paper it returns is Normalize()d and Quiet: a bulk
// import is never announced.
type JSONLReader struct {
	// MaxLine bounds a line in bytes (default DefaultMaxLine); longer lines are rejected.
	MaxLine int

	src     io.Reader
	br      *bufio.Reader
	started bool
	line    int
	format  string
	dropped []string
	buf     []byte
	err     error // sticky: a read error or io.EOF
}

// NewJSONLReader returns a reader of r. Nothing is read until Next.
func NewJSONLReader(r io.Reader) *JSONLReader {
	return &JSONLReader{src: r, MaxLine: DefaultMaxLine}
}

// Line returns the number of the line last read (1-based).
func (r *JSONLReader) Line() int { return r.line }

// Format returns the format of the line last returned (FormatKaggle, ...).
func (r *JSONLReader) Format() string { return r.format }

// Dropped returns one note per field of the paper last returned that was left out for
// having the wrong JSON type ("\"authors\" is a JSON number, want ..."). The paper is
// kept: only a wrong type in a field that identifies it (id, title) rejects the line.
func (r *JSONLReader) Dropped() []string { return r.dropped }

func (r *JSONLReader) start() error {
	r.started = true
	br := bufio.NewReaderSize(r.src, 64<<10)
	magic, err := br.Peek(2)
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("ingest: jsonl: %w", err)
	}
	if len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return fmt.Errorf("ingest: jsonl: gzip: %w", err)
		}
		br = bufio.NewReaderSize(zr, 64<<10)
	}
	r.br = br
	if r.MaxLine <= 0 {
		r.MaxLine = DefaultMaxLine
	}
	return nil
}

// Next returns the next paper. At the end it returns io.EOF; a rejected line gives a
// *LineError (call Next again to go on); any other error (unreadable or corrupt file)
// is final.
func (r *JSONLReader) Next() (paperboy.Paper, error) {
	if !r.started {
		if err := r.start(); err != nil {
			r.err = err
		}
	}
	for {
		if r.err != nil {
			return paperboy.Paper{}, r.err
		}
		line, tooLong, err := r.readLine()
		if err != nil && !errors.Is(err, io.EOF) {
			r.err = fmt.Errorf("ingest: jsonl: read line %d: %w", r.line+1, err)
			return paperboy.Paper{}, r.err
		}
		if line == nil && !tooLong && errors.Is(err, io.EOF) {
			r.err = io.EOF
			return paperboy.Paper{}, io.EOF
		}
		r.line++
		if errors.Is(err, io.EOF) {
			r.err = io.EOF // the last line had no newline; return it, then EOF
		}
		if tooLong {
			return paperboy.Paper{}, &LineError{Line: r.line, Reason: fmt.Sprintf("line longer than %d bytes", r.MaxLine)}
		}
		if r.line == 1 {
			line = bytes.TrimPrefix(line, []byte("\xef\xbb\xbf")) // UTF-8 byte order mark
		}
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		p, format, dropped, perr := parseJSONLine(line)
		r.format, r.dropped = format, dropped
		if perr != nil {
			return paperboy.Paper{}, &LineError{Line: r.line, Reason: perr.Error()}
		}
		p.Quiet = true
		return p, nil
	}
}

// readLine returns the next line without its newline, reusing r.buf. A line longer than
// MaxLine is skipped to its end and reported as tooLong. At the end of input it returns
// io.EOF with the last (unterminated) line, or a nil line.
func (r *JSONLReader) readLine() (line []byte, tooLong bool, err error) {
	r.buf = r.buf[:0]
	for {
		chunk, err := r.br.ReadSlice('\n')
		if !tooLong {
			if len(r.buf)+len(chunk) > r.MaxLine+2 { // +2: "\r\n" does not count
				tooLong = true
				r.buf = r.buf[:0]
			} else {
				r.buf = append(r.buf, chunk...)
			}
		}
		switch {
		case err == nil:
			return trimEOL(r.buf), tooLong, nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF):
			if len(r.buf) == 0 && !tooLong {
				return nil, false, io.EOF
			}
			return trimEOL(r.buf), tooLong, io.EOF
		default:
			return nil, false, err
		}
	}
}

func trimEOL(b []byte) []byte {
	b = bytes.TrimSuffix(b, []byte{'\n'})
	return bytes.TrimSuffix(b, []byte{'\r'})
}

// jsonlLine is the union of the keys of the three formats, read in one decoding pass.
// It embeds paperboy.Paper, so an export line decodes exactly as json.Unmarshal into a
// Paper would (fields added to Paper later included); the fields below shadow the keys
// whose type differs between formats, or whose presence tells the formats apart.
type jsonlLine struct {
	paperboy.Paper

	ID         *string         `json:"id"`
	Title      *string         `json:"title"`
	Authors    json.RawMessage `json:"authors"`    // Kaggle: a string; export: a list
	Categories json.RawMessage `json:"categories"` // Kaggle: space separated; export: a list

	// Kaggle
	Submitter     *string         `json:"submitter"`
	Comments      *string         `json:"comments"`
	JournalRefK   *string         `json:"journal-ref"`
	Versions      []kaggleVersion `json:"versions"`
	UpdateDate    string          `json:"update_date"`
	AuthorsParsed [][]string      `json:"authors_parsed"`

	// Seed corpus
	AuthorsCount json.RawMessage `json:"authors_count"` // a count (number or numeric string)
	Date         string          `json:"date"`
	Org          string          `json:"org"`
	Source       string          `json:"source"`

	// dropped lists the fields left out for having the wrong JSON type.
	dropped []string
}

type kaggleVersion struct {
	Version string `json:"version"`
	Created string `json:"created"`
}

// ParseJSONLine reads one JSONL line in any of the three formats and returns the
// normalized paper and the format it found. A field of the wrong JSON type rejects the
// line when it identifies the paper (id, title) and is dropped otherwise: see
// parseJSONLine, which also says which fields were dropped.
func ParseJSONLine(line []byte) (paperboy.Paper, string, error) {
	p, format, _, err := parseJSONLine(line)
	return p, format, err
}

// parseJSONLine is ParseJSONLine that also returns one note per dropped field.
func parseJSONLine(line []byte) (paperboy.Paper, string, []string, error) {
	if p, ok, err := parseKaggleFast(line); ok {
		return p, FormatKaggle, nil, err
	}
	return parseJSONLineNotes(line)
}

// parseJSONLineSlow is ParseJSONLine with encoding/json, for any line.
func parseJSONLineSlow(line []byte) (paperboy.Paper, string, error) {
	p, format, _, err := parseJSONLineNotes(line)
	return p, format, err
}

// identityKeys are the keys whose value, when of the wrong JSON type, rejects the line:
// without them the paper cannot be told apart from others (a mistyped id stored under a
// title hash would come back as a duplicate when the line is fixed). Any other field of
// the wrong type is dropped and reported: one mistyped comment must not cost a
// snapshot's paper, nor go unnoticed.
var identityKeys = map[string]bool{"id": true, "title": true}

// decodeJSONLine decodes line into l, dropping each non-identity key whose value does
// not decode (the wrong JSON type, a date that is not one) and noting it in l.dropped
// (see identityKeys).
func decodeJSONLine(line []byte, l *jsonlLine) error {
	*l = jsonlLine{}
	err := json.Unmarshal(line, l)
	var se *json.SyntaxError
	if err == nil || errors.As(err, &se) {
		return lineJSONError(err)
	}
	// Find the keys at fault by decoding each on its own.
	var m map[string]json.RawMessage
	if json.Unmarshal(line, &m) != nil {
		return lineJSONError(err)
	}
	var dropped []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		one, merr := json.Marshal(map[string]json.RawMessage{k: m[k]})
		if merr != nil {
			return lineJSONError(err)
		}
		var probe jsonlLine
		kerr := json.Unmarshal(one, &probe)
		if kerr == nil {
			continue
		}
		if identityKeys[strings.ToLower(k)] {
			return lineJSONError(kerr)
		}
		dropped = append(dropped, fieldError(k, kerr))
		delete(m, k)
	}
	if len(dropped) == 0 {
		return lineJSONError(err)
	}
	rest, merr := json.Marshal(m)
	if merr != nil {
		return lineJSONError(err)
	}
	*l = jsonlLine{}
	if err := json.Unmarshal(rest, l); err != nil {
		return lineJSONError(err)
	}
	l.dropped = dropped
	return nil
}

// fieldError says why the value of key could not be decoded.
func fieldError(key string, err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Sprintf("%s is a JSON %s, want %s", strconv.Quote(key), te.Value, jsonKind(te.Type))
	}
	return fmt.Sprintf("%s: %s", strconv.Quote(key), truncate(err.Error(), 120))
}

// parseJSONLineNotes reads any line with encoding/json; notes name the dropped fields.
func parseJSONLineNotes(line []byte) (paperboy.Paper, string, []string, error) {
	var l jsonlLine
	if err := decodeJSONLine(line, &l); err != nil {
		return paperboy.Paper{}, "", nil, err
	}
	var (
		p      paperboy.Paper
		format string
		err    error
	)
	switch {
	case l.isKaggle():
		format = FormatKaggle
		p, err = l.kaggle()
	case l.ID != nil:
		format = FormatPaperboy
		p, err = l.export()
	case l.Title != nil:
		format = FormatSeed
		p, err = l.seed()
	default:
		return paperboy.Paper{}, "", nil, errors.New("not a paper: no title and no id")
	}
	if err != nil {
		return paperboy.Paper{}, format, nil, err
	}
	return p, format, l.dropped, nil
}

// names reads authors or categories: a list of strings, or one string that split
// divides. null and absent give none; another type is dropped and noted.
func (l *jsonlLine) names(key string, raw json.RawMessage, split func(string) []string) []string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return nil
	}
	if s, ok := rawString(raw); ok {
		return split(s)
	}
	var list []string
	if err := json.Unmarshal(raw, &list); err != nil {
		kind := "value"
		switch raw[0] {
		case '[':
			kind = "list with a non-string element"
		case '{':
			kind = "object"
		case 't', 'f':
			kind = "bool"
		default:
			kind = "number"
		}
		l.dropped = append(l.dropped, fmt.Sprintf("%q is a JSON %s, want a string or a list of strings", key, kind))
		return nil
	}
	return list
}

// export rebuilds the paper of an export line: the embedded Paper plus the shadowed keys.
func (l *jsonlLine) export() (paperboy.Paper, error) {
	p := l.Paper
	p.ID = *l.ID
	// A line that gives an arXiv id as its id and no arxiv_id is that arXiv paper (a
	// script writing {"id": "2112.12130", "title": ..., "abstract": ...}); otherwise
	// Normalize would file it under a hash of its title.
	if p.ArxivID == "" && p.DOI == "" {
		if _, _, ok := paperboy.ParseArxivID(p.ID); ok {
			p.ArxivID = p.ID
		}
	}
	if l.Title != nil {
		p.Title = *l.Title
	}
	if len(l.Authors) > 0 {
		p.Authors = l.names("authors", l.Authors, SplitAuthors)
	}
	if len(l.Categories) > 0 {
		p.Categories = l.names("categories", l.Categories, strings.Fields)
	}
	if err := p.Normalize(); err != nil {
		return paperboy.Paper{}, errors.New(paperboy.ErrorMessage(err))
	}
	return p, nil
}

func lineJSONError(err error) error {
	if err == nil {
		return nil
	}
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Errorf("invalid JSON at byte %d: %s", se.Offset, se.Error())
	case errors.As(err, &te):
		return fmt.Errorf("%s is a JSON %s, want %s", fieldName(te.Field), te.Value, jsonKind(te.Type))
	}
	return fmt.Errorf("invalid JSON: %v", err)
}

func (l *jsonlLine) isKaggle() bool {
	if l.Submitter != nil || l.Versions != nil || l.AuthorsParsed != nil || l.UpdateDate != "" || l.JournalRefK != nil {
		return true
	}
	// An authors or categories string (not a list) is Kaggle's shape too, when there is
	// an id: without one, a line with a title is the seed shape.
	return l.ID != nil && (isJSONString(l.Authors) || isJSONString(l.Categories))
}

// rawString decodes a JSON string value, without a second pass of encoding/json when it
// has no escapes (the common case on the bulk import path).
func rawString(raw json.RawMessage) (string, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return "", false
	}
	if inner := raw[1 : len(raw)-1]; bytes.IndexByte(inner, '\\') < 0 && utf8.Valid(inner) {
		return string(inner), true
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", false
	}
	return s, true
}

func isJSONString(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) > 0 && raw[0] == '"'
}

// kaggleDate is the layout of versions[].created: "Mon, 2 Apr 2007 19:18:42 GMT".
const kaggleDate = "Mon, 2 Jan 2006 15:04:05 MST"

func (l *jsonlLine) kaggle() (paperboy.Paper, error) {
	var p paperboy.Paper
	if l.ID == nil {
		return p, errors.New("Kaggle line without id")
	}
	id, v, ok := paperboy.ParseArxivID(*l.ID)
	if !ok {
		return p, fmt.Errorf("id %q is not an arXiv id", truncate(*l.ID, 60))
	}
	p.ArxivID, p.Version = id, v
	if l.Title != nil {
		p.Title = *l.Title
	}
	p.Abstract = l.Abstract
	if l.Comments != nil {
		p.Comment = *l.Comments
	}
	if l.JournalRefK != nil {
		p.JournalRef = *l.JournalRefK
	}
	if f := strings.Fields(l.Paper.DOI); len(f) > 0 {
		p.DOI = f[0] // a few records list several DOIs
	}
	p.Categories = l.names("categories", l.Categories, strings.Fields)
	for _, a := range l.AuthorsParsed {
		if name := parsedAuthor(a); name != "" {
			p.Authors = append(p.Authors, name)
		}
	}
	if authors := l.names("authors", l.Authors, SplitAuthors); len(p.Authors) == 0 {
		p.Authors = authors
	}
	for i, ver := range l.Versions {
		t, err := parseKaggleDate(ver.Created)
		if err != nil {
			continue
		}
		if i == 0 {
			p.Published = t
		}
		p.Updated = t
		if n, err := strconv.Atoi(strings.TrimPrefix(strings.TrimSpace(ver.Version), "v")); err == nil && n > p.Version && n < 1000 {
			p.Version = n
		}
	}
	if p.Version == 0 && len(l.Versions) > 0 {
		p.Version = len(l.Versions)
	}
	if p.Updated.IsZero() {
		p.Updated, _ = time.Parse(time.DateOnly, strings.TrimSpace(l.UpdateDate))
	}
	if l.Submitter != nil {
		setExtra(&p, "submitter", *l.Submitter)
	}
	arxivPaperURLs(&p)
	p.Sources = []string{paperboy.SourceKaggle}
	if err := p.Normalize(); err != nil {
		return paperboy.Paper{}, errors.New(paperboy.ErrorMessage(err))
	}
	return p, nil
}

func parseKaggleDate(s string) (time.Time, error) {
	t, err := time.Parse(kaggleDate, strings.TrimSpace(s))
	if err != nil {
		if t2, ok := ParseDate(s); ok {
			return t2, nil
		}
		return time.Time{}, err
	}
	return t.UTC(), nil
}

// parsedAuthor turns Kaggle's [last, first, suffix] into "First Last Suffix".
func parsedAuthor(a []string) string {
	var last, first, suffix string
	if len(a) > 0 {
		last = a[0]
	}
	if len(a) > 1 {
		first = a[1]
	}
	if len(a) > 2 {
		suffix = a[2]
	}
	return paperboy.CollapseSpace(first + " " + last + " " + suffix)
}

// seedDate is how the seed corpus shows dates: "Mar 22, 2022" (or "Mar 5" without a year).
const seedDate = "Jan 2, 2006"

func (l *jsonlLine) seed() (paperboy.Paper, error) {
	p := paperboy.Paper{Title: *l.Title, Abstract: l.Abstract, DOI: l.Paper.DOI, Sources: []string{paperboy.SourceJSONL}}
	p.Authors = l.names("authors", l.Authors, SplitAuthors)
	p.Categories = l.names("categories", l.Categories, strings.Fields)
	if raw := bytes.TrimSpace(l.AuthorsCount); len(raw) > 0 && !bytes.Equal(raw, []byte("null")) {
		s, _ := rawString(raw)
		if s == "" {
			s = string(raw)
		}
		if n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64); err == nil {
			if n > 0 {
				setExtra(&p, "authors_count", strconv.FormatInt(n, 10))
			}
		} else {
			l.dropped = append(l.dropped, fmt.Sprintf(`"authors_count" is %s, want a count`, truncate(string(raw), 40)))
		}
	}
	if l.Upvotes > 0 {
		p.Upvotes = l.Upvotes
	}
	if d := paperboy.CollapseSpace(l.Date); d != "" {
		setExtra(&p, "date", d)
		// Only a date with a year is unambiguous.
		if t, err := time.Parse(seedDate, d); err == nil {
			p.Published = t
		}
	}
	setExtra(&p, "org", l.Org)
	setExtra(&p, "listing", l.Source)
	if err := p.Normalize(); err != nil {
		return paperboy.Paper{}, errors.New(paperboy.ErrorMessage(err))
	}
	return p, nil
}
