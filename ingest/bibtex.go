package ingest

import (
	"bufio"
	"io"
	"regexp"
	"strings"
	"unicode"

	"github.com/paperboy-bot/paperboy"
)

// BibEntry is one entry of a BibTeX file (Zotero, Mendeley, Google Scholar exports): its
// type and key, its fields (names lower case, values with braces, quotes and simple LaTeX
// accents removed), and the line it starts on. Err is set for an entry that could not be
// read; the parser then resumes at the next entry.
type BibEntry struct {
	Line   int
	Type   string
	Key    string
	Fields map[string]string
	Err    string
}

// maxBibInput bounds what ParseBibTeX reads (a library export is a few MB at most).
const maxBibInput = 64 << 20

// ParseBibTeX reads the entries of a BibTeX file. @comment, @preamble and @string blocks
// are skipped (string macros are not expanded: a field that uses one keeps the macro name).
// It never fails on malformed text: such entries come back with Err set.
func ParseBibTeX(r io.Reader) ([]BibEntry, error) {
	data, err := io.ReadAll(io.LimitReader(bufio.NewReader(r), maxBibInput+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxBibInput {
		return nil, paperboy.Errorf(paperboy.EINVALID, "the BibTeX file is larger than %d MB", maxBibInput>>20)
	}
	p := &bibParser{s: strings.ToValidUTF8(string(data), "\uFFFD"), line: 1}
	var out []BibEntry
	for p.skipTo('@') {
		start := p.line
		p.pos++ // '@'
		typ := strings.ToLower(p.ident())
		p.space()
		if p.pos >= len(p.s) || (p.s[p.pos] != '{' && p.s[p.pos] != '(') {
			if typ != "" {
				out = append(out, BibEntry{Line: start, Type: typ, Err: "no { after @" + typ})
			}
			continue
		}
		open := p.s[p.pos]
		switch typ {
		case "comment", "preamble", "string":
			p.pos++
			p.skipBalanced(open)
			continue
		case "":
			continue
		}
		p.pos++
		e := BibEntry{Line: start, Type: typ, Fields: map[string]string{}}
		if err := p.entry(&e, closer(open)); err != "" {
			e.Err = err
		}
		out = append(out, e)
	}
	return out, nil
}

func closer(open byte) byte {
	if open == '(' {
		return ')'
	}
	return '}'
}

type bibParser struct {
	s    string
	pos  int
	line int
}

// skipTo advances to the next c, counting lines; false at the end.
func (p *bibParser) skipTo(c byte) bool {
	for p.pos < len(p.s) {
		if p.s[p.pos] == c {
			return true
		}
		if p.s[p.pos] == '\n' {
			p.line++
		}
		p.pos++
	}
	return false
}

func (p *bibParser) space() {
	for p.pos < len(p.s) && strings.IndexByte(" \t\r\n", p.s[p.pos]) >= 0 {
		if p.s[p.pos] == '\n' {
			p.line++
		}
		p.pos++
	}
}

// ident reads a type, key or field name: anything up to a delimiter.
func (p *bibParser) ident() string {
	start := p.pos
	for p.pos < len(p.s) && strings.IndexByte(" \t\r\n{}(),=#\"@", p.s[p.pos]) < 0 {
		p.pos++
	}
	return p.s[start:p.pos]
}

// skipBalanced skips to the closer of an already opened open, honouring nested braces.
func (p *bibParser) skipBalanced(open byte) {
	depth := 1
	for p.pos < len(p.s) && depth > 0 {
		switch c := p.s[p.pos]; {
		case c == '\n':
			p.line++
		case c == '{' || c == open:
			depth++
		case c == '}' || c == closer(open):
			depth--
		}
		p.pos++
	}
}

// entry reads "key, name = value, ... }" after the opening brace.
func (p *bibParser) entry(e *BibEntry, end byte) string {
	p.space()
	e.Key = p.ident()
	for {
		p.space()
		if p.pos >= len(p.s) {
			return "the entry is not closed"
		}
		switch p.s[p.pos] {
		case end:
			p.pos++
			return ""
		case ',':
			p.pos++
			continue
		case '@':
			return "the entry is not closed before the next @"
		}
		name := strings.ToLower(p.ident())
		if name == "" {
			p.pos++ // a stray character: skip it
			continue
		}
		p.space()
		if p.pos >= len(p.s) || p.s[p.pos] != '=' {
			if p.pos < len(p.s) && (p.s[p.pos] == ',' || p.s[p.pos] == end) {
				continue // a key-less entry's key, or a bare word
			}
			return "field " + name + " has no ="
		}
		p.pos++
		var val strings.Builder
		for {
			p.space()
			v, ok := p.value(end)
			if !ok {
				return "field " + name + " has no value"
			}
			val.WriteString(v)
			p.space()
			if p.pos < len(p.s) && p.s[p.pos] == '#' {
				p.pos++
				continue
			}
			break
		}
		e.Fields[name] = cleanBib(val.String())
	}
}

// value reads one {braced}, "quoted" or bare value.
func (p *bibParser) value(end byte) (string, bool) {
	if p.pos >= len(p.s) {
		return "", false
	}
	switch p.s[p.pos] {
	case '{':
		p.pos++
		start := p.pos
		p.skipBalanced('{')
		if p.pos > len(p.s) || p.s[p.pos-1] != '}' {
			return "", false
		}
		return p.s[start : p.pos-1], true
	case '"':
		p.pos++
		start, depth := p.pos, 0
		for p.pos < len(p.s) {
			c := p.s[p.pos]
			if c == '\n' {
				p.line++
			}
			if c == '{' {
				depth++
			} else if c == '}' {
				depth--
			} else if c == '"' && depth <= 0 && p.s[p.pos-1] != '\\' {
				p.pos++
				return p.s[start : p.pos-1], true
			}
			p.pos++
		}
		return "", false
	}
	v := p.ident()
	return v, v != ""
}

var latexCommand = regexp.MustCompile(`\\[a-zA-Z]+\s*|\\.`)

// cleanBib removes braces and LaTeX commands and accents ({\"o} -> o, \textbf{x} -> x) and
// collapses white space.
func cleanBib(s string) string {
	s = latexCommand.ReplaceAllStringFunc(s, func(m string) string {
		switch strings.TrimSpace(m) {
		case `\&`:
			return "&"
		case `\%`:
			return "%"
		case `\_`:
			return "_"
		case `\ss`:
			return "ss"
		}
		return ""
	})
	s = strings.Map(func(r rune) rune {
		if r == '{' || r == '}' {
			return -1
		}
		if unicode.IsSpace(r) {
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

// arxivInText finds "arXiv:2401.01234" or "arXiv preprint arXiv:2401.01234" in a field.
var arxivInText = regexp.MustCompile(`(?i)arxiv[:\s/]+(\d{4}\.\d{4,5}(?:v\d+)?|[a-z][a-z\-]*(?:\.[A-Z]{2})?/\d{7})`)

// Refs returns what identifies the entry's paper: its arXiv id (from eprint, an arXiv URL,
// an arXiv DOI, or "arXiv:ID" in journal/note fields), its DOI, and its title.
func (e BibEntry) Refs() (arxivID, doi, title string) {
	f := e.Fields
	if id, _, ok := paperboy.ParseArxivID(f["eprint"]); ok {
		arxivID = id
	}
	for _, k := range []string{"url", "howpublished"} {
		if arxivID == "" {
			if id, _, ok := paperboy.ParseArxivID(f[k]); ok {
				arxivID = id
			}
		}
	}
	doi = paperboy.NormalizeDOI(f["doi"])
	if arxivID == "" && strings.HasPrefix(doi, "10.48550/arxiv.") {
		if id, _, ok := paperboy.ParseArxivID(strings.TrimPrefix(doi, "10.48550/arxiv.")); ok {
			arxivID = id
		}
	}
	for _, k := range []string{"journal", "note", "booktitle", "volume"} {
		if arxivID == "" {
			if m := arxivInText.FindStringSubmatch(f[k]); m != nil {
				if id, _, ok := paperboy.ParseArxivID(m[1]); ok {
					arxivID = id
				}
			}
		}
	}
	return arxivID, doi, f["title"]
}
