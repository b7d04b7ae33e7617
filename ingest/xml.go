package ingest

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/paperboy-bot/paperboy"
)

// XML namespaces the parsers care about.
const (
	nsAtom  = "http://www.w3.org/2005/Atom"
	nsArxiv = "http://arxiv.org/schemas/atom"
	nsRSS1  = "http://purl.org/rss/1.0/"
	nsDC    = "http://purl.org/dc/elements/1.1/"
)

// ParseError is a payload that could not be read. Line and Offset locate the problem
// (1-based line; byte offset into the payload) when known.
type ParseError struct {
	Source string // filled in by the fetchers: "arxiv", "rss", ...
	URL    string // redacted; "" when parsing bytes directly
	Format string // "XML", "JSON"
	Line   int
	Offset int64
	Msg    string
}

func (e *ParseError) Error() string {
	var b strings.Builder
	b.WriteString("ingest: ")
	if e.Source != "" {
		b.WriteString(e.Source)
		b.WriteString(": ")
	}
	if e.URL != "" {
		b.WriteString(e.URL)
		b.WriteString(": ")
	}
	fmt.Fprintf(&b, "malformed %s", e.Format)
	if e.Line > 0 {
		fmt.Fprintf(&b, " at line %d", e.Line)
		if e.Offset > 0 {
			fmt.Fprintf(&b, " (byte %d)", e.Offset)
		}
	} else if e.Offset > 0 {
		fmt.Fprintf(&b, " at byte %d", e.Offset)
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	return b.String()
}

// Unwrap gives the user-facing error: the source sent something that is not what it
// should be (EINVALID, so a mistyped feed URL reads as the user's to fix).
func (e *ParseError) Unwrap() error {
	src := e.Source
	if src == "" {
		src = "the source"
	}
	where := ""
	if e.Line > 0 {
		where = fmt.Sprintf(" (line %d)", e.Line)
	}
	return paperboy.Errorf(paperboy.EINVALID, "%s sent malformed %s%s: %s", src, e.Format, where, truncate(e.Msg, 200))
}

// withSource fills Source and URL of a *ParseError in err's chain.
func withSource(err error, source, rawURL string) error {
	var pe *ParseError
	if errors.As(err, &pe) {
		pe.Source = source
		pe.URL = RedactURL(rawURL)
	}
	return err
}

// Parsed is what a parser made of one payload.
type Parsed struct {
	Papers []paperboy.Paper
	// Skipped holds one reason per entry that could not become a paper (no title, bad id).
	Skipped []string
	// Entries counts the entries in the payload (papers + skipped).
	Entries int
	// Total is the arXiv API's opensearch:totalResults (0 elsewhere).
	Total int
	// Title is the feed's title, when it has one.
	Title string
}

// xmlDoc covers the roots of RSS 2.0 (<rss><channel><item>), RSS 1.0 (<rdf:RDF><item>)
// and Atom (<feed><entry>), including the arXiv API's and listings' extensions. Elements
// are matched by local name; fields that more than one namespace uses keep the element
// name so the reader can prefer the feed's own.
type xmlDoc struct {
	XMLName      xml.Name
	Title        []xmlText `xml:"title"`
	Channel      *xmlChan  `xml:"channel"`
	Items        []xmlItem `xml:"item"`
	Entries      []xmlItem `xml:"entry"`
	TotalResults string    `xml:"totalResults"`
}

type xmlChan struct {
	Title []xmlText `xml:"title"`
	Items []xmlItem `xml:"item"`
}

type xmlText struct {
	XMLName xml.Name
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
	Inner   string `xml:",innerxml"`
}

type xmlLink struct {
	XMLName xml.Name
	Href    string `xml:"href,attr"`
	Rel     string `xml:"rel,attr"`
	Type    string `xml:"type,attr"`
	Title   string `xml:"title,attr"`
	Text    string `xml:",chardata"`
}

type xmlPerson struct {
	Name string `xml:"name"`
	Text string `xml:",chardata"`
}

type xmlCategory struct {
	Term string `xml:"term,attr"`
	Text string `xml:",chardata"`
}

type xmlItem struct {
	ID               []xmlText     `xml:"id"`
	GUID             string        `xml:"guid"`
	About            string        `xml:"about,attr"` // RSS 1.0 rdf:about
	Title            []xmlText     `xml:"title"`
	Links            []xmlLink     `xml:"link"`
	Summary          []xmlText     `xml:"summary"`
	Description      []xmlText     `xml:"description"`
	Content          []xmlText     `xml:"content"`
	Encoded          string        `xml:"encoded"` // content:encoded
	Authors          []xmlPerson   `xml:"author"`
	Creators         []string      `xml:"creator"` // dc:creator
	Published        string        `xml:"published"`
	Updated          string        `xml:"updated"`
	PubDate          string        `xml:"pubDate"`
	Date             []string      `xml:"date"`       // dc:date
	Identifiers      []string      `xml:"identifier"` // dc:identifier
	DOI              []string      `xml:"doi"`        // arxiv:doi, prism:doi
	DOIUpper         string        `xml:"DOI"`        // arxiv:DOI in listings
	Categories       []xmlCategory `xml:"category"`
	Subjects         []string      `xml:"subject"` // dc:subject
	PrimaryCategory  *xmlCategory  `xml:"primary_category"`
	Comment          string        `xml:"comment"`
	JournalRef       string        `xml:"journal_ref"`
	JournalReference string        `xml:"journal_reference"`
	AnnounceType     string        `xml:"announce_type"`
}

// decodeXML parses data into doc, turning decoder errors into *ParseError.
func decodeXML(data []byte) (*xmlDoc, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, &ParseError{Format: "XML", Msg: "empty document"}
	}
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = true
	dec.Entity = xml.HTMLEntity // &nbsp; and friends appear in real feeds
	dec.CharsetReader = charsetReader
	var doc xmlDoc
	if err := dec.Decode(&doc); err != nil {
		pe := &ParseError{Format: "XML", Offset: dec.InputOffset(), Msg: err.Error()}
		var se *xml.SyntaxError
		if errors.As(err, &se) {
			pe.Line = se.Line
			pe.Msg = se.Msg
		} else {
			pe.Line = 1 + bytes.Count(data[:min(int(max(pe.Offset, 0)), len(data))], []byte{'\n'})
		}
		if errors.Is(err, io.EOF) {
			pe.Msg = "no root element"
		}
		return nil, pe
	}
	return &doc, nil
}

// rootKind says which feed grammar doc follows: "atom", "rss" or "rdf".
func (d *xmlDoc) rootKind() (string, error) {
	switch d.XMLName.Local {
	case "feed":
		return "atom", nil
	case "rss":
		return "rss", nil
	case "RDF":
		return "rdf", nil
	}
	return "", &ParseError{Format: "XML", Line: 1, Msg: fmt.Sprintf("root element is <%s>, not an RSS or Atom feed", truncate(d.XMLName.Local, 40))}
}

// items returns the entries or items of any kind of feed, and the feed title.
func (d *xmlDoc) items() ([]xmlItem, string) {
	switch {
	case d.Channel != nil:
		items := d.Channel.Items
		if len(items) == 0 {
			items = d.Items // RSS 0.9x puts items beside the channel
		}
		return items, textOf(pickText(d.Channel.Title))
	case len(d.Entries) > 0:
		return d.Entries, textOf(pickText(d.Title))
	}
	return d.Items, textOf(pickText(d.Title))
}

// pickText prefers an element in the feed's own namespaces over media:, dc: and others.
func pickText(ts []xmlText) *xmlText {
	for i := range ts {
		switch ts[i].XMLName.Space {
		case "", nsAtom, nsRSS1:
			return &ts[i]
		}
	}
	for i := range ts {
		if ts[i].XMLName.Space == nsDC {
			return &ts[i]
		}
	}
	if len(ts) > 0 {
		return &ts[0]
	}
	return nil
}

// textOf returns the plain text of an element: HTML and XHTML content lose their tags.
func textOf(t *xmlText) string {
	if t == nil {
		return ""
	}
	if t.Type == "xhtml" {
		return StripHTML(t.Inner)
	}
	return StripHTML(t.Text)
}

// firstText returns the text of the first list with a non-empty element.
func firstText(lists ...[]xmlText) string {
	for _, l := range lists {
		if s := textOf(pickText(l)); s != "" {
			return s
		}
	}
	return ""
}

// charsetReader supports the single-byte encodings feeds still declare.
func charsetReader(charset string, input io.Reader) (io.Reader, error) {
	switch strings.ToLower(strings.TrimSpace(charset)) {
	case "utf-8", "utf8", "us-ascii", "ascii":
		return input, nil
	case "iso-8859-1", "latin1", "latin-1", "iso8859-1", "windows-1252", "cp1252":
		data, err := io.ReadAll(input)
		if err != nil {
			return nil, err
		}
		buf := make([]byte, 0, len(data)+len(data)/8)
		for _, c := range data {
			buf = utf8.AppendRune(buf, rune(c))
		}
		return bytes.NewReader(buf), nil
	}
	return nil, fmt.Errorf("unsupported charset %q", truncate(charset, 40))
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// parseItems decodes an RSS or Atom document and converts each item with convert (which
// also gets the feed's title). An item that cannot become a paper is listed in Skipped
// with its position; it does not fail the feed.
func parseItems(data []byte, convert func(it *xmlItem, feedTitle string) (paperboy.Paper, error)) (*Parsed, error) {
	doc, err := decodeXML(data)
	if err != nil {
		return nil, err
	}
	if _, err := doc.rootKind(); err != nil {
		return nil, err
	}
	items, title := doc.items()
	out := &Parsed{Title: title, Entries: len(items)}
	for i := range items {
		p, err := convert(&items[i], title)
		if err != nil {
			out.Skipped = append(out.Skipped, fmt.Sprintf("item %d: %v", i+1, err))
			continue
		}
		out.Papers = append(out.Papers, p)
	}
	return out, nil
}
